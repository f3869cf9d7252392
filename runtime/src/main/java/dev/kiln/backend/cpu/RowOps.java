package dev.kiln.backend.cpu;

/**
 * Row-wise kernels over {@code [rows, cols]} blocks: softmax and log-softmax with their backward passes.
 * The maximum is subtracted before {@code exp} so large logits do not overflow, as PyTorch does.
 */
public final class RowOps {
    private RowOps() {}

    public static void softmax(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xi = xOff + r * cols, yi = yOff + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[xi + j]);
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                float e = (float) Math.exp(x[xi + j] - max);
                y[yi + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < cols; j++) y[yi + j] *= inv;
        }
    }

    /** {@code dx = y * (dy - sum(dy * y))} per row. */
    public static void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols,
                                       boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            int yi = yOff + r * cols, gi = dyOff + r * cols, di = dxOff + r * cols;
            float dot = 0f;
            for (int j = 0; j < cols; j++) dot += dy[gi + j] * y[yi + j];
            for (int j = 0; j < cols; j++) {
                float v = y[yi + j] * (dy[gi + j] - dot);
                dx[di + j] = accumulate ? dx[di + j] + v : v;
            }
        }
    }

    public static void logSoftmax(float[] x, int xOff, float[] y, int yOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xi = xOff + r * cols, yi = yOff + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[xi + j]);
            float sum = 0f;
            for (int j = 0; j < cols; j++) sum += (float) Math.exp(x[xi + j] - max);
            float lse = max + (float) Math.log(sum);
            for (int j = 0; j < cols; j++) y[yi + j] = x[xi + j] - lse;
        }
    }

    /** {@code dx = dy - exp(y) * sum(dy)} per row. */
    public static void logSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols,
                                          boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            int yi = yOff + r * cols, gi = dyOff + r * cols, di = dxOff + r * cols;
            float sum = 0f;
            for (int j = 0; j < cols; j++) sum += dy[gi + j];
            for (int j = 0; j < cols; j++) {
                float v = dy[gi + j] - (float) Math.exp(y[yi + j]) * sum;
                dx[di + j] = accumulate ? dx[di + j] + v : v;
            }
        }
    }
}
