package dev.kiln.loss;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * Squared error near zero and absolute error (scaled by {@code delta}) beyond {@code delta}:
 * PyTorch 1.13's {@code HuberLoss}. It equals {@code delta * SmoothL1Loss(beta=delta)}.
 */
public final class HuberLoss extends Loss {
    private final double delta;

    public HuberLoss() { this(Reduction.MEAN, 1.0); }

    public HuberLoss(Reduction reduction, double delta) {
        super(reduction);
        check(delta);
        this.delta = delta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return huberLoss(input, target, reduction, delta); }

    public static Tensor huberLoss(Tensor input, Tensor target) { return huberLoss(input, target, Reduction.MEAN, 1.0); }

    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) {
        check(delta);
        Tensor d = input.sub(target);
        Tensor abs = d.abs();
        Tensor quadratic = d.mul(d).mul(0.5);
        Tensor linear = abs.sub(0.5 * delta).mul(delta);
        return reduction.apply(Torch.where(abs.lt(delta), quadratic, linear));
    }

    private static void check(double delta) {
        if (!(delta > 0)) throw new IllegalArgumentException("huber_loss does not support non-positive values for delta.");
    }
}
