package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.ArrayList;
import java.util.List;

/** {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}, as PyTorch 1.13 computes them. */
final class GradClipping {
    private GradClipping() {}

    static Tensor clipGradNorm_(Iterable<Tensor> parameters, double maxNorm, double normType, boolean errorIfNonfinite) {
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : parameters) if (p.grad() != null) grads.add(p.grad());
        if (grads.isEmpty()) return Torch.scalarTensor(0.0).toFloat();
        DType dtype = grads.getFirst().dtype();
        for (Tensor g : grads) dtype = DType.promote(dtype, g.dtype());
        try (var ignored = GradMode.noGrad()) {
            // Each gradient's norm rounded to its own dtype (torch.norm(p.grad, norm_type)), then the norm of those.
            double[] norms = new double[grads.size()];
            for (int i = 0; i < norms.length; i++) {
                Tensor g = grads.get(i);
                norms[i] = Torch.scalarTensor(norm(g.toDoubleArray(), normType)).to(g.dtype()).item();
            }
            Tensor total = Torch.full(new int[0], norm(norms, normType), dtype);
            if (errorIfNonfinite && !Double.isFinite(total.item())) {
                throw new IllegalStateException("The total norm of order " + PyRepr.of(normType) + " for gradients from "
                        + "`parameters` is non-finite, so it cannot be clipped. To disable this error and scale the "
                        + "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
            }
            // max_norm / (total + 1e-6) is Tensor.__rtruediv__: reciprocal, then the multiplication.
            Tensor coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1.0);
            for (Tensor g : grads) g.mul_(coef.to(g.dtype()));
            return total;
        }
    }

    /** The {@code p}-norm of the values ({@code p} infinite: the largest magnitude; 0: the count of non-zeros). */
    private static double norm(double[] v, double p) {
        if (p == Double.POSITIVE_INFINITY || p == Double.NEGATIVE_INFINITY) {
            double m = p > 0 ? 0 : Double.POSITIVE_INFINITY;
            for (double x : v) m = p > 0 ? Math.max(m, Math.abs(x)) : Math.min(m, Math.abs(x));
            for (double x : v) if (Double.isNaN(x)) return Double.NaN;
            return m;
        }
        double s = 0;
        if (p == 0) {
            for (double x : v) s += x != 0 ? 1 : 0;
            return s;
        }
        if (p == 2) {
            for (double x : v) s += x * x;
            return Math.sqrt(s);
        }
        if (p == 1) {
            for (double x : v) s += Math.abs(x);
            return s;
        }
        for (double x : v) s += Math.pow(Math.abs(x), p);
        return Math.pow(s, 1 / p);
    }

    static void clipGradValue_(Iterable<Tensor> parameters, double clipValue) {
        try (var ignored = GradMode.noGrad()) {
            for (Tensor p : parameters) if (p.grad() != null) p.grad().clamp_(-clipValue, clipValue);
        }
    }
}
