package dev.kiln.backend.cuda;

import dev.kiln.backend.cpu.GeluMath;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend on a GPU: copies, launches checked against Java, errors. Skipped (with the reason) where
 * libcuda.so.1 is absent or reports no device; NVRTC comes from the default search (which includes the folder
 * .ci/cuda-tools.sh fills).
 */
class CudaDriverTest {
    private static Path cacheDir;
    private static PtxCache cache;
    private static DeviceContext ctx;
    private static DeviceProgram program;
    private static String skip;

    @BeforeAll
    static void open() throws IOException {
        List<DeviceInfo> devices = new CudaBackend().devices();
        if (devices.isEmpty()) {
            String why;
            try {
                CudaDriver.load();
                why = "the driver reports no device";
            } catch (DeviceException e) {
                why = e.getMessage();
            }
            skip = "CUDA device test skipped, it needs an NVIDIA GPU with libcuda.so.1: " + why;
            return;
        }
        cacheDir = Files.createTempDirectory("kiln-ptx-test");
        cache = new PtxCache(cacheDir);
        ctx = new CudaBackend(null, cache).open(0);
        program = ctx.compile(CudaTestKernels.NAME, CudaTestKernels.SOURCE);
    }

    /** Each test reports itself skipped, with the reason, where there is no GPU. */
    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(skip == null, () -> skip);
    }

    @AfterAll
    static void close() throws IOException {
        if (ctx != null) ctx.close();
        if (cacheDir != null) {
            try (var files = Files.list(cacheDir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(cacheDir);
        }
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void devicesNameTheGpu() {
        List<DeviceInfo> devices = new CudaBackend().devices();
        assertEquals(new Device(Device.Kind.CUDA, 0), devices.getFirst().device());
        assertFalse(devices.getFirst().name().isBlank());
        assertTrue(devices.getFirst().driver().startsWith("CUDA "), devices.getFirst().driver());
        assertEquals(devices.getFirst().name(), ctx.name());
        CudaContext c = (CudaContext) ctx;
        assertTrue(c.arch().startsWith("compute_"), c.arch());
        assertTrue(c.computeCapability() >= 75, "compute capability " + c.computeCapability());
    }

    @Test
    void uploadDownloadRoundTripWithOffsets() {
        float[] host = random(10_000, 1);
        try (DeviceBuffer buf = ctx.allocate(12_000)) {
            assertEquals(12_000, buf.floats());
            ctx.upload(host, 0, buf, 0, host.length);
            float[] back = new float[host.length];
            ctx.download(buf, 0, back, 0, back.length);
            assertArrayEquals(host, back);

            ctx.upload(host, 100, buf, 11_000, 500);
            float[] part = new float[700];
            ctx.download(buf, 11_000, part, 200, 500);
            for (int i = 0; i < 500; i++) assertEquals(host[100 + i], part[200 + i]);
            for (int i = 0; i < 200; i++) assertEquals(0f, part[i]);

            assertThrows(IndexOutOfBoundsException.class, () -> ctx.upload(host, 0, buf, 11_999, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> ctx.download(buf, 0, back, 9_999, 2));
        }
    }

    @Test
    void deviceToDeviceCopyIsOrderedWithTheStream() {
        float[] host = random(4096, 2);
        try (DeviceBuffer a = ctx.allocate(4096); DeviceBuffer b = ctx.allocate(4096)) {
            ctx.upload(host, 0, a, 0, 4096);
            ctx.upload(new float[4096], 0, b, 0, 4096);
            ctx.copy(a, 1000, b, 10, 2000);
            float[] back = new float[4096];
            ctx.download(b, 0, back, 0, 4096);
            for (int i = 0; i < 4096; i++) assertEquals(i >= 10 && i < 2010 ? host[i + 990] : 0f, back[i], "index " + i);
        }
    }

    @Test
    void saxpyMatchesJava() {
        int n = 100_003;
        float a = 1.75f;
        float[] x = random(n, 3);
        float[] y = random(n, 4);
        try (DeviceBuffer dx = ctx.allocate(n); DeviceBuffer dy = ctx.allocate(n)) {
            ctx.upload(x, 0, dx, 0, n);
            ctx.upload(y, 0, dy, 0, n);
            program.kernel("saxpy").launch1d(n, 256, dy, dx, a, n);
            float[] out = new float[n];
            ctx.download(dy, 0, out, 0, n);
            for (int i = 0; i < n; i++) {
                float expected = Math.fma(a, x[i], y[i]); // the kernel's a * x + y contracts to one fma
                assertEquals(expected, out[i], Math.ulp(expected), "index " + i);
            }
        }
    }

    @Test
    void sharedMemoryReductionWithAtomicAdd() {
        int n = 1 << 20;
        float[] x = random(n, 5);
        double sum = 0;
        double abs = 0;
        for (float v : x) {
            sum += v;
            abs += Math.abs(v);
        }
        try (DeviceBuffer in = ctx.allocate(n); DeviceBuffer out = ctx.allocate(1)) {
            ctx.upload(x, 0, in, 0, n);
            ctx.upload(new float[1], 0, out, 0, 1);
            program.kernel("block_sum").launch(new int[] {n}, new int[] {256}, out, in, n);
            ctx.finish();
            float[] got = new float[1];
            ctx.download(out, 0, got, 0, 1);
            assertEquals(sum, got[0], 1e-5 * abs, "sum of " + n + " floats");
        }
    }

    @Test
    void mathMacrosMatchJava() {
        int n = 4096;
        float[] x = random(n, 6);
        for (int i = 0; i < n; i++) x[i] *= 3;
        try (DeviceBuffer in = ctx.allocate(n); DeviceBuffer out = ctx.allocate(6L * n)) {
            ctx.upload(x, 0, in, 0, n);
            program.kernel("activations").launch1d(n, 128, out, in, n);
            float[] got = new float[6 * n];
            ctx.download(out, 0, got, 0, got.length);
            for (int i = 0; i < n; i++) {
                double v = x[i], a = Math.abs(v);
                double[] expected = {
                        Math.exp(-a), Math.log(1 + v * v), Math.tanh(v), Math.sqrt(a) + 1 / Math.sqrt(1 + a),
                        0.5 * v * (1 + GeluMath.erf(v * 0.70710678118654752)), Math.pow(a, 1.5) + Math.max(v, 0) - Math.min(v, 0)};
                for (int k = 0; k < 6; k++) {
                    assertEquals(expected[k], got[6 * i + k], 1e-5 * Math.max(1, Math.abs(expected[k])), "x=" + v + " output " + k);
                }
            }
        }
    }

    @Test
    void twoDimensionalLaunch() {
        int w = 100, h = 37;
        float[] m = random(w * h, 7);
        int[] local = {16, 8};
        int[] global = {112, 40};
        try (DeviceBuffer dm = ctx.allocate((long) w * h)) {
            ctx.upload(m, 0, dm, 0, w * h);
            program.kernel("scale2d").launch(global, local, dm, w, h, 2.0f);
            float[] got = new float[w * h];
            ctx.download(dm, 0, got, 0, got.length);
            for (int row = 0; row < h; row++) {
                for (int col = 0; col < w; col++) {
                    int group = (row / 8) * (112 / 16) + col / 16;
                    assertEquals(2.0f * m[row * w + col] + group, got[row * w + col], "(" + row + ", " + col + ")");
                }
            }
        }
    }

    @Test
    void argumentsAreCheckedAgainstTheKernel() {
        DeviceKernel saxpy = program.kernel("saxpy");
        assertSame(saxpy, program.kernel("saxpy"));
        try (DeviceBuffer b = ctx.allocate(256)) {
            IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                    () -> saxpy.launch(new int[] {256}, new int[] {256}, b, b, 1f));
            assertTrue(few.getMessage().contains("takes 4 arguments (buffer, buffer, float, int), got 3"), few.getMessage());
            IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                    () -> saxpy.launch(new int[] {256}, new int[] {256}, b, b, 1, 256));
            assertTrue(type.getMessage().contains("argument 2 must be a Float, got Integer 1"), type.getMessage());
        }
    }

    @Test
    void unknownKernelNamesTheProgramsKernels() {
        DeviceException e = assertThrows(DeviceException.class, () -> program.kernel("nope"));
        assertTrue(e.getMessage().contains("'" + CudaTestKernels.NAME + "' has no kernel 'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("saxpy"), e.getMessage());
    }

    @Test
    void compileErrorCarriesNameAndLog() {
        DeviceException e = assertThrows(DeviceException.class,
                () -> ctx.compile("broken_on_gpu", "KERNEL void f(GLOBAL float* o) { o[0] = nothing; }"));
        assertTrue(e.getMessage().contains("'broken_on_gpu'"), e.getMessage());
        assertTrue(e.getMessage().contains("identifier \"nothing\" is undefined"), e.getMessage());
    }

    @Test
    void secondCompileIsACacheHit() {
        long hits = cache.hits();
        DeviceProgram again = ctx.compile("again", CudaTestKernels.SOURCE);
        assertEquals(hits + 1, cache.hits());
        assertEquals("again", again.name());
    }

    @Test
    void outOfMemoryNamesTheSizeAsked() {
        DeviceException e = assertThrows(DeviceException.class, () -> ctx.allocate(1L << 40));
        assertTrue(e.getMessage().contains("out of device memory"), e.getMessage());
        assertTrue(e.getMessage().contains("4,398,046,511,104 bytes"), e.getMessage());
    }

    @Test
    void missingDeviceIndexIsNamed() {
        int count = new CudaBackend().devices().size();
        DeviceException e = assertThrows(DeviceException.class, () -> new CudaBackend(null, cache).open(count));
        assertTrue(e.getMessage().contains("cuda:" + count + " does not exist"), e.getMessage());
    }

    @Test
    void backendsShareOneContextAndUseFromAnotherThreadWorks() throws Exception {
        DeviceContext shared = Backends.open(Device.of("cuda:0"));
        assertSame(shared, Backends.open(Device.of("cuda:0")));
        float[] host = random(1000, 8);
        float[] back = new float[1000];
        Thread t = new Thread(() -> {
            try (DeviceBuffer b = shared.allocate(1000)) {
                shared.upload(host, 0, b, 0, 1000);
                shared.download(b, 0, back, 0, 1000);
            }
        });
        t.start();
        t.join();
        assertArrayEquals(host, back);
        // A second context on the same device (same primary context) closes independently.
        try (DeviceContext other = new CudaBackend(null, cache).open(0)) {
            try (DeviceBuffer b = other.allocate(10)) {
                other.upload(host, 0, b, 0, 10);
            }
        }
        assertFalse(shared.isClosed());
        try (DeviceBuffer b = shared.allocate(10)) {
            shared.upload(host, 0, b, 0, 10);
        }
    }
}
