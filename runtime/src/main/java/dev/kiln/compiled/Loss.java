package dev.kiln.compiled;

/**
 * Losses fused with their gradient: one pass over the model's output computes the loss and writes
 * {@code dLoss/dOutput} for the backward pass. Targets are one float per sample (a class index)
 * for cross-entropy and {@code outputSize} floats per sample for MSE.
 *
 * <p>{@link #sumAndGradient} works on a slice of rows of a larger batch, so two threads can each take
 * half a batch and still write the gradient of the whole batch's mean.
 */
public sealed interface Loss permits Loss.CrossEntropy, Loss.Mse {
    /**
     * Over rows {@code [0, rows)} of {@code out} with their targets from {@code target[targetOffset]}: returns the sum
     * of the per-element losses and writes into {@code grad} the gradient of the mean over a batch of
     * {@code batchRows} rows.
     */
    double sumAndGradient(float[] out, float[] target, int targetOffset, int rows, int cols, float[] grad, int batchRows);

    /** How many per-element losses the mean of a batch of {@code rows} divides by. */
    int meanDivisor(int rows, int cols);

    /** Mean loss over {@code n} samples; writes the gradient of that mean into {@code grad}. */
    default float forwardBackward(float[] out, float[] target, int n, int cols, float[] grad) {
        return (float) (sumAndGradient(out, target, 0, n, cols, grad, n) / meanDivisor(n, cols));
    }

    /** Floats of target per sample. */
    int targetSize(int outputSize);

    /** Whether accuracy (argmax equals the target class) means something for this loss. */
    boolean classification();

    /** {@code nn.CrossEntropyLoss()} on logits: softmax and negative log-likelihood in one pass. */
    static Loss crossEntropy() { return new CrossEntropy(); }

    /** {@code nn.MSELoss()} (mean over all elements). */
    static Loss mse() { return new Mse(); }

    record CrossEntropy() implements Loss {
        @Override
        public double sumAndGradient(float[] out, float[] target, int targetOffset, int rows, int cols, float[] grad,
                                     int batchRows) {
            double total = 0;
            float invN = 1f / batchRows;
            for (int r = 0; r < rows; r++) {
                int o = r * cols;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < cols; j++) max = Math.max(max, out[o + j]);
                float sum = 0f;
                for (int j = 0; j < cols; j++) {
                    float e = (float) Math.exp(out[o + j] - max);
                    grad[o + j] = e;
                    sum += e;
                }
                int label = (int) target[targetOffset + r];
                if (label < 0 || label >= cols) {
                    float t = target[targetOffset + r];
                    throw new IllegalArgumentException("Target " + (t == label ? Integer.toString(label) : Float.toString(t))
                            + " is out of bounds: row "
                            + (targetOffset + r) + " of the batch; the classes are [0, " + cols + ")");
                }
                total += Math.log(sum) + max - out[o + label];
                // d(mean CE)/d logits = (softmax - onehot) / N, written over the exponentials just computed.
                float scale = invN / sum;
                for (int j = 0; j < cols; j++) grad[o + j] *= scale;
                grad[o + label] -= invN;
            }
            return total;
        }

        @Override
        public int meanDivisor(int rows, int cols) { return rows; }

        @Override
        public int targetSize(int outputSize) { return 1; }

        @Override
        public boolean classification() { return true; }
    }

    record Mse() implements Loss {
        @Override
        public double sumAndGradient(float[] out, float[] target, int targetOffset, int rows, int cols, float[] grad,
                                     int batchRows) {
            int len = rows * cols;
            double total = 0;
            float scale = 2f / (batchRows * cols);
            for (int i = 0; i < len; i++) {
                float d = out[i] - target[targetOffset + i];
                total += d * d;
                grad[i] = scale * d;
            }
            return total;
        }

        @Override
        public int meanDivisor(int rows, int cols) { return rows * cols; }

        @Override
        public int targetSize(int outputSize) { return outputSize; }

        @Override
        public boolean classification() { return false; }
    }
}
