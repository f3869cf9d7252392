package dev.kiln.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the vector GEMM against the scalar reference ({@link Gemm#sgemmScalar}), which sums in
 * double, over shapes that exercise every edge path of the blocked kernels: sizes below, at and
 * just past the microkernel tile and the cache blocks, all four transpose combinations, padded
 * leading dimensions with offsets, and accumulate on and off.
 */
class GemmTest {
    /** Odd sizes straddle the 3-row x 24-column tiles (3 x 12 for float64) and the 48-row M block. */
    private static final int[] SIZES = {1, 3, 7, 17, 33, 65, 130, 257};

    static Stream<Arguments> shapes() {
        SplittableRandom rnd = new SplittableRandom(20240611);
        List<Arguments> cases = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            for (int i = 0; i < 10; i++) {
                int m = SIZES[rnd.nextInt(SIZES.length)];
                int n = SIZES[rnd.nextInt(SIZES.length)];
                int k = SIZES[rnd.nextInt(SIZES.length)];
                cases.add(Arguments.of(ta, tb, m, n, k, i % 2 == 0, i % 3 == 0));
            }
            // Always cover a large square (threaded, several M blocks), thin shapes, k past the
            // 512-deep K block (C accumulated across panels) and n past the 2040-wide B panel.
            cases.add(Arguments.of(ta, tb, 257, 257, 257, false, true));
            cases.add(Arguments.of(ta, tb, 65, 33, 1030, t % 2 == 0, false)); // parallel
            cases.add(Arguments.of(ta, tb, 7, 17, 1030, t % 2 != 0, true)); // serial
            cases.add(Arguments.of(ta, tb, 3, 2100, 20, false, true));
            cases.add(Arguments.of(ta, tb, 1, 257, 130, true, false));
            cases.add(Arguments.of(ta, tb, 257, 1, 130, false, true));
            cases.add(Arguments.of(ta, tb, 130, 65, 1, true, true));
            // Wider than the N block (NC): full panels, a short last one, and a width just past it
            // (with NC = 2048, not a multiple of NR, a full panel overran the packing buffer).
            cases.add(Arguments.of(ta, tb, 4, 4200, 9, false, true));
            cases.add(Arguments.of(ta, tb, 7, 2045, 17, true, false));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} accumulate={5} padded={6}")
    @MethodSource("shapes")
    void sgemmMatchesScalarReference(boolean transA, boolean transB, int m, int n, int k,
                                     boolean accumulate, boolean padded) {
        Layout l = new Layout(transA, transB, m, n, k, padded);
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 17L + k);
        float[] a = randomFloats(rnd, l.aLen), b = randomFloats(rnd, l.bLen), c = randomFloats(rnd, l.cLen);
        float[] expected = c.clone();
        Gemm.sgemmScalar(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb,
                expected, l.cOff, l.ldc, accumulate);
        Gemm.sgemm(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, c, l.cOff, l.ldc, accumulate);
        // Inputs are in [-1, 1), so a dot product of k terms has rounding error growing like
        // k * eps32 in the worst case and far less in practice; 4 * k * eps bounds it safely.
        double tol = 4 * (k + 1) * Math.ulp(1f);
        for (int i = 0; i < c.length; i++) {
            int idx = i;
            double scale = Math.max(1, Math.abs(expected[idx]));
            assertEquals(expected[idx], c[idx], tol * scale, () -> "mismatch at " + l.describe(idx));
        }
        assertPaddingUntouched(l, c, expected);
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} accumulate={5} padded={6}")
    @MethodSource("shapes")
    void dgemmMatchesScalarReference(boolean transA, boolean transB, int m, int n, int k,
                                     boolean accumulate, boolean padded) {
        Layout l = new Layout(transA, transB, m, n, k, padded);
        SplittableRandom rnd = new SplittableRandom(m * 37L + n * 13L + k);
        double[] a = randomDoubles(rnd, l.aLen), b = randomDoubles(rnd, l.bLen);
        double[] c = randomDoubles(rnd, l.cLen);
        double[] expected = c.clone();
        Gemm.dgemmScalar(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb,
                expected, l.cOff, l.ldc, accumulate);
        Gemm.dgemm(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, c, l.cOff, l.ldc, accumulate);
        double tol = 4 * (k + 1) * Math.ulp(1d);
        for (int i = 0; i < c.length; i++) {
            int idx = i;
            double scale = Math.max(1, Math.abs(expected[idx]));
            assertEquals(expected[idx], c[idx], tol * scale, () -> "mismatch at " + l.describe(idx));
        }
    }

    static Stream<Arguments> parallelShapes() {
        return Stream.of(
                // n > NC (2040): several B panels; thin m: one row block, so units split columns.
                Arguments.of(false, false, 5, 2100, 300, 3),
                Arguments.of(true, true, 5, 2100, 300, 2),
                // thin n: a single B sliver, many row blocks; k > KC: accumulation across panels.
                Arguments.of(false, true, 300, 7, 600, 5),
                Arguments.of(true, false, 257, 130, 520, 3));
    }

    /**
     * Drives the parallel kernels directly with thread counts this machine may not have, so the
     * panel sharing and unit claiming are covered on any CI runner.
     */
    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} threads={5}")
    @MethodSource("parallelShapes")
    void parallelDriverMatchesReference(boolean transA, boolean transB, int m, int n, int k, int threads) {
        Layout l = new Layout(transA, transB, m, n, k, true);
        SplittableRandom rnd = new SplittableRandom(threads * 1000L + m);
        float[] a = randomFloats(rnd, l.aLen), b = randomFloats(rnd, l.bLen), c = randomFloats(rnd, l.cLen);
        float[] expected = c.clone();
        Gemm.sgemmScalar(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb,
                expected, l.cOff, l.ldc, true);
        SgemmKernel.parallel(threads, transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb,
                c, l.cOff, l.ldc, true);
        double tol = 4 * (k + 1) * Math.ulp(1f);
        for (int i = 0; i < c.length; i++) {
            int idx = i;
            assertEquals(expected[idx], c[idx], tol * Math.max(1, Math.abs(expected[idx])),
                    () -> "mismatch at " + l.describe(idx));
        }

        double[] da = new double[a.length], db = new double[b.length], dc = new double[c.length];
        for (int i = 0; i < a.length; i++) da[i] = a[i];
        for (int i = 0; i < b.length; i++) db[i] = b[i];
        double[] dExpected = dc.clone();
        Gemm.dgemmScalar(transA, transB, m, n, k, da, l.aOff, l.lda, db, l.bOff, l.ldb,
                dExpected, l.cOff, l.ldc, false);
        DgemmKernel.parallel(threads, transA, transB, m, n, k, da, l.aOff, l.lda, db, l.bOff, l.ldb,
                dc, l.cOff, l.ldc, false);
        for (int i = 0; i < dc.length; i++) {
            int idx = i;
            double dTol = 4 * (k + 1) * Math.ulp(1d) * Math.max(1, Math.abs(dExpected[idx]));
            assertEquals(dExpected[idx], dc[idx], dTol,
                    () -> "float64 mismatch at " + l.describe(idx));
        }
    }

    @Test
    void twoByTwoIntegersAreExact() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = new float[4];
        Gemm.sgemm(false, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
        Gemm.sgemm(true, false, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false); // A^T B
        assertArrayEquals(new float[] {26, 30, 38, 44}, c);
        Gemm.sgemm(false, true, 2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, true); // += A B^T
        assertArrayEquals(new float[] {26 + 17, 30 + 23, 38 + 39, 44 + 53}, c);
        double[] d = new double[4];
        Gemm.dgemm(true, true, 2, 2, 2, new double[] {1, 2, 3, 4}, 0, 2,
                new double[] {5, 6, 7, 8}, 0, 2, d, 0, 2, false); // A^T B^T = (B A)^T
        assertArrayEquals(new double[] {23, 31, 34, 46}, d);
    }

    @Test
    void largeIntegerProductIsExactOnTheVectorPath() {
        // Small integers keep every partial sum exact in float32, so the threaded, blocked path
        // must match the exact product bit for bit, whatever order it sums in.
        int m = 200, n = 300, k = 400;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (i * 7 % 5) - 2;
        for (int i = 0; i < b.length; i++) b[i] = (i * 3 % 7) - 3;
        Gemm.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
        for (int i = 0; i < m; i += 13) {
            for (int j = 0; j < n; j += 11) {
                long sum = 0;
                for (int p = 0; p < k; p++) sum += (long) a[i * k + p] * (long) b[p * n + j];
                assertEquals((float) sum, c[i * n + j], "C[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void emptyInnerDimensionZeroesOrKeepsC() {
        float[] c = {1, 2, 3, 4, 5, 6};
        Gemm.sgemm(false, false, 2, 3, 0, new float[0], 0, 1, new float[0], 0, 3, c, 0, 3, true);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c);
        Gemm.sgemm(false, false, 2, 3, 0, new float[0], 0, 1, new float[0], 0, 3, c, 0, 3, false);
        assertArrayEquals(new float[6], c);
    }

    @Test
    void rejectsOutOfBoundsAndBadStrides() {
        float[] x = new float[12];
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 4, 4, 4, x, 0, 4, x, 0, 4, new float[16], 0, 4, false));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, x, 0, 2, x, 0, 2, new float[4], 0, 2, false));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.dgemm(false, false, -1, 2, 2, new double[4], 0, 2, new double[4], 0, 2,
                        new double[4], 0, 2, false));
    }

    private static void assertPaddingUntouched(Layout l, float[] c, float[] expected) {
        // Elements of C outside the m x n view (offset, row padding) must never be written.
        for (int idx = 0; idx < c.length; idx++) {
            if (!l.inC(idx)) assertEquals(expected[idx], c[idx], 0f, "padding written at " + idx);
        }
    }

    static float[] randomFloats(SplittableRandom rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    static double[] randomDoubles(SplittableRandom rnd, int len) {
        double[] x = new double[len];
        for (int i = 0; i < len; i++) x[i] = rnd.nextDouble() * 2 - 1;
        return x;
    }

    /** Array sizes, offsets and leading dimensions for one case, with padding when asked (also GemmShapesTest's). */
    static final class Layout {
        final int m, n, aOff, bOff, cOff, lda, ldb, ldc, aLen, bLen, cLen;

        Layout(boolean transA, boolean transB, int m, int n, int k, boolean padded) {
            this.m = m;
            this.n = n;
            int pad = padded ? 5 : 0;
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            aOff = padded ? 3 : 0;
            bOff = padded ? 7 : 0;
            cOff = padded ? 11 : 0;
            lda = aCols + pad;
            ldb = bCols + pad;
            ldc = n + pad;
            aLen = aOff + aRows * lda + pad;
            bLen = bOff + bRows * ldb + pad;
            cLen = cOff + m * ldc + pad;
        }

        boolean inC(int idx) {
            int rel = idx - cOff;
            return rel >= 0 && rel / ldc < m && rel % ldc < n;
        }

        String describe(int idx) {
            int rel = idx - cOff;
            return inC(idx) ? "C[" + rel / ldc + "," + rel % ldc + "]" : "padding index " + idx;
        }
    }
}
