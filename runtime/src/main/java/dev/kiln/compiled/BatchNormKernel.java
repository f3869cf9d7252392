package dev.kiln.compiled;

/**
 * Batch normalisation over {@code [N, C, S]}, where S is the product of the dimensions after the channels: 1 for
 * BatchNorm1d over {@code [N, C]}, L for BatchNorm1d over {@code [N, C, L]}, H*W for BatchNorm2d. Each channel's
 * statistics run over the N*S values of that channel. PyTorch's formulas: training normalises with the biased batch
 * variance and moves the running variance towards the unbiased one; eval uses the running statistics.
 * {@code xhat} and {@code invStd} are the forward's saved values for the backward pass.
 */
public final class BatchNormKernel {
    private BatchNormKernel() {}

    public static void forwardTrain(float[] x, float[] y, float[] xhat, float[] invStd, int n, int c, int s,
                                    float[] params, int gammaOff, int betaOff, boolean affine,
                                    float[] state, int meanOff, int varOff, boolean track, float momentum, float eps) {
        int count = n * s;
        for (int j = 0; j < c; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                for (int t = 0, at = (i * c + j) * s; t < s; t++) mean += x[at + t];
            }
            mean /= count;
            double var = 0;
            for (int i = 0; i < n; i++) {
                for (int t = 0, at = (i * c + j) * s; t < s; t++) {
                    double d = x[at + t] - mean;
                    var += d * d;
                }
            }
            double biased = var / count;
            float inv = (float) (1.0 / Math.sqrt(biased + eps));
            invStd[j] = inv;
            float g = affine ? params[gammaOff + j] : 1f, b = affine ? params[betaOff + j] : 0f;
            for (int i = 0; i < n; i++) {
                for (int t = 0, at = (i * c + j) * s; t < s; t++) {
                    float h = (float) (x[at + t] - mean) * inv;
                    xhat[at + t] = h;
                    y[at + t] = h * g + b;
                }
            }
            if (track) {
                double unbiased = count > 1 ? var / (count - 1) : biased;
                state[meanOff + j] = (float) ((1 - momentum) * state[meanOff + j] + momentum * mean);
                state[varOff + j] = (float) ((1 - momentum) * state[varOff + j] + momentum * unbiased);
            }
        }
    }

    public static void forwardEval(float[] x, float[] y, int n, int c, int s, float[] params, int gammaOff, int betaOff,
                                   boolean affine, float[] state, int meanOff, int varOff, float eps) {
        for (int j = 0; j < c; j++) {
            float inv = (float) (1.0 / Math.sqrt(state[varOff + j] + eps));
            float mean = state[meanOff + j];
            float g = affine ? params[gammaOff + j] : 1f, b = affine ? params[betaOff + j] : 0f;
            for (int i = 0; i < n; i++) {
                for (int t = 0, at = (i * c + j) * s; t < s; t++) y[at + t] = (x[at + t] - mean) * inv * g + b;
            }
        }
    }

    /**
     * {@code dx = g * invStd / M * (M*dy - sum(dy) - xhat * sum(dy*xhat))} with sums over a channel's M = N*S values;
     * dgamma and dbeta are written (or added, with {@code accumulateParams}) into the gradient buffer.
     */
    public static void backward(float[] dy, float[] xhat, float[] invStd, int n, int c, int s, float[] params, int gammaOff,
                                boolean affine, float[] grads, int dGammaOff, int dBetaOff, float[] dx, boolean accumulateParams,
                                boolean computeInputGrad, boolean accumulateInput) {
        int count = n * s;
        for (int j = 0; j < c; j++) {
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                for (int t = 0, at = (i * c + j) * s; t < s; t++) {
                    sumDy += dy[at + t];
                    sumDyXhat += dy[at + t] * xhat[at + t];
                }
            }
            if (affine) {
                grads[dGammaOff + j] = (float) ((accumulateParams ? grads[dGammaOff + j] : 0) + sumDyXhat);
                grads[dBetaOff + j] = (float) ((accumulateParams ? grads[dBetaOff + j] : 0) + sumDy);
            }
            if (!computeInputGrad) continue;
            float g = affine ? params[gammaOff + j] : 1f;
            double k = g * invStd[j] / count;
            for (int i = 0; i < n; i++) {
                for (int t = 0, at = (i * c + j) * s; t < s; t++) {
                    float v = (float) (k * (count * dy[at + t] - sumDy - xhat[at + t] * sumDyXhat));
                    dx[at + t] = accumulateInput ? dx[at + t] + v : v;
                }
            }
        }
    }
}
