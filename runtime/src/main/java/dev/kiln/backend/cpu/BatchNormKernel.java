package dev.kiln.backend.cpu;

/**
 * The statistics of batch normalisation over {@code [N, C, S]}, where S is the product of the dimensions after the
 * channels: 1 for BatchNorm1d over {@code [N, C]}, L for BatchNorm1d over {@code [N, C, L]}, H*W for BatchNorm2d. Each
 * channel's statistics run over its N*S values, with PyTorch's formulas: training normalises with the biased batch
 * variance and moves the running variance towards the unbiased one; eval uses the running statistics. The generated
 * code then normalises, applies the affine map and any fused activation in one pass, and writes the backward
 * itself, since the activation's rule goes inside its loops.
 */
public final class BatchNormKernel {
    private BatchNormKernel() {}

    /**
     * Training mode: each channel's batch mean and {@code 1 / sqrt(biased variance + eps)} into {@code mean} and
     * {@code invStd}; with {@code track}, the running statistics in {@code state} move by {@code momentum} towards the
     * batch's, the variance unbiased. Sums in double, as the channel may hold many values.
     */
    public static void batchStatistics(float[] x, int n, int c, int s, float[] mean, float[] invStd,
                                       float[] state, int meanOff, int varOff, boolean track, float momentum, float eps) {
        int count = n * s;
        for (int j = 0; j < c; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int at = (i * c + j) * s, end = at + s; at < end; at++) sum += x[at];
            }
            double m = sum / count, squares = 0;
            for (int i = 0; i < n; i++) {
                for (int at = (i * c + j) * s, end = at + s; at < end; at++) {
                    double d = x[at] - m;
                    squares += d * d;
                }
            }
            double biased = squares / count;
            mean[j] = (float) m;
            invStd[j] = (float) (1.0 / Math.sqrt(biased + eps));
            if (track) {
                double unbiased = count > 1 ? squares / (count - 1) : biased;
                state[meanOff + j] = (float) ((1 - momentum) * state[meanOff + j] + momentum * m);
                state[varOff + j] = (float) ((1 - momentum) * state[varOff + j] + momentum * unbiased);
            }
        }
    }

    /** Eval mode: the running mean, and {@code 1 / sqrt(running variance + eps)}, of each channel. */
    public static void runningStatistics(float[] state, int meanOff, int varOff, int c, float eps, float[] mean, float[] invStd) {
        for (int j = 0; j < c; j++) {
            mean[j] = state[meanOff + j];
            invStd[j] = (float) (1.0 / Math.sqrt(state[varOff + j] + eps));
        }
    }
}
