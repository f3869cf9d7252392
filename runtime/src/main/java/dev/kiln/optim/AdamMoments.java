package dev.kiln.optim;

import dev.kiln.backend.cpu.OptimizerUpdates;
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
     * Adam's (or, {@code decoupled}, AdamW's) whole update of one contiguous float32 CPU parameter in a single pass of
     * the CPU backend's rule ({@link OptimizerUpdates#adam}, which the compiled trainer runs over its flat buffer), with
     * exactly the roundings of {@code Kernels.mul_} (AdamW's decay) and the tensor-op sequence in {@link #apply}, and
     * so of PyTorch's kernels. The step count is already advanced. Returns false (nothing done) where the parameter,
     * {@code grad} and the moments are not contiguous float32 CPU tensors at one storage offset.
     */
    static boolean flatStep(Map<String, Object> s, Tensor p, Tensor grad, double lr, double beta1, double beta2,
                            double eps, double weightDecay, boolean decoupled) {
        Tensor expAvg = (Tensor) s.get("exp_avg"), expAvgSq = (Tensor) s.get("exp_avg_sq");
        if (!Kernels.sameFloats(p, grad, expAvg, expAvgSq)) return false;
        double step = ((Tensor) s.get("step")).item();
        int from = p.storageOffset();
        OptimizerUpdates.adam(Kernels.floats(p), Kernels.floats(grad), Kernels.floats(expAvg), Kernels.floats(expAvgSq),
                from, from + p.numel(), decoupled ? (float) (1 - lr * weightDecay) : 1f,
                decoupled ? 0f : (float) weightDecay, (float) beta1, (float) (1 - beta1), (float) beta2,
                (float) (1 - beta2), (float) -(lr / (1 - Math.pow(beta1, step))),
                (float) Math.sqrt(1 - Math.pow(beta2, step)), (float) eps);
        return true;
    }

    /**
     * Adam's update of a parameter on a device, in one kernel of the library (the step count already advanced):
     * the bias corrections are folded into the step size and the second moment's scale, in double as above; {@code decay}
     * is AdamW's {@code 1 - lr * weight_decay} on the parameter first (1 for Adam).
     */
    static void deviceStep(Map<String, Object> s, Tensor p, double lr, double beta1, double beta2, double eps,
                           double weightDecay, double decay, boolean maximize, boolean amsgrad) {
        if (amsgrad) throw DeviceFunctional.unsupported("optim.Adam with amsgrad", p.device());
        double step = ((Tensor) s.get("step")).item();
        double stepSize = lr / (1 - Math.pow(beta1, step));
        double invBc2Sqrt = 1 / Math.sqrt(1 - Math.pow(beta2, step));
        Tensor grad = maximize ? p.grad().neg() : p.grad();
        DeviceUpdates.adam(p, grad, (Tensor) s.get("exp_avg"), (Tensor) s.get("exp_avg_sq"), stepSize, beta1, beta2,
                invBc2Sqrt, eps, weightDecay, decay);
    }
}
