package dev.kiln.loss;

import dev.kiln.tensor.Tensor;

/** Mean absolute error {@code |input - target|}: PyTorch 1.13's {@code L1Loss}; the gradient at 0 is 0. */
public final class L1Loss extends Loss {
    public L1Loss() { this(Reduction.MEAN); }

    public L1Loss(Reduction reduction) { super(reduction); }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return l1Loss(input, target, reduction); }

    public static Tensor l1Loss(Tensor input, Tensor target) { return l1Loss(input, target, Reduction.MEAN); }

    /** Shapes broadcast against each other, as PyTorch does (it only warns). */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        return reduction.apply(input.sub(target).abs());
    }
}
