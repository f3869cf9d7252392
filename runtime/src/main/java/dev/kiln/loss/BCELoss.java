package dev.kiln.loss;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.Tensor;

/**
 * Binary cross entropy between probabilities and targets: PyTorch 1.13's {@code BCELoss}. Each
 * log is clamped to at least -100, so an input of exactly 0 or 1 gives a finite loss.
 */
public final class BCELoss extends Loss {
    /** PyTorch's floor on {@code (1 - x) * x} in the gradient, against division by zero. */
    private static final double EPSILON = 1e-12;

    private final Tensor weight;

    public BCELoss() { this(null, Reduction.MEAN); }

    public BCELoss(Reduction reduction) { this(null, reduction); }

    /** {@code weight} rescales each element and broadcasts to the input; it may be null. */
    public BCELoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = weight;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return binaryCrossEntropy(input, target, weight, reduction); }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, null, Reduction.MEAN);
    }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        DeviceFunctional.requireCpu("binary_cross_entropy", input, target, weight);
        requireSameSize(input, target);
        double[] x = input.toDoubleArray(), t = target.toDoubleArray();
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] >= 0 && x[i] <= 1)) throw new IllegalArgumentException("all elements of input should be between 0 and 1");
            out[i] = (t[i] - 1) * clampedLog1m(x[i]) - t[i] * clampedLog(x[i]);
        }
        int[] shape = input.shape().toArray();
        Tensor loss = Autograd.record("BinaryCrossEntropyBackward0", fromDoubles(out, shape, input.dtype()), g -> {
            double[] gv = g.toDoubleArray();
            double[] gx = new double[x.length], gt = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                gx[i] = gv[i] * (x[i] - t[i]) / Math.max((1 - x[i]) * x[i], EPSILON);
                gt[i] = gv[i] * (clampedLog1m(x[i]) - clampedLog(x[i]));
            }
            return new Tensor[] {fromDoubles(gx, shape, g.dtype()), fromDoubles(gt, shape, g.dtype())};
        }, input, target);
        if (weight != null) loss = loss.mul(weight);
        return reduction.apply(loss);
    }

    private static double clampedLog(double x) { return Math.max(Math.log(x), -100); }

    private static double clampedLog1m(double x) { return Math.max(Math.log1p(-x), -100); }
}
