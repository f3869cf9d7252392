package dev.kiln.backend.cuda;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the CUDA backend does without a GPU: registration, the errors it gives, launch shapes, PTX and ptxas parsing. */
class CudaBackendTest {
    /** Whether libcuda.so.1 loads and initialises here (a GPU machine). */
    static boolean driverPresent() {
        try {
            CudaDriver.load();
            return true;
        } catch (DeviceException e) {
            return false;
        }
    }

    @Test
    void registeredWithServiceLoader() {
        assertInstanceOf(CudaBackend.class, Backends.of(Device.Kind.CUDA));
        assertEquals(Device.Kind.CUDA, new CudaBackend().kind());
    }

    @Test
    void withoutTheDriverThereAreNoDevicesAndOpenNamesLibcuda() {
        Assumptions.assumeFalse(driverPresent(), "libcuda.so.1 is present: this machine has the NVIDIA driver");
        assertEquals(List.of(), new CudaBackend().devices());
        assertTrue(Device.available().stream().map(DeviceInfo::device).noneMatch(d -> d.kind() == Device.Kind.CUDA));
        DeviceException e = assertThrows(DeviceException.class, () -> Backends.open(Device.of("cuda:0")));
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        assertTrue(e.getMessage().contains("NVIDIA driver"), e.getMessage());
        // The same answer on every call (the failed load is remembered, not retried).
        DeviceException again = assertThrows(DeviceException.class, () -> new CudaBackend().open(1));
        assertEquals(e.getMessage(), again.getMessage());
    }

    @Test
    void openWithMissingNvrtcNamesWhereItLooked() {
        Path missing = Path.of("/nonexistent/kiln/libnvrtc.so.13");
        DeviceException e = assertThrows(DeviceException.class, () -> new CudaBackend(missing, null).open(0));
        // Without a driver the driver is named first; with one, NVRTC and the path looked in.
        if (driverPresent()) {
            assertTrue(e.getMessage().contains("NVRTC") && e.getMessage().contains(missing.toString()), e.getMessage());
        } else {
            assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        }
    }

    @Test
    void missingNvrtcListsThePathGiven() {
        Path missing = Path.of("/nonexistent/kiln/libnvrtc.so.13");
        DeviceException e = assertThrows(DeviceException.class, () -> Nvrtc.load(missing));
        String m = e.getMessage();
        assertTrue(m.contains("NVRTC"), m);
        assertTrue(m.contains(missing + " (from the path given): no such file"), m);
        assertTrue(m.contains(".ci/cuda-tools.sh"), m);
    }

    @Test
    void missingNvrtcFromThePropertyNamesTheProperty() {
        String old = System.getProperty("kiln.nvrtc");
        try {
            System.setProperty("kiln.nvrtc", "/nonexistent/kiln/prop/libnvrtc.so.13");
            DeviceException e = assertThrows(DeviceException.class, Nvrtc::load);
            assertTrue(e.getMessage().contains("/nonexistent/kiln/prop/libnvrtc.so.13 (from -Dkiln.nvrtc): no such file"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty("kiln.nvrtc");
            else System.setProperty("kiln.nvrtc", old);
        }
    }

    @Test
    void defaultSearchOrderAndAnErrorListingEveryPlace() {
        String old = System.getProperty("kiln.cuda.home");
        try {
            System.setProperty("kiln.cuda.home", "/nonexistent/kiln/cuda");
            List<String> order = Nvrtc.candidates(null, 13).stream().map(Nvrtc.Candidate::describe).toList();
            assertEquals(List.of(
                    "libnvrtc.so.13 (by name: LD_LIBRARY_PATH, ld.so cache)",
                    "libnvrtc.so.12 (by name: LD_LIBRARY_PATH, ld.so cache)",
                    "/usr/local/cuda/lib64/libnvrtc.so.13",
                    "/usr/local/cuda/lib64/libnvrtc.so.12",
                    "/nonexistent/kiln/cuda/nvidia/cu13/lib/libnvrtc.so.13"), order);
            assertEquals("libnvrtc.so.12 (by name: LD_LIBRARY_PATH, ld.so cache)",
                    Nvrtc.candidates(null, 12).getFirst().describe(), "a CUDA 12 driver prefers NVRTC 12");
        } finally {
            if (old == null) System.clearProperty("kiln.cuda.home");
            else System.setProperty("kiln.cuda.home", old);
        }
        DeviceException e = assertThrows(DeviceException.class, () -> Nvrtc.load(List.of(
                new Nvrtc.Candidate(null, null, "libnvrtc-kiln-missing.so.99"),
                new Nvrtc.Candidate(null, Path.of("/nonexistent/a/libnvrtc.so.13"), null),
                new Nvrtc.Candidate("KILN_NVRTC", Path.of("/nonexistent/b/libnvrtc.so.12"), null))));
        String m = e.getMessage();
        assertTrue(m.contains("libnvrtc-kiln-missing.so.99 (by name"), m);
        assertTrue(m.contains("/nonexistent/a/libnvrtc.so.13: no such file"), m);
        assertTrue(m.contains("/nonexistent/b/libnvrtc.so.12 (from KILN_NVRTC): no such file"), m);
    }

    @Test
    void launchShapeIsGlobalOverLocal() {
        int[] grid = {1, 1, 1};
        int[] block = {1, 1, 1};
        CudaContext.shape(new int[] {1024}, new int[] {256}, grid, block, 1024);
        assertArrayEquals(new int[] {4, 1, 1}, grid);
        assertArrayEquals(new int[] {256, 1, 1}, block);
        CudaContext.shape(new int[] {64, 48, 2}, new int[] {16, 16, 1}, grid, block, 1024);
        assertArrayEquals(new int[] {4, 3, 2}, grid);
        assertArrayEquals(new int[] {16, 16, 1}, block);

        int[] g = {1, 1, 1}, b = {1, 1, 1};
        assertThrows(IllegalArgumentException.class, () -> CudaContext.shape(new int[] {1000}, new int[] {256}, g, b, 1024));
        assertThrows(IllegalArgumentException.class, () -> CudaContext.shape(new int[] {256, 4}, new int[] {256}, g, b, 1024));
        assertThrows(IllegalArgumentException.class, () -> CudaContext.shape(new int[] {}, new int[] {}, g, b, 1024));
        assertThrows(IllegalArgumentException.class, () -> CudaContext.shape(new int[] {0}, new int[] {1}, g, b, 1024));
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> CudaContext.shape(new int[] {2048}, new int[] {2048}, g, b, 1024));
        assertTrue(big.getMessage().contains("allows 1024"), big.getMessage());
    }

    @Test
    void ptxEntriesAndTheirParameters() {
        String ptx = """
                .visible .entry saxpy(
                	.param .u64 .ptr .global .align 1 saxpy_param_0,
                	.param .u64 saxpy_param_1,
                	.param .f32 saxpy_param_2,
                	.param .u32 saxpy_param_3
                )
                {
                	ret;
                }
                .visible .entry none()
                {
                	ret;
                }
                .entry withStruct(
                	.param .align 8 .b8 withStruct_param_0[16],
                	.param .s32 withStruct_param_1
                )
                """;
        var entries = PtxEntries.parse(ptx);
        var P = PtxEntries.Param.POINTER;
        assertEquals(List.of("saxpy", "none", "withStruct"), List.copyOf(entries.keySet()));
        assertEquals(List.of(P, P, PtxEntries.Param.FLOAT, PtxEntries.Param.INT), entries.get("saxpy"));
        assertEquals(List.of(), entries.get("none"));
        assertEquals(List.of(PtxEntries.Param.OTHER, PtxEntries.Param.INT), entries.get("withStruct"));
        assertEquals("(buffer, buffer, float, int)", PtxEntries.signature(entries.get("saxpy")));
    }

    @Test
    void ptxasReportIsParsedPerKernel() {
        String out = """
                ptxas info    : 0 bytes gmem
                ptxas info    : Compiling entry function 'big' for 'sm_80'
                ptxas info    : Function properties for big
                    256 bytes stack frame, 8 bytes spill stores, 12 bytes spill loads
                ptxas info    : Used 32 registers, used 0 barriers, 256 bytes cumulative stack size, 360 bytes cmem[0]
                ptxas info    : Compile time = 23.626 ms
                ptxas info    : Compiling entry function 'block_sum' for 'sm_80'
                ptxas info    : Function properties for block_sum
                    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
                ptxas info    : Used 9 registers, used 1 barriers, 1024 bytes smem, 372 bytes cmem[0]
                """;
        assertEquals(List.of(new CudaCompileCheck.KernelStats("big", 80, 32, 8, 12, 256, 0),
                new CudaCompileCheck.KernelStats("block_sum", 80, 9, 0, 0, 0, 1024)), CudaCompileCheck.parse(out, 80));
    }

    @Test
    void toolsFolderDefaultsToTheScriptsFolder() {
        String old = System.getProperty("kiln.cuda.home");
        try {
            System.clearProperty("kiln.cuda.home");
            String env = System.getenv("KILN_CUDA_HOME");
            Path expected = env != null && !env.isBlank() ? Path.of(env.strip())
                    : Path.of(System.getProperty("user.home"), ".cache", "kiln", "cuda");
            assertEquals(expected, CudaCompileCheck.home());
            System.setProperty("kiln.cuda.home", "/somewhere/else");
            assertEquals(Path.of("/somewhere/else"), CudaCompileCheck.home());
            assertTrue(CudaCompileCheck.tools().isEmpty());
            assertTrue(CudaCompileCheck.missingToolsMessage().contains(".ci/cuda-tools.sh"));
        } finally {
            if (old == null) System.clearProperty("kiln.cuda.home");
            else System.setProperty("kiln.cuda.home", old);
        }
    }

}
