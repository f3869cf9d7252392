package dev.kiln.compiled;

/**
 * Batch normalisation over {@code [N, C]}, PyTorch's formulas: training normalises with the biased batch
 * variance and moves the running variance towards the unbiased one; eval uses the running statistics.
 * {@code xhat} and {@code invStd} are the forward's saved values for the backward pass.
 */
public final class BatchNorm1d {
    private BatchNorm1d() {}

    public static void forwardTrain(float[] x, float[] y, float[] xhat, float[] invStd, int n, int c,
                                    float[] params, int gammaOff, int betaOff, boolean affine,
                                    float[] state, int meanOff, int varOff, boolean track, float momentum, float eps) {
        for (int j = 0; j < c; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += x[i * c + j];
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double d = x[i * c + j] - mean;
                var += d * d;
            }
            double biased = var / n;
            float inv = (float) (1.0 / Math.sqrt(biased + eps));
            invStd[j] = inv;
            float g = affine ? params[gammaOff + j] : 1f, b = affine ? params[betaOff + j] : 0f;
            for (int i = 0; i < n; i++) {
                float h = (float) (x[i * c + j] - mean) * inv;
                xhat[i * c + j] = h;
                y[i * c + j] = h * g + b;
            }
            if (track) {
                double unbiased = n > 1 ? var / (n - 1) : biased;
                state[meanOff + j] = (float) ((1 - momentum) * state[meanOff + j] + momentum * mean);
                state[varOff + j] = (float) ((1 - momentum) * state[varOff + j] + momentum * unbiased);
            }
        }
    }

    public static void forwardEval(float[] x, float[] y, int n, int c, float[] params, int gammaOff, int betaOff, boolean affine,
                                   float[] state, int meanOff, int varOff, float eps) {
        for (int j = 0; j < c; j++) {
            float inv = (float) (1.0 / Math.sqrt(state[varOff + j] + eps));
            float mean = state[meanOff + j];
            float g = affine ? params[gammaOff + j] : 1f, b = affine ? params[betaOff + j] : 0f;
            for (int i = 0; i < n; i++) y[i * c + j] = (x[i * c + j] - mean) * inv * g + b;
        }
    }

    /**
     * {@code dx = g * invStd / N * (N*dy - sum(dy) - xhat * sum(dy*xhat))}; dgamma and dbeta are written
     * (or added, with {@code accumulate}) into the gradient buffer.
     */
    public static void backward(float[] dy, float[] xhat, float[] invStd, int n, int c, float[] params, int gammaOff,
                                boolean affine, float[] grads, int dGammaOff, int dBetaOff, float[] dx, boolean accumulateParams,
                                boolean computeInputGrad, boolean accumulateInput) {
        for (int j = 0; j < c; j++) {
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                sumDy += dy[i * c + j];
                sumDyXhat += dy[i * c + j] * xhat[i * c + j];
            }
            if (affine) {
                grads[dGammaOff + j] = (float) ((accumulateParams ? grads[dGammaOff + j] : 0) + sumDyXhat);
                grads[dBetaOff + j] = (float) ((accumulateParams ? grads[dBetaOff + j] : 0) + sumDy);
            }
            if (!computeInputGrad) continue;
            float g = affine ? params[gammaOff + j] : 1f;
            double k = g * invStd[j] / n;
            for (int i = 0; i < n; i++) {
                float v = (float) (k * (n * dy[i * c + j] - sumDy - xhat[i * c + j] * sumDyXhat));
                dx[i * c + j] = accumulateInput ? dx[i * c + j] + v : v;
            }
        }
    }
}
