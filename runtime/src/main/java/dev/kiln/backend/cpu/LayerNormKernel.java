package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Layer normalisation over rows of {@code cols} floats, PyTorch's formulas: each row is normalised with its own
 * mean and biased variance, then scaled and shifted by the elementwise {@code gamma} and {@code beta} (offsets into
 * the parameter buffer, -1 for {@code elementwise_affine=False}). The forward pass keeps {@code xhat} and one
 * {@code invStd} per row for the backward pass.
 *
 * <p>Every loop runs along a row, so it is a contiguous vector loop; the row statistics are two passes (mean, then
 * squared deviations) rather than one sum of squares, which loses digits when the mean is large against the spread.
 * {@link Kernels#SCALAR} runs the same float arithmetic lane by lane.
 */
public final class LayerNormKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private LayerNormKernel() {}

    public static void forward(float[] x, float[] y, float[] xhat, float[] invStd, int rows, int cols, float[] params, int gamma,
                               int beta, float eps) {
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float mean = Dense.sum(x, off, cols) / cols;
            float inv = (float) (1.0 / Math.sqrt(squaredDeviations(x, off, cols, mean) / cols + eps));
            invStd[r] = inv;
            normalise(x, off, cols, mean, inv, xhat, y, params, gamma, beta);
        }
    }

    /**
     * With {@code dh = dy * gamma}: {@code dx = invStd / D * (D*dh - sum(dh) - xhat * sum(dh*xhat))} per row, written (or
     * added, with {@code accumulateInput}) when {@code computeInputGrad}; {@code dgamma = sum_rows dy*xhat} and
     * {@code dbeta = sum_rows dy} are written, or added with {@code accumulateParams}.
     */
    public static void backward(float[] dy, float[] xhat, float[] invStd, int rows, int cols, float[] params, int gamma,
                                float[] grads, int dGamma, int dBeta, boolean accumulateParams, float[] dx, boolean computeInputGrad,
                                boolean accumulateInput) {
        if (gamma >= 0) {
            if (!accumulateParams) {
                java.util.Arrays.fill(grads, dGamma, dGamma + cols, 0f);
                java.util.Arrays.fill(grads, dBeta, dBeta + cols, 0f);
            }
            for (int r = 0; r < rows; r++) affineGradients(dy, xhat, r * cols, cols, grads, dGamma, dBeta);
        }
        if (!computeInputGrad) return;
        for (int r = 0; r < rows; r++) inputGradient(dy, xhat, invStd[r], r * cols, cols, params, gamma, dx, accumulateInput);
    }

    private static float squaredDeviations(float[] a, int off, int len, float mean) {
        int j = 0;
        float s = 0f;
        if (!Kernels.SCALAR) {
            FloatVector acc = FloatVector.zero(S);
            for (int bound = S.loopBound(len); j < bound; j += L) {
                FloatVector d = FloatVector.fromArray(S, a, off + j).sub(mean);
                acc = d.fma(d, acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < len; j++) {
            float d = a[off + j] - mean;
            s += d * d;
        }
        return s;
    }

    private static void normalise(float[] x, int off, int cols, float mean, float inv, float[] xhat, float[] y, float[] params,
                                  int gamma, int beta) {
        boolean affine = gamma >= 0;
        int j = 0;
        if (!Kernels.SCALAR) {
            for (int bound = S.loopBound(cols); j < bound; j += L) {
                FloatVector h = FloatVector.fromArray(S, x, off + j).sub(mean).mul(inv);
                h.intoArray(xhat, off + j);
                if (affine) h = h.fma(FloatVector.fromArray(S, params, gamma + j), FloatVector.fromArray(S, params, beta + j));
                h.intoArray(y, off + j);
            }
        }
        for (; j < cols; j++) {
            float h = (x[off + j] - mean) * inv;
            xhat[off + j] = h;
            y[off + j] = affine ? h * params[gamma + j] + params[beta + j] : h;
        }
    }

    private static void affineGradients(float[] dy, float[] xhat, int off, int cols, float[] grads, int dGamma, int dBeta) {
        int j = 0;
        if (!Kernels.SCALAR) {
            for (int bound = S.loopBound(cols); j < bound; j += L) {
                FloatVector g = FloatVector.fromArray(S, dy, off + j);
                g.fma(FloatVector.fromArray(S, xhat, off + j), FloatVector.fromArray(S, grads, dGamma + j)).intoArray(grads, dGamma + j);
                g.add(FloatVector.fromArray(S, grads, dBeta + j)).intoArray(grads, dBeta + j);
            }
        }
        for (; j < cols; j++) {
            grads[dGamma + j] += dy[off + j] * xhat[off + j];
            grads[dBeta + j] += dy[off + j];
        }
    }

    private static void inputGradient(float[] dy, float[] xhat, float inv, int off, int cols, float[] params, int gamma, float[] dx,
                                      boolean accumulate) {
        boolean affine = gamma >= 0;
        // The two row sums of dh = dy * gamma and dh * xhat.
        float sumDh = 0f, sumDhXhat = 0f;
        int j = 0;
        if (!Kernels.SCALAR) {
            FloatVector s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
            for (int bound = S.loopBound(cols); j < bound; j += L) {
                FloatVector dh = FloatVector.fromArray(S, dy, off + j);
                if (affine) dh = dh.mul(FloatVector.fromArray(S, params, gamma + j));
                s1 = s1.add(dh);
                s2 = dh.fma(FloatVector.fromArray(S, xhat, off + j), s2);
            }
            sumDh = s1.reduceLanes(VectorOperators.ADD);
            sumDhXhat = s2.reduceLanes(VectorOperators.ADD);
        }
        for (; j < cols; j++) {
            float dh = affine ? dy[off + j] * params[gamma + j] : dy[off + j];
            sumDh += dh;
            sumDhXhat += dh * xhat[off + j];
        }
        float k = inv / cols;
        j = 0;
        if (!Kernels.SCALAR) {
            for (int bound = S.loopBound(cols); j < bound; j += L) {
                FloatVector dh = FloatVector.fromArray(S, dy, off + j);
                if (affine) dh = dh.mul(FloatVector.fromArray(S, params, gamma + j));
                // k * (D*dh - sumDh - xhat*sumDhXhat)
                FloatVector v = dh.mul((float) cols).sub(sumDh).sub(FloatVector.fromArray(S, xhat, off + j).mul(sumDhXhat)).mul(k);
                if (accumulate) v = v.add(FloatVector.fromArray(S, dx, off + j));
                v.intoArray(dx, off + j);
            }
        }
        for (; j < cols; j++) {
            float dh = affine ? dy[off + j] * params[gamma + j] : dy[off + j];
            float v = k * (cols * dh - sumDh - xhat[off + j] * sumDhXhat);
            dx[off + j] = accumulate ? dx[off + j] + v : v;
        }
    }
}
