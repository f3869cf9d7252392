package dev.kiln.loss;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * {@code 0.5 d^2 / beta} for {@code |d| < beta}, else {@code |d| - 0.5 beta}: PyTorch 1.13's
 * {@code SmoothL1Loss}. {@code beta = 0} is plain L1 (the quadratic branch would divide by zero).
 */
public final class SmoothL1Loss extends Loss {
    private final double beta;

    public SmoothL1Loss() { this(Reduction.MEAN, 1.0); }

    public SmoothL1Loss(Reduction reduction, double beta) {
        super(reduction);
        check(beta);
        this.beta = beta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return smoothL1Loss(input, target, reduction, beta); }

    public static Tensor smoothL1Loss(Tensor input, Tensor target) {
        return smoothL1Loss(input, target, Reduction.MEAN, 1.0);
    }

    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) {
        check(beta);
        if (beta == 0) return L1Loss.l1Loss(input, target, reduction);
        Tensor d = input.sub(target);
        Tensor abs = d.abs();
        Tensor quadratic = d.mul(d).mul(0.5).div(beta);
        Tensor linear = abs.sub(0.5 * beta);
        return reduction.apply(Torch.where(abs.lt(beta), quadratic, linear));
    }

    private static void check(double beta) {
        if (!(beta >= 0)) throw new IllegalArgumentException("smooth_l1_loss does not support negative values for beta.");
    }
}
