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

    /** The float32 array behind a contiguous float32 CPU tensor, or null (then the tensor-op path runs). */
    static float[] floats(Tensor t) {
        return t.dtype() == DType.FLOAT32 && t.isContiguous() && t.device().isCpu()
                ? (float[]) t.untypedStorage().array() : null;
    }

    private static boolean sameShapeFloats(Tensor... ts) {
        for (Tensor t : ts) if (floats(t) == null || !t.shape().equals(ts[0].shape())) return false;
        return true;
    }

    /**
     * Whether the tensors are contiguous float32 CPU tensors of one element count starting at one storage offset, so
     * that the CPU backend's update rules ({@code backend.cpu.OptimizerUpdates}) can run over their arrays with one
     * index range.
     */
    static boolean sameFloats(Tensor... ts) {
        for (Tensor t : ts) {
            if (floats(t) == null || t.numel() != ts[0].numel() || t.storageOffset() != ts[0].storageOffset()) return false;
        }
        return true;
    }

    /** {@code torch.add(a, b, alpha=alpha)}: {@code fma(b, alpha, a)}. */
    static Tensor add(Tensor a, Tensor b, double alpha) {
        if (alpha == 1) return a.add(b);
        if (sameShapeFloats(a, b)) {
            Tensor out = Torch.empty(a.shape().toArray());
            fmaInto(floats(out), 0, floats(b), b.storageOffset(), (float) alpha, floats(a), a.storageOffset(), a.numel());
            return out;
        }
        if (a.dtype() == DType.FLOAT32) {
            double alphaF = (float) alpha;
            return b.toDouble().mul(alphaF).add(a.toDouble()).toFloat();
        }
        return a.add(b.mul(alpha));
    }

    /** {@code a.add_(b, alpha=alpha)}. */
    static Tensor add_(Tensor a, Tensor b, double alpha) {
        if (sameShapeFloats(a, b)) {
            float[] x = floats(a);
            fmaInto(x, a.storageOffset(), floats(b), b.storageOffset(), (float) alpha, x, a.storageOffset(), a.numel());
            return a;
        }
        return a.copy_(add(a, b, alpha));
    }

    /** out = fma(b, alpha, a) element-wise: one rounding, as PyTorch's CPU kernel. */
    private static void fmaInto(float[] out, int oo, float[] b, int bo, float alpha, float[] a, int ao, int n) {
        for (int i = 0; i < n; i++) out[oo + i] = Math.fma(b[bo + i], alpha, a[ao + i]);
    }

    /** {@code a.mul_(v)}. */
    static Tensor mul_(Tensor a, double v) {
        float[] x = floats(a);
        if (x == null) return a.mul_(scalar(v, a));
        float f = (float) v;
        for (int i = a.storageOffset(), end = i + a.numel(); i < end; i++) x[i] *= f;
        return a;
    }

    /** {@code a.add_(v)} for a scalar. */
    static Tensor addScalar_(Tensor a, double v) { return a.add_(scalar(v, a)); }

    /** {@code a / v} for a scalar: a true division, not a multiply by the reciprocal. */
    static Tensor divScalar(Tensor a, double v) { return a.div(scalar(v, a)); }

    /** {@code a.addcmul(b, c, value=v)}: {@code fma(v * b, c, a)}. */
    static Tensor addcmul(Tensor a, Tensor b, Tensor c, double v) {
        if (sameShapeFloats(a, b, c)) {
            Tensor out = Torch.empty(a.shape().toArray());
            addcmulInto(floats(out), 0, a, b, c, (float) v);
            return out;
        }
        Tensor vb = v == 1 ? b : b.mul(scalar(v, b));
        if (a.dtype() == DType.FLOAT32) return vb.toDouble().mul(c.toDouble()).add(a.toDouble()).toFloat();
        return a.add(vb.mul(c));
    }

    static Tensor addcmul_(Tensor a, Tensor b, Tensor c, double v) {
        if (sameShapeFloats(a, b, c)) {
            addcmulInto(floats(a), a.storageOffset(), a, b, c, (float) v);
            return a;
        }
        return a.copy_(addcmul(a, b, c, v));
    }

    /** out = fma(v * b, c, a): the scalar product rounds first, then one fused step. */
    private static void addcmulInto(float[] out, int oo, Tensor a, Tensor b, Tensor c, float v) {
        float[] x = floats(a), y = floats(b), z = floats(c);
        int ao = a.storageOffset(), bo = b.storageOffset(), co = c.storageOffset();
        for (int i = 0, n = a.numel(); i < n; i++) out[oo + i] = Math.fma(v == 1f ? y[bo + i] : v * y[bo + i], z[co + i], x[ao + i]);
    }

    /** {@code a.addcdiv_(b, c, value=v)}: {@code a + (v * b) / c}, no fusion possible. */
    static Tensor addcdiv_(Tensor a, Tensor b, Tensor c, double v) {
        Tensor vb = v == 1 ? b : b.mul(scalar(v, b));
        return a.add_(vb.div(c));
    }
}
