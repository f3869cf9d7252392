package dev.kiln.optim;

import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.DeviceUpdates;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.Map;

/**
 * The moment updates shared by {@link Adam} and {@link AdamW}, which differ only in how weight
 * decay enters: Adam adds it to the gradient, AdamW shrinks the parameter first.
 */
final class AdamMoments {
    private AdamMoments() {}

    static void validate(double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr >= 0.0)) throw new IllegalArgumentException("Invalid learning rate: " + PyRepr.of(lr));
        if (!(eps >= 0.0)) throw new IllegalArgumentException("Invalid epsilon value: " + PyRepr.of(eps));
        if (!(beta1 >= 0.0 && beta1 < 1.0)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 0: " + PyRepr.of(beta1));
        }
        if (!(beta2 >= 0.0 && beta2 < 1.0)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 1: " + PyRepr.of(beta2));
        }
        if (!(weightDecay >= 0.0)) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + PyRepr.of(weightDecay));
        }
    }

    /** Creates the lazily initialised state on a parameter's first step. */
    static void initState(Map<String, Object> s, Tensor p, boolean amsgrad) {
        if (!s.isEmpty()) return;
        s.put("step", Torch.full(new int[0], 0.0, DType.FLOAT32));
        s.put("exp_avg", Tensor.zerosLike(p));
        s.put("exp_avg_sq", Tensor.zerosLike(p));
        if (amsgrad) s.put("max_exp_avg_sq", Tensor.zerosLike(p));
    }

    /**
     * Updates the moments with {@code grad} and applies the bias-corrected step to {@code p}.
     * The step count is incremented by the caller, where PyTorch does.
     */
    static void apply(Map<String, Object> s, Tensor p, Tensor grad, double lr, double beta1, double beta2,
                      double eps, boolean amsgrad) {
        Tensor expAvg = (Tensor) s.get("exp_avg");
        Tensor expAvgSq = (Tensor) s.get("exp_avg_sq");
        Kernels.add_(Kernels.mul_(expAvg, beta1), grad, 1 - beta1);
        Kernels.addcmul_(Kernels.mul_(expAvgSq, beta2), grad, grad, 1 - beta2);
        // Bias corrections in double precision, as Python computes them from step.item().
        double step = ((Tensor) s.get("step")).item();
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        Tensor second = expAvgSq;
        if (amsgrad) {
            Tensor maxSq = (Tensor) s.get("max_exp_avg_sq");
            maxSq.copy_(maxSq.maximum(expAvgSq));
            second = maxSq;
        }
        Tensor denom = Kernels.addScalar_(Kernels.divScalar(second.sqrt(), biasCorrection2Sqrt), eps);
        Kernels.addcdiv_(p, expAvg, denom, -stepSize);
    }

    /**
     * Adam's whole update for one contiguous float32 parameter in a single pass, with exactly the
     * roundings of the tensor-op sequence in {@link #apply} (and of PyTorch's kernels): the weight
     * decay and both moment updates are fused multiply-adds, the denominator is
     * {@code sqrt(v) / sqrt(bc2) + eps} in float, the step {@code p + (-stepSize * m) / denom}.
     * Returns false (nothing done) when the fast path does not apply.
     */
    static boolean fusedFloat(Map<String, Object> s, Tensor p, double lr, double beta1, double beta2, double eps,
                              double weightDecay, boolean maximize, boolean amsgrad) {
        Tensor expAvg = (Tensor) s.get("exp_avg"), expAvgSq = (Tensor) s.get("exp_avg_sq"), g = p.grad();
        if (amsgrad || !allContiguousFloat(p, g, expAvg, expAvgSq)) return false;
        double step = ((Tensor) s.get("step")).item();
        float stepSize = (float) -(lr / (1 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float b1 = (float) beta1, oneMinusB1 = (float) (1 - beta1), b2 = (float) beta2, oneMinusB2 = (float) (1 - beta2);
        float wd = (float) weightDecay, epsF = (float) eps;
        float[] pa = floats(p), ga = floats(g), ma = floats(expAvg), va = floats(expAvgSq);
        int po = p.storageOffset(), go = g.storageOffset(), mo = expAvg.storageOffset(), vo = expAvgSq.storageOffset();
        for (int i = 0, n = p.numel(); i < n; i++) {
            float pi = pa[po + i];
            float gi = maximize ? -ga[go + i] : ga[go + i];
            if (weightDecay != 0) gi = Math.fma(pi, wd, gi);
            float m = Math.fma(gi, oneMinusB1, ma[mo + i] * b1);
            float v = Math.fma(oneMinusB2 * gi, gi, va[vo + i] * b2);
            ma[mo + i] = m;
            va[vo + i] = v;
            float denom = (float) Math.sqrt(v) / bc2Sqrt + epsF;
            pa[po + i] = pi + (stepSize * m) / denom;
        }
        return true;
    }

    /**
     * Adam's update of a parameter on a device, in one kernel of the library (the step count already advanced):
     * the bias corrections are folded into the step size and the second moment's scale, in double as above.
     */
    static void deviceStep(Map<String, Object> s, Tensor p, double lr, double beta1, double beta2, double eps,
                           double weightDecay, boolean maximize, boolean amsgrad) {
        if (amsgrad) throw DeviceFunctional.unsupported("optim.Adam with amsgrad", p.device());
        double step = ((Tensor) s.get("step")).item();
        double stepSize = lr / (1 - Math.pow(beta1, step));
        double invBc2Sqrt = 1 / Math.sqrt(1 - Math.pow(beta2, step));
        Tensor grad = maximize ? p.grad().neg() : p.grad();
        DeviceUpdates.adam(p, grad, (Tensor) s.get("exp_avg"), (Tensor) s.get("exp_avg_sq"), stepSize, beta1, beta2,
                invBc2Sqrt, eps, weightDecay);
    }

    private static boolean allContiguousFloat(Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null || t.dtype() != DType.FLOAT32 || !t.isContiguous() || t.numel() != ts[0].numel()) return false;
        }
        return true;
    }

    private static float[] floats(Tensor t) { return (float[]) t.untypedStorage().array(); }
}
