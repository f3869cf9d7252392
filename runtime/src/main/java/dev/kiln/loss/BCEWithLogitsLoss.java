package dev.kiln.loss;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.Tensor;

/**
 * A sigmoid followed by binary cross entropy, computed together so that large logits stay
 * finite: PyTorch 1.13's {@code BCEWithLogitsLoss}. {@code posWeight} (broadcast against the
 * target, typically one per class) scales the positive term to trade recall for precision.
 */
public final class BCEWithLogitsLoss extends Loss {
    private final Tensor weight;
    private final Tensor posWeight;

    public BCEWithLogitsLoss() { this(null, Reduction.MEAN, null); }

    public BCEWithLogitsLoss(Reduction reduction) { this(null, reduction, null); }

    /** {@code weight} and {@code posWeight} may be null. */
    public BCEWithLogitsLoss(Tensor weight, Reduction reduction, Tensor posWeight) {
        super(reduction);
        this.weight = weight;
        this.posWeight = posWeight;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, weight, reduction, posWeight);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, Reduction.MEAN, null);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Reduction reduction,
                                                      Tensor posWeight) {
        DeviceFunctional.requireCpu("binary_cross_entropy_with_logits", input, target, weight, posWeight);
        if (!input.shape().equals(target.shape())) {
            throw new IllegalArgumentException("Target size (" + target.shape() + ") must be the same as input size ("
                    + input.shape() + ")");
        }
        int[] shape = input.shape().toArray();
        double[] x = input.toDoubleArray(), t = target.toDoubleArray();
        double[] pw = posWeight == null ? null : posWeight.detach().expand(shape).toDoubleArray();
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            // (1 - t) x + (1 + (pw - 1) t) log(1 + e^-x); the softplus is evaluated without overflow.
            double logWeight = pw == null ? 1 : 1 + (pw[i] - 1) * t[i];
            out[i] = (1 - t[i]) * x[i] + logWeight * softplusNeg(x[i]);
        }
        Tensor loss = Autograd.record("BinaryCrossEntropyWithLogitsBackward0", fromDoubles(out, shape, input.dtype()), g -> {
            double[] gv = g.toDoubleArray();
            double[] gx = new double[x.length], gt = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double p = pw == null ? 1 : pw[i];
                double sig = 1 / (1 + Math.exp(-x[i]));
                gx[i] = gv[i] * ((p * t[i] + 1 - t[i]) * sig - p * t[i]);
                gt[i] = gv[i] * (-x[i] + (p - 1) * softplusNeg(x[i]));
            }
            return new Tensor[] {fromDoubles(gx, shape, g.dtype()), fromDoubles(gt, shape, g.dtype())};
        }, input, target);
        if (weight != null) loss = loss.mul(weight);
        return reduction.apply(loss);
    }

    /** {@code log(1 + exp(-x))} = {@code max(-x, 0) + log1p(exp(-|x|))}. */
    private static double softplusNeg(double x) { return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))); }
}
