package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link KernelLibrary#gemm} in all four layouts against a double-accumulated triple loop. */
class GemmKernelTest {
    /** m, n, k: 1, 7, 17, 129 in every position, and sizes one either side of the tiles' multiples. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 7, 17}, {7, 17, 129}, {17, 129, 7}, {129, 1, 17}, {129, 129, 129}, {17, 17, 1},
            {65, 63, 33}, {31, 33, 16}, {49, 47, 11}, {2, 300, 3}, {200, 2, 41}, {64, 64, 0},
    };

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void everyLayoutMatchesTheReferenceWithOffsetsAndPaddedRows(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        SplittableRandom rng = new SplittableRandom(7);
        int runs = 0;
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int[] s : SHAPES) {
                for (int layout = 0; layout < 4; layout++) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        check(lib, dev, rng, layout >= 2, (layout & 1) == 1, s[0], s[1], s[2], accumulate);
                        runs++;
                    }
                }
            }
        }
        assertEquals(SHAPES.length * 8, runs);
    }

    /**
     * One product with A, B and C at odd offsets inside larger buffers, each row padded past its width with
     * sentinels that must survive; without accumulate C starts as NaN, which must not leak into the result.
     */
    private static void check(KernelLibrary lib, OpenClFixture dev, SplittableRandom rng, boolean ta, boolean tb,
                              int m, int n, int k, boolean accumulate) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + 3, ldb = bCols + 5, ldc = n + 2, aOff = 11, bOff = 4, cOff = 9;
        float[] a = OpenClFixture.random(rng, aOff + aRows * lda + 6, -1, 1);
        float[] b = OpenClFixture.random(rng, bOff + bRows * ldb + 6, -1, 1);
        float[] c = new float[cOff + m * ldc + 6];
        float[] c0 = OpenClFixture.random(rng, c.length, -1, 1);
        for (int i = 0; i < c.length; i++) c[i] = -7.25f;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = accumulate ? c0[cOff + i * ldc + j] : Float.NaN;
        }
        DeviceBuffer da = dev.upload(a), db = dev.upload(b), dc = dev.upload(c);
        lib.gemm(ta, tb, m, n, k, da, aOff, lda, db, bOff, ldb, dc, cOff, ldc, accumulate);
        float[] got = dev.download(dc, c.length);

        String what = (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + n + "x" + k
                + (accumulate ? " accumulate" : "") + " tiles " + lib.tiles();
        for (int i = 0; i < c.length; i++) {
            int rel = i - cOff, row = rel / ldc, col = rel % ldc;
            boolean inside = rel >= 0 && row < m && col < n;
            if (!inside) {
                assertEquals(-7.25f, got[i], what + ": wrote outside C at index " + i);
                continue;
            }
            double sum = accumulate ? c0[i] : 0, bound = Math.abs(sum);
            for (int p = 0; p < k; p++) {
                double x = ta ? a[aOff + p * lda + row] : a[aOff + row * lda + p];
                double y = tb ? b[bOff + col * ldb + p] : b[bOff + p * ldb + col];
                sum += x * y;
                bound += Math.abs(x * y);
            }
            // float32 summation error grows with k; scale by the sum of magnitudes, not the (cancelling) result.
            double tol = (k + 2) * 1.2e-7 * bound + 1e-30;
            if (!(Math.abs(got[i] - sum) <= tol)) {
                fail(what + ": C[" + row + "][" + col + "] = " + got[i] + ", expected " + sum + " within " + tol);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void rangesAreCheckedBeforeLaunching(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            DeviceBuffer a = dev.allocate(12), b = dev.allocate(12), c = dev.allocate(15);
            // 3x4 times 4x3 fits exactly; one more float of offset on any operand does not.
            lib.gemm(false, false, 3, 3, 4, a, 0, 4, b, 0, 3, c, 6, 3, false);
            assertThrows(IndexOutOfBoundsException.class,
                    () -> lib.gemm(false, false, 3, 3, 4, a, 1, 4, b, 0, 3, c, 0, 3, false));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> lib.gemm(false, false, 3, 3, 4, a, 0, 4, b, 1, 3, c, 0, 3, false));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> lib.gemm(false, false, 3, 3, 4, a, 0, 4, b, 0, 3, c, 7, 3, false));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lib.gemm(false, true, 3, 3, 4, a, 0, 4, b, 0, 3, c, 0, 3, false));
            assertTrue(e.getMessage().contains("B: leading dimension 3"), e.getMessage());
        }
    }
}
