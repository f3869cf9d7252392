package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LayerNormKernel against a float64 reference over row lengths that hit the vector loops and their tails; EmbeddingKernel's gather and scatter. */
class LayerNormEmbeddingKernelTest {
    private static final int[] COLS = {1, 3, 8, 17, 33, 64};

    @Test
    void layerNormMatchesFloat64ReferenceWithAndWithoutAffine() {
        SplittableRandom r = new SplittableRandom(1);
        for (int cols : COLS) for (boolean affine : new boolean[] {true, false}) {
            int rows = 5;
            float[] x = random(r, rows * cols, 3, 2), dy = random(r, rows * cols, 1, 0);
            float[] params = random(r, 2 * cols + 1, 1, 0.5);
            int gamma = affine ? 1 : -1, beta = affine ? 1 + cols : -1;
            float[] y = new float[rows * cols], xhat = new float[rows * cols], inv = new float[rows];
            LayerNormKernel.forward(x, y, xhat, inv, rows, cols, params, gamma, beta, 1e-5f);
            float[] grads = new float[2 * cols + 1], dx = new float[rows * cols];
            LayerNormKernel.backward(dy, xhat, inv, rows, cols, params, gamma, grads, gamma, beta, false, dx, true, false);

            double[] refGrads = new double[2 * cols + 1];
            for (int i = 0; i < rows; i++) {
                double mean = 0, var = 0;
                for (int j = 0; j < cols; j++) mean += x[i * cols + j];
                mean /= cols;
                for (int j = 0; j < cols; j++) var += (x[i * cols + j] - mean) * (x[i * cols + j] - mean);
                double s = 1 / Math.sqrt(var / cols + 1e-5);
                double[] h = new double[cols], dh = new double[cols];
                double sumDh = 0, sumDhH = 0;
                for (int j = 0; j < cols; j++) {
                    h[j] = (x[i * cols + j] - mean) * s;
                    double g = affine ? params[gamma + j] : 1;
                    assertNear(affine ? h[j] * g + params[beta + j] : h[j], y[i * cols + j], "y " + cols);
                    dh[j] = dy[i * cols + j] * g;
                    sumDh += dh[j];
                    sumDhH += dh[j] * h[j];
                    if (affine) {
                        refGrads[gamma + j] += dy[i * cols + j] * h[j];
                        refGrads[beta + j] += dy[i * cols + j];
                    }
                }
                for (int j = 0; j < cols; j++) {
                    assertNear(s / cols * (cols * dh[j] - sumDh - h[j] * sumDhH), dx[i * cols + j], "dx " + cols + " affine " + affine);
                }
            }
            for (int j = 0; j < grads.length; j++) assertNear(refGrads[j], grads[j], "param grad " + j + ", cols " + cols);
            // Accumulating adds the same gradients again, to the parameters and to the input.
            float[] once = dx.clone();
            LayerNormKernel.backward(dy, xhat, inv, rows, cols, params, gamma, grads, gamma, beta, true, dx, true, true);
            for (int j = 0; j < grads.length; j++) assertNear(2 * refGrads[j], grads[j], "accumulated param grad " + j);
            for (int j = 0; j < dx.length; j++) assertNear(2 * once[j], dx[j], "accumulated dx " + j);
        }
    }

    @Test
    void embeddingGathersRowsAndScatterAddsSkippingPadding() {
        float[] weight = new float[4 * 3];
        for (int i = 0; i < weight.length; i++) weight[i] = i;
        float[] idx = {2, 0, 2, 3};
        float[] out = new float[4 * 3];
        EmbeddingKernel.forward("emb", idx, 4, 2, weight, 0, 4, 3, out);
        assertEquals(6f, out[0]);
        assertEquals(0f, out[3]);
        assertEquals(11f, out[11]);
        float[] dy = new float[12];
        java.util.Arrays.fill(dy, 1f);
        float[] grads = new float[12];
        java.util.Arrays.fill(grads, 7f);
        EmbeddingKernel.backward(dy, idx, 4, 4, 3, 0, grads, 0, false);
        assertEquals(0f, grads[0], "padding row");
        assertEquals(0f, grads[3], "row 1 never picked");
        assertEquals(2f, grads[6], "row 2 picked twice");
        assertEquals(1f, grads[9]);
        var ex = assertThrows(IndexOutOfBoundsException.class, () -> EmbeddingKernel.forward("tok", new float[] {1, 2, 3, 9}, 4, 2, weight, 0, 4, 3, out));
        assertEquals("Embedding 'tok': index 9.0 at row 1, position 1 of the input is out of range; expected an integer in [0, 4)", ex.getMessage());
        ex = assertThrows(IndexOutOfBoundsException.class, () -> EmbeddingKernel.forward("tok", new float[] {Float.NaN}, 1, 1, weight, 0, 4, 3, out));
        assertTrue(ex.getMessage().contains("NaN at row 0 of the input is not a whole number"), ex.getMessage());
    }

    private static float[] random(SplittableRandom r, int n, double scale, double shift) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale + shift);
        return a;
    }

    private static void assertNear(double expected, float actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 2e-5 * Math.max(1, Math.abs(expected)), what + ": expected " + expected + " but was " + actual);
    }
}
