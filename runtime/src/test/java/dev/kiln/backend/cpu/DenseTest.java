package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Vector API kernels against their scalar twins, over shapes that hit every tile and tail path. */
class DenseTest {
    /** 24 is one tile of three vectors: 33, 40 and 50 add one, a pair and a masked remainder after whole tiles. */
    private static final int[] SIZES = {1, 3, 4, 5, 8, 17, 20, 33, 40, 50};

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void matmulNTMatchesScalar() {
        SplittableRandom r = new SplittableRandom(1);
        for (int m : SIZES) for (int k : SIZES) for (int n : SIZES) {
            float[] a = random(r, m * k + 2), b = random(r, n * k + 3);
            float[] c = new float[m * n + 1], ref = new float[m * n + 1];
            Dense.matmulNT(a, 2, m, k, b, 3, n, c, 1);
            Dense.matmulNTScalar(a, 2, m, k, b, 3, n, ref, 1, false);
            assertClose(ref, c, m + "x" + k + "x" + n);
            // Accumulating adds a second product onto the first.
            Dense.matmulNT(a, 2, m, k, b, 3, n, c, 1, true);
            Dense.matmulNTScalar(a, 2, m, k, b, 3, n, ref, 1, true);
            assertClose(ref, c, "accumulating " + m + "x" + k + "x" + n);
        }
    }

    @Test
    void matmulNNAndTNMatchScalarWithAndWithoutAccumulation() {
        SplittableRandom r = new SplittableRandom(2);
        for (int m : SIZES) for (int k : SIZES) for (int n : SIZES) {
            for (boolean acc : new boolean[] {false, true}) {
                float[] a = random(r, m * k), b = random(r, k * n), init = random(r, m * n);
                float[] c = init.clone(), ref = init.clone();
                Dense.matmulNN(a, 0, m, k, b, 0, n, c, 0, acc);
                Dense.broadcastGemmScalar(a, 0, k, 1, m, k, b, 0, n, ref, 0, acc);
                assertClose(ref, c, "NN " + m + "x" + k + "x" + n);
                c = init.clone();
                ref = init.clone();
                Dense.matmulTN(a, 0, m, k, b, 0, n, c, 0, acc);
                Dense.broadcastGemmScalar(a, 0, 1, m, m, k, b, 0, n, ref, 0, acc);
                assertClose(ref, c, "TN " + m + "x" + k + "x" + n);
            }
        }
    }

    @Test
    void deepProductsGoThroughThePackedGemmAndAgree() {
        // Past a depth of 256 the input and weight gradients of larger products are packed.
        SplittableRandom r = new SplittableRandom(3);
        int m = 20, k = 300, n = 30;
        float[] a = random(r, m * k), b = random(r, k * n), init = random(r, m * n);
        float[] c = init.clone(), ref = init.clone();
        Dense.matmulNN(a, 0, m, k, b, 0, n, c, 0, true);
        Dense.broadcastGemmScalar(a, 0, k, 1, m, k, b, 0, n, ref, 0, true);
        assertClose(ref, c, "NN deep");
        float[] t = random(r, k * m);
        c = init.clone();
        ref = init.clone();
        Dense.matmulTN(t, 0, m, k, b, 0, n, c, 0, false);
        Dense.broadcastGemmScalar(t, 0, 1, m, m, k, b, 0, n, ref, 0, false);
        assertClose(ref, c, "TN deep");
    }

    @Test
    void columnSumsAddsRows() {
        float[] dy = {1, 2, 3, 4, 5, 6};
        float[] db = {10, 10, 10};
        Dense.columnSums(dy, 0, 2, 3, db, 0, true);
        assertEquals(15f, db[0]);
        assertEquals(19f, db[2]);
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f * Math.max(1f, Math.abs(expected[i])), what + " at " + i);
        }
    }
}
