package dev.kiln.loss;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Tensor;

/** Mean squared error {@code (input - target)^2}: PyTorch 1.13's {@code MSELoss}. */
public final class MSELoss extends Loss {
    public MSELoss() { this(Reduction.MEAN); }

    public MSELoss(Reduction reduction) { super(reduction); }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return mseLoss(input, target, reduction); }

    public static Tensor mseLoss(Tensor input, Tensor target) { return mseLoss(input, target, Reduction.MEAN); }

    /** Shapes broadcast against each other, as PyTorch does (it only warns). */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        // On a device the library's fused kernel; broadcast shapes and reduction NONE take the op path below.
        if (DeviceFunctional.onDevice(input, target) && reduction != Reduction.NONE && input.shape().equals(target.shape())) {
            return DeviceFunctional.mseLoss(input, target, reduction == Reduction.MEAN);
        }
        Tensor d = input.sub(target);
        return reduction.apply(d.mul(d));
    }
}
