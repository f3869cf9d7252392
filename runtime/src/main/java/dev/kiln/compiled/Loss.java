package dev.kiln.compiled;

/**
 * Losses fused with their gradient: one pass over the model's output computes the mean loss and
 * writes {@code dLoss/dOutput} for the backward pass. Targets are one float per sample (a class index)
 * for cross-entropy and {@code outputSize} floats per sample for MSE.
 */
public sealed interface Loss permits Loss.CrossEntropy, Loss.Mse {
    /** Mean loss over {@code n} samples; writes the gradient of that mean into {@code grad}. */
    float forwardBackward(float[] out, float[] target, int n, int cols, float[] grad);

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
        public float forwardBackward(float[] out, float[] target, int n, int cols, float[] grad) {
            double total = 0;
            float invN = 1f / n;
            for (int r = 0; r < n; r++) {
                int o = r * cols;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < cols; j++) max = Math.max(max, out[o + j]);
                float sum = 0f;
                for (int j = 0; j < cols; j++) {
                    float e = (float) Math.exp(out[o + j] - max);
                    grad[o + j] = e;
                    sum += e;
                }
                int label = (int) target[r];
                if (label < 0 || label >= cols) {
                    throw new IllegalArgumentException("Target " + label + " is out of bounds.");
                }
                total += Math.log(sum) + max - out[o + label];
                // d(mean CE)/d logits = (softmax - onehot) / N, written over the exponentials just computed.
                float scale = invN / sum;
                for (int j = 0; j < cols; j++) grad[o + j] *= scale;
                grad[o + label] -= invN;
            }
            return (float) (total / n);
        }

        @Override
        public int targetSize(int outputSize) { return 1; }

        @Override
        public boolean classification() { return true; }
    }

    record Mse() implements Loss {
        @Override
        public float forwardBackward(float[] out, float[] target, int n, int cols, float[] grad) {
            int len = n * cols;
            double total = 0;
            float scale = 2f / len;
            for (int i = 0; i < len; i++) {
                float d = out[i] - target[i];
                total += d * d;
                grad[i] = scale * d;
            }
            return (float) (total / len);
        }

        @Override
        public int targetSize(int outputSize) { return outputSize; }

        @Override
        public boolean classification() { return false; }
    }
}
