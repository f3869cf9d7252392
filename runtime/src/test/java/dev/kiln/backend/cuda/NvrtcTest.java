package dev.kiln.backend.cuda;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.KernelDialect;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NVRTC through Kiln's FFM binding, and ptxas on its PTX: runs without a GPU where .ci/cuda-tools.sh has run. */
class NvrtcTest {
    @Test
    void versionAndArchitectures() {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        assertEquals(13, nvrtc.major(), nvrtc.toString());
        int[] archs = nvrtc.supportedArchs();
        assertTrue(Arrays.binarySearch(archs, 80) >= 0 && Arrays.binarySearch(archs, 90) >= 0, Arrays.toString(archs));
        assertSame(nvrtc, Nvrtc.load(CudaCompileCheck.requireTools().nvrtc()), "one instance per library file");
    }

    @Test
    void dialectKernelsCompileToPtxWithAnEntryPerKernel() {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        String source = KernelDialect.withPrelude(Device.Kind.CUDA, CudaTestKernels.SOURCE);
        for (int arch : CudaCompileCheck.ARCHS) {
            String ptx = nvrtc.compile(CudaTestKernels.NAME, source, "compute_" + arch, List.of());
            assertTrue(ptx.contains(".target sm_" + arch), "PTX for compute_" + arch + " targets sm_" + arch);
            for (String kernel : CudaTestKernels.KERNELS) {
                assertTrue(ptx.contains(".entry " + kernel + "("), "PTX for compute_" + arch + " has .entry " + kernel);
            }
            assertTrue(ptx.contains("atom.global.add.f32"), "ATOMIC_ADD_F is a hardware float atomic");
            assertTrue(ptx.contains("bar.sync"), "BARRIER is a barrier");
            assertTrue(ptx.contains(".shared"), "SHARED memory is declared");

            Map<String, List<PtxEntries.Param>> entries = PtxEntries.parse(ptx);
            assertEquals(List.of(CudaTestKernels.KERNELS), List.copyOf(entries.keySet()));
            var P = PtxEntries.Param.POINTER;
            assertEquals(List.of(P, P, PtxEntries.Param.FLOAT, PtxEntries.Param.INT), entries.get("saxpy"));
            assertEquals(List.of(P, PtxEntries.Param.INT, PtxEntries.Param.INT, PtxEntries.Param.FLOAT), entries.get("scale2d"));
        }
    }

    @Test
    void ptxasAssemblesBothArchitecturesAndReportsRegisters() {
        CudaCompileCheck.Result result = CudaCompileCheck.check(CudaTestKernels.NAME, CudaTestKernels.SOURCE);
        assertEquals(CudaTestKernels.KERNELS.length * CudaCompileCheck.ARCHS.size(), result.kernels().size(), result.kernels().toString());
        for (int arch : CudaCompileCheck.ARCHS) {
            for (String kernel : CudaTestKernels.KERNELS) {
                CudaCompileCheck.KernelStats k = result.stats(kernel, arch);
                assertTrue(k.registers() > 0 && k.registers() <= 255, k.toString());
                assertEquals(0, k.spillStoreBytes(), k.toString());
                assertEquals(0, k.spillLoadBytes(), k.toString());
            }
            assertEquals(256 * Float.BYTES, result.stats("block_sum", arch).sharedBytes(), "SHARED float tile[256]");
            assertEquals(0, result.stats("saxpy", arch).sharedBytes());
        }
    }

    @Test
    void ptxasFailureFailsTheCheck() {
        CudaCompileCheck.Tools tools = CudaCompileCheck.requireTools();
        AssertionError e = assertThrows(AssertionError.class,
                () -> CudaCompileCheck.ptxas(tools, "not_ptx", ".version 9.0\n.target sm_90\n.address_size 64\nbogus;\n", 90));
        assertTrue(e.getMessage().contains("ptxas -arch=sm_90 failed on 'not_ptx'"), e.getMessage());
    }

    @Test
    void syntaxErrorThrowsWithProgramNameAndNvrtcLog() {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        String broken = """
                KERNEL void broken(GLOBAL float* out, int n) {
                    out[GLOBAL_ID(0)] = undefined_thing + 1.0f
                }
                """;
        DeviceException e = assertThrows(DeviceException.class, () -> nvrtc.compile("broken_program",
                KernelDialect.withPrelude(Device.Kind.CUDA, broken), "compute_90", List.of()));
        String m = e.getMessage();
        assertTrue(m.contains("'broken_program'"), m);
        assertTrue(m.contains("compute_90"), m);
        assertTrue(m.contains("NVRTC_ERROR_COMPILATION"), m);
        // NVRTC's log, with line numbers in the dialect source (the prelude ends with #line 1).
        assertTrue(m.contains("broken_program.cu(2): error: identifier \"undefined_thing\" is undefined"), m);
    }

    @Test
    void architectureFollowsTheDeviceWithinWhatNvrtcSupports() {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        assertEquals("compute_90", CudaContext.chooseArch(nvrtc, 90, "cuda:0"));
        assertEquals("compute_80", CudaContext.chooseArch(nvrtc, 80, "cuda:0"));
        assertEquals("compute_89", CudaContext.chooseArch(nvrtc, 89, "cuda:0"));
        int newest = nvrtc.supportedArchs()[nvrtc.supportedArchs().length - 1];
        assertEquals("compute_" + newest, CudaContext.chooseArch(nvrtc, 250, "cuda:0"), "a GPU newer than NVRTC gets its newest PTX");
        DeviceException e = assertThrows(DeviceException.class, () -> CudaContext.chooseArch(nvrtc, 70, "cuda:0 (Tesla V100)"));
        assertTrue(e.getMessage().contains("cuda:0 (Tesla V100) has compute capability 7.0"), e.getMessage());
    }
}
