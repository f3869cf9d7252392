package dev.kiln.loss;

import dev.kiln.tensor.Tensor;

/** How a loss combines its per-element values: PyTorch's {@code reduction='mean'|'sum'|'none'}. */
public enum Reduction {
    NONE, MEAN, SUM;

    /** Applies this reduction; {@code mean} divides by the element count. */
    public Tensor apply(Tensor loss) {
        return switch (this) {
            case NONE -> loss;
            case MEAN -> loss.mean();
            case SUM -> loss.sum();
        };
    }
}
