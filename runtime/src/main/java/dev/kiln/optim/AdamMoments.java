package dev.kiln.optim;

import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.DType;
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
}
