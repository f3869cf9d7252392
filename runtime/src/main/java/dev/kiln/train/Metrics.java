package dev.kiln.train;

import dev.kiln.tensor.Tensor;

/** Classification metrics over predictions (class indices or logits) and int64 targets. */
public final class Metrics {
    private Metrics() {}

    /** Fraction of rows whose predicted class equals the target; logits [N, C] are argmax-ed first. */
    public static double accuracy(Tensor predictions, Tensor targets) {
        Tensor predicted = classes(predictions);
        if (predicted.numel() != targets.numel()) {
            throw new IllegalArgumentException("accuracy: " + predicted.numel() + " predictions but " + targets.numel() + " targets");
        }
        if (predicted.numel() == 0) throw new IllegalArgumentException("accuracy of zero samples is undefined");
        return predicted.reshape(-1).eq(targets.reshape(-1).to(predicted.dtype())).toLong().sum().longItem()
                / (double) predicted.numel();
    }

    /** Class indices: argmax over the last dim for [N, C] scores, the values themselves for [N]. */
    static Tensor classes(Tensor predictions) {
        return predictions.dim() >= 2 ? predictions.argmax(-1) : predictions.toLong();
    }
}
