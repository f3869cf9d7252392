package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.backend.kernels.KernelLibrary;

/**
 * Optimizer updates of a parameter on a device, in place, through the {@link KernelLibrary}'s update kernels: the
 * same per-element rules as the CPU optimizers, one launch per parameter. The parameter, its gradient and its state
 * must be contiguous float32 tensors of one size on the parameter's device; state made on the CPU (an optimizer
 * built before {@code Module.to}) is refused with a message saying so.
 */
public final class DeviceUpdates {
    private DeviceUpdates() {}

    /**
     * One SGD step as {@code torch.optim.SGD}: {@code d = grad + weightDecay * param}; with momentum
     * {@code buf = firstStep ? d : momentum * buf + (1 - dampening) * d} in {@code velocity}, and
     * {@code param -= lr * (nesterov ? d + momentum * buf : buf)}; without, {@code param -= lr * d} and
     * {@code velocity} may be null.
     */
    public static void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum, double dampening,
                           double weightDecay, boolean nesterov, boolean firstStep) {
        check("param", param, param);
        check("grad", grad, param);
        if (momentum != 0) check("momentum_buffer", velocity, param);
        KernelLibrary.on(DeviceOps.context(param)).sgd(DeviceOps.buffer(param), param.offset, DeviceOps.buffer(grad),
                grad.offset, momentum != 0 ? DeviceOps.buffer(velocity) : null, momentum != 0 ? velocity.offset : 0,
                param.numel(), (float) lr, (float) momentum, (float) dampening, (float) weightDecay, nesterov,
                firstStep);
    }

    /**
     * One Adam step with L2 weight decay folded into the gradient, as {@code torch.optim.Adam}, after multiplying the
     * parameter by {@code decay} (AdamW's {@code 1 - lr * weight_decay}, 1 for Adam):
     * {@code stepSize = lr / (1 - beta1^t)} and {@code invBc2Sqrt = 1 / sqrt(1 - beta2^t)} carry the bias
     * corrections of step t.
     */
    public static void adam(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double stepSize,
                            double beta1, double beta2, double invBc2Sqrt, double eps, double weightDecay,
                            double decay) {
        check("param", param, param);
        check("grad", grad, param);
        check("exp_avg", expAvg, param);
        check("exp_avg_sq", expAvgSq, param);
        KernelLibrary.on(DeviceOps.context(param)).adam(DeviceOps.buffer(param), param.offset, DeviceOps.buffer(grad),
                grad.offset, DeviceOps.buffer(expAvg), expAvg.offset, DeviceOps.buffer(expAvgSq), expAvgSq.offset,
                param.numel(), (float) stepSize, beta1, beta2, (float) invBc2Sqrt, (float) eps, (float) weightDecay,
                (float) decay);
    }

    private static void check(String role, Tensor t, Tensor param) {
        Device device = param.device();
        if (t == null) throw new NullPointerException(role + " is null");
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException("expected all tensors on the same device, got " + device + " and "
                    + t.device() + ": the " + role + " of a parameter on " + device + " is on " + t.device()
                    + (t.device().isCpu() ? " (build the optimizer after module.to(device))" : ""));
        }
        if (t.dtype != DType.FLOAT32) {
            throw new UnsupportedOperationException("float32 only on devices for now: " + role + " is " + t.dtype);
        }
        if (!t.isContiguous() || t.numel() != param.numel()) {
            throw new IllegalArgumentException(role + " must be contiguous with the parameter's " + param.numel()
                    + " elements on " + device + ", got shape " + Shapes.str(t.shape));
        }
    }
}
