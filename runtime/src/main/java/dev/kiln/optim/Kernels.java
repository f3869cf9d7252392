package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * The arithmetic of PyTorch 1.13's optimizer updates with the same rounding, so that float32
 * trajectories match PyTorch's rather than drifting by an ulp per step.
 *
 * <p>Two details matter: a Python-float operand is rounded to the tensor's dtype before use (so
 * {@code x * 0.9} is {@code x * 0.9f}), and the CPU kernels for {@code add(other, alpha)} and
 * {@code addcmul} end in a fused multiply-add. A float32 FMA is reproduced by computing the product
 * of two floats exactly in float64, adding there, and rounding once to float32.
 * Callers run inside {@code GradMode.noGrad()}.
 */
final class Kernels {
    private Kernels() {}

    /** A 0-dim tensor of {@code like}'s dtype: the scalar as PyTorch's kernel sees it. */
    static Tensor scalar(double v, Tensor like) { return Torch.full(new int[0], v, like.dtype()); }

    /** {@code torch.add(a, b, alpha=alpha)}: {@code fma(b, alpha, a)}. */
    static Tensor add(Tensor a, Tensor b, double alpha) {
        if (alpha == 1) return a.add(b);
        if (a.dtype() == DType.FLOAT32) {
            double alphaF = (float) alpha;
            return b.toDouble().mul(alphaF).add(a.toDouble()).toFloat();
        }
        return a.add(b.mul(alpha));
    }

    /** {@code a.add_(b, alpha=alpha)}. */
    static Tensor add_(Tensor a, Tensor b, double alpha) { return a.copy_(add(a, b, alpha)); }

    /** {@code a.mul_(v)}. */
    static Tensor mul_(Tensor a, double v) { return a.mul_(scalar(v, a)); }

    /** {@code a.add_(v)} for a scalar. */
    static Tensor addScalar_(Tensor a, double v) { return a.add_(scalar(v, a)); }

    /** {@code a / v} for a scalar: a true division, not a multiply by the reciprocal. */
    static Tensor divScalar(Tensor a, double v) { return a.div(scalar(v, a)); }

    /** {@code a.addcmul(b, c, value=v)}: {@code fma(v * b, c, a)}. */
    static Tensor addcmul(Tensor a, Tensor b, Tensor c, double v) {
        Tensor vb = v == 1 ? b : b.mul(scalar(v, b));
        if (a.dtype() == DType.FLOAT32) return vb.toDouble().mul(c.toDouble()).add(a.toDouble()).toFloat();
        return a.add(vb.mul(c));
    }

    static Tensor addcmul_(Tensor a, Tensor b, Tensor c, double v) { return a.copy_(addcmul(a, b, c, v)); }

    /** {@code a.addcdiv_(b, c, value=v)}: {@code a + (v * b) / c}, no fusion possible. */
    static Tensor addcdiv_(Tensor a, Tensor b, Tensor c, double v) {
        Tensor vb = v == 1 ? b : b.mul(scalar(v, b));
        return a.add_(vb.div(c));
    }
}
