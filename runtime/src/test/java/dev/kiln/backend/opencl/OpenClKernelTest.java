package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class OpenClKernelTest {
    private static final String BLAS = """
            KERNEL void vadd(GLOBAL const float* a, GLOBAL const float* b, GLOBAL float* RESTRICT c, int n) {
                int i = GLOBAL_ID(0);
                if (i < n) c[i] = a[i] + b[i];
            }

            KERNEL void axpy(int n, float alpha, GLOBAL const float* x, GLOBAL float* y) {
                int i = GLOBAL_ID(0);
                if (i < n) y[i] = alpha * x[i] + y[i];
            }

            KERNEL void transpose(GLOBAL const float* in, GLOBAL float* out, int rows, int cols) {
                int c = GLOBAL_ID(0), r = GLOBAL_ID(1);
                if (r < rows && c < cols) out[c * rows + r] = in[r * cols + c];
            }
            """;

    private static DeviceContext ctx;
    private static DeviceProgram blas;

    @BeforeAll
    static void open() {
        ctx = OpenClTesting.open();
        blas = ctx.compile("blas", BLAS);
    }

    @AfterAll
    static void close() { if (ctx != null) ctx.close(); }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = random.nextFloat() * 2 - 1;
        return a;
    }

    private static DeviceBuffer upload(float[] values) {
        DeviceBuffer buffer = ctx.allocate(values.length);
        ctx.upload(values, 0, buffer, 0, values.length);
        return buffer;
    }

    private static float[] download(DeviceBuffer buffer, int n) {
        float[] out = new float[n];
        ctx.download(buffer, 0, out, 0, n);
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1001, 100003})
    void vectorAddMatchesJavaExactly(int n) {
        float[] a = random(n, 1), b = random(n, 2), want = new float[n];
        for (int i = 0; i < n; i++) want[i] = a[i] + b[i]; // one correctly rounded add: bit-exact on any device
        try (DeviceBuffer da = upload(a); DeviceBuffer db = upload(b); DeviceBuffer dc = ctx.allocate(n)) {
            blas.kernel("vadd").launch1d(n, 64, da, db, dc, n); // global rounded up to a multiple of 64
            assertArrayEquals(want, download(dc, n));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 129, 100003})
    void axpyTakesIntAndFloatArguments(int n) {
        float alpha = -1.75f;
        float[] x = random(n, 3), y = random(n, 4);
        try (DeviceBuffer dx = upload(x); DeviceBuffer dy = upload(y)) {
            blas.kernel("axpy").launch1d(n, 128, n, alpha, dx, dy);
            float[] got = download(dy, n);
            for (int i = 0; i < n; i++) {
                double want = (double) alpha * x[i] + y[i]; // the device may fuse the multiply-add, or not
                double scale = Math.abs((double) alpha * x[i]) + Math.abs(y[i]);
                assertEquals(want, got[i], 1e-6 * scale + 1e-30, "y[" + i + "]");
            }
        }
    }

    @Test
    void twoDimensionalLaunchTransposes() {
        int rows = 37, cols = 53;
        float[] in = random(rows * cols, 5), want = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) want[c * rows + r] = in[r * cols + c];
        try (DeviceBuffer din = upload(in); DeviceBuffer dout = ctx.allocate(rows * cols)) {
            blas.kernel("transpose").launch(new int[] {56, 40}, new int[] {8, 8}, din, dout, rows, cols);
            assertArrayEquals(want, download(dout, rows * cols));
        }
    }

    @Test
    void workGroupReductionWithSharedMemoryAndAtomicAdd() {
        DeviceProgram program = ctx.compile("reduce", """
                KERNEL void block_sum(GLOBAL const float* x, GLOBAL float* total, int n) {
                    SHARED float part[256];
                    int lid = LOCAL_ID(0);
                    int i = GLOBAL_ID(0);
                    part[lid] = i < n ? x[i] : 0.0f;
                    BARRIER();
                    for (int s = LOCAL_SIZE(0) / 2; s > 0; s >>= 1) {
                        if (lid < s) part[lid] += part[lid + s];
                        BARRIER();
                    }
                    if (lid == 0) ATOMIC_ADD_F(total, part[0]);
                }
                """);
        int n = 100003, local = 256;
        Random random = new Random(6);
        float[] x = new float[n];
        double exact = 0;
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat();
            exact += x[i];
        }
        try (DeviceBuffer dx = upload(x); DeviceBuffer total = upload(new float[] {0f})) {
            program.kernel("block_sum").launch1d(n, local, dx, total, n);
            float got = download(total, 1)[0];
            // Each group's tree sum adds 8 levels of rounding, then 391 atomic adds into a float near the total:
            // every add is off by at most half an ulp of the total.
            int groups = (n + local - 1) / local;
            double bound = (groups + 8) * Math.ulp((float) exact) / 2;
            assertEquals(exact, got, bound, "sum of " + n + " floats");
        }
    }

    /** erf in double: 2/sqrt(pi) e^-x^2 sum 2^k x^(2k+1) / (1*3*...*(2k+1)), a series of positive terms. */
    static double erf(double x) {
        if (x < 0) return -erf(-x);
        if (x > 6) return 1;
        double term = x, sum = x;
        for (int k = 1; term > 1e-17 * sum; k++) {
            term *= 2 * x * x / (2 * k + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    @Test
    void theReferenceErfIsRight() {
        assertEquals(0.8427007929497149, erf(1), 1e-15);
        assertEquals(-0.9953222650189527, erf(-2), 1e-15);
        assertEquals(0.1124629160182849, erf(0.1), 1e-15);
    }

    @Test
    void dialectMathMatchesJava() {
        DeviceProgram program = ctx.compile("math", """
                KERNEL void math(GLOBAL const float* x, GLOBAL const float* y, GLOBAL float* out, int n) {
                    int i = GLOBAL_ID(0);
                    if (i < n) {
                        float v = x[i];
                        float pos = FABSF(v) + 0.01f;
                        out[i] = EXPF(v);
                        out[n + i] = TANHF(v);
                        out[2 * n + i] = ERFF(v);
                        out[3 * n + i] = RSQRTF(pos);
                        out[4 * n + i] = FMAXF(v, y[i]);
                        out[5 * n + i] = FMINF(v, y[i]);
                        out[6 * n + i] = LOGF(pos);
                        out[7 * n + i] = SQRTF(pos);
                        out[8 * n + i] = POWF(pos, y[i]);
                    }
                }
                """);
        int n = 1001;
        float[] x = new float[n], y = random(n, 7);
        for (int i = 0; i < n; i++) x[i] = -6f + 12f * i / (n - 1); // x[500] == 0
        float[] out;
        try (DeviceBuffer dx = upload(x); DeviceBuffer dy = upload(y); DeviceBuffer dout = ctx.allocate(9L * n)) {
            program.kernel("math").launch1d(n, 64, dx, dy, dout, n);
            out = download(dout, 9 * n);
        }
        check("EXPF", out, 0, n, x, Math::exp);
        check("TANHF", out, 1, n, x, Math::tanh);
        check("ERFF", out, 2, n, x, OpenClKernelTest::erf);
        float[] pos = new float[n];
        for (int i = 0; i < n; i++) pos[i] = Math.abs(x[i]) + 0.01f;
        check("RSQRTF", out, 3, n, pos, p -> 1 / Math.sqrt(p));
        check("LOGF", out, 6, n, pos, Math::log);
        check("SQRTF", out, 7, n, pos, Math::sqrt);
        for (int i = 0; i < n; i++) {
            assertEquals(Math.max(x[i], y[i]), out[4 * n + i], "FMAXF at " + i);
            assertEquals(Math.min(x[i], y[i]), out[5 * n + i], "FMINF at " + i);
            double want = Math.pow(pos[i], y[i]);
            assertEquals(want, out[8 * n + i], 1e-6 * Math.abs(want), "POWF(" + pos[i] + ", " + y[i] + ")");
        }
    }

    /** Block {@code block} of the results against {@code f} in double: 1e-6 relative, exactly 0 where Java says 0. */
    private static void check(String what, float[] out, int block, int n, float[] in, DoubleUnaryOperator f) {
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double want = f.applyAsDouble(in[i]);
            float got = out[block * n + i];
            double error = want == 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
            worst = Math.max(worst, error);
            if (!(error <= 1e-6)) {
                fail(what + "(" + in[i] + ") = " + got + ", Java says " + want + " (relative error " + error + ")");
            }
        }
        System.out.printf("%s: worst relative error %.3g%n", what, worst);
    }

    @Test
    void aSyntaxErrorReportsTheProgramAndTheCompilersLog() {
        DeviceException e = assertThrows(DeviceException.class, () -> ctx.compile("syntax_error_program", """
                KERNEL void broken(GLOBAL float* x) {
                    x[0] = 1.0f
                }
                """));
        String m = e.getMessage();
        assertTrue(m.contains("clBuildProgram") && m.contains("CL_BUILD_PROGRAM_FAILURE (-11)")
                && m.contains("'syntax_error_program'"), m);
        assertTrue(m.contains("expected ';'") && m.contains(":2:"), "the log names the bad line (2): " + m);
    }

    @Test
    void anUnknownKernelNamesTheKernelAndTheProgram() {
        DeviceException e = assertThrows(DeviceException.class, () -> blas.kernel("gemm"));
        String m = e.getMessage();
        assertTrue(m.contains("'gemm'") && m.contains("'blas'") && m.contains("CL_INVALID_KERNEL_NAME (-46)")
                && m.contains("vadd") && m.contains("axpy"), m);
        assertSame(blas.kernel("vadd"), blas.kernel("vadd"));
    }

    @Test
    void argumentsOfTheWrongTypeOrCountAreRefused() {
        DeviceKernel axpy = blas.kernel("axpy");
        try (DeviceBuffer x = ctx.allocate(8); DeviceBuffer y = ctx.allocate(8)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> axpy.launch1d(8, 8, 8, "two", x, y));
            assertTrue(e.getMessage().contains("argument 1") && e.getMessage().contains("java.lang.String")
                    && e.getMessage().contains("'axpy'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> axpy.launch1d(8, 8, 8.0f, 2f, x, y));
            assertTrue(e.getMessage().contains("argument 0") && e.getMessage().contains("C int")
                    && e.getMessage().contains("a Float (8.0)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> axpy.launch1d(8, 8, 8, 2f, 3, y));
            assertTrue(e.getMessage().contains("argument 2") && e.getMessage().contains("float*"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> axpy.launch1d(8, 8, 8, 2f, x));
            assertTrue(e.getMessage().contains("takes 4 arguments, got 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> axpy.launch1d(8, 8, 8, 2f, x, null));
            assertTrue(e.getMessage().contains("argument 3") && e.getMessage().contains("null"), e.getMessage());
        }
    }

    @Test
    void aGlobalSizeThatIsNotAMultipleOfTheLocalSizeNamesTheKernel() {
        try (DeviceBuffer x = ctx.allocate(100); DeviceBuffer y = ctx.allocate(100)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> blas.kernel("axpy").launch(new int[] {100}, new int[] {64}, 100, 1f, x, y));
            assertTrue(e.getMessage().contains("'axpy'") && e.getMessage().contains("not a multiple"), e.getMessage());
        }
    }

    @Test
    void aWorkGroupTooLargeForTheDeviceIsTheDriversErrorByName() {
        try (DeviceBuffer x = ctx.allocate(1); DeviceBuffer y = ctx.allocate(1)) {
            int huge = 1 << 20;
            DeviceException e = assertThrows(DeviceException.class,
                    () -> blas.kernel("axpy").launch(new int[] {huge}, new int[] {huge}, 1, 1f, x, y));
            assertTrue(e.getMessage().contains("clEnqueueNDRangeKernel") && e.getMessage().contains("'axpy'")
                    && e.getMessage().contains("CL_INVALID_WORK_GROUP_SIZE (-54)"), e.getMessage());
        }
    }
}
