package dev.kiln.optim;

import dev.kiln.backend.cpu.OptimizerUpdates;
import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.DeviceUpdates;
import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
 * decay: PyTorch 1.13's {@code torch.optim.SGD} ({@code foreach=False}).
 *
 * <pre>{@code var opt = new SGD(model.parameters(), SGD.options(0.1).momentum(0.9).nesterov(true)); }</pre>
 */
public final class SGD extends Optimizer<SGD.Options> {

    /** SGD's hyper-parameters; {@code lr} has no default, as in PyTorch. */
    public record Options(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                          boolean maximize) implements OptimizerOptions<Options> {
        @Override public Options lr(double v) { return new Options(v, momentum, dampening, weightDecay, nesterov, maximize); }
        public Options momentum(double v) { return new Options(lr, v, dampening, weightDecay, nesterov, maximize); }
        public Options dampening(double v) { return new Options(lr, momentum, v, weightDecay, nesterov, maximize); }
        public Options weightDecay(double v) { return new Options(lr, momentum, dampening, v, nesterov, maximize); }
        public Options nesterov(boolean v) { return new Options(lr, momentum, dampening, weightDecay, v, maximize); }
        public Options maximize(boolean v) { return new Options(lr, momentum, dampening, weightDecay, nesterov, v); }

        /** These options, or PyTorch's error for the first invalid one ({@code Invalid momentum value: -0.1}). */
        public Options check() {
            if (!(lr >= 0.0)) throw new IllegalArgumentException("Invalid learning rate: " + PyRepr.of(lr));
            if (!(momentum >= 0.0)) throw new IllegalArgumentException("Invalid momentum value: " + PyRepr.of(momentum));
            if (!(weightDecay >= 0.0)) throw new IllegalArgumentException("Invalid weight_decay value: " + PyRepr.of(weightDecay));
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
            }
            return this;
        }
    }

    /** PyTorch's defaults with the required learning rate: momentum=0, dampening=0, weight_decay=0. */
    public static Options options(double lr) { return new Options(lr, 0, 0, 0, false, false); }

    public SGD(List<Tensor> params, double lr) { this(params, options(lr)); }

    public SGD(List<Tensor> params, Options options) { super(single(params, options), options); }

    /** Several groups, each with its own options (derive them from {@code defaults} to override a few). */
    public SGD(Options defaults, List<ParamGroup<Options>> groups) { super(groups, defaults); }

    @Override
    protected void validate(Options o) { o.check(); }

    @Override
    protected void update(ParamGroup<Options> group) {
        Options o = group.options();
        for (Tensor p : withGrad(group)) {
            if (DeviceFunctional.onDevice(p)) {
                deviceStep(p, o);
                continue;
            }
            Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
            var s = state(p);
            if (o.momentum() == 0) {
                s.put("momentum_buffer", null);  // PyTorch records None for every stepped parameter
                if (Kernels.sameFloats(p, grad)) {
                    int from = p.storageOffset();
                    OptimizerUpdates.sgd(Kernels.floats(p), Kernels.floats(grad), from, from + p.numel(), (float) o.lr(),
                            (float) o.weightDecay());
                } else {
                    Kernels.add_(p, o.weightDecay() != 0 ? Kernels.add(grad, p, o.weightDecay()) : grad, -o.lr());
                }
                continue;
            }
            Tensor buf = (Tensor) s.get("momentum_buffer");
            boolean first = buf == null;
            if (first) {
                // The first step seeds the buffer with the gradient itself, without dampening.
                buf = Tensor.zerosLike(p);
                s.put("momentum_buffer", buf);
            }
            if (Kernels.sameFloats(p, grad, buf)) {
                // The CPU's rule over the parameter's array, the compiled trainer's over its flat buffer.
                int from = p.storageOffset();
                OptimizerUpdates.sgdMomentum(Kernels.floats(p), Kernels.floats(grad), Kernels.floats(buf), from,
                        from + p.numel(), (float) o.lr(), (float) o.weightDecay(), (float) o.momentum(),
                        (float) (1 - o.dampening()), o.nesterov(), first);
                continue;
            }
            Tensor dp = o.weightDecay() != 0 ? Kernels.add(grad, p, o.weightDecay()) : grad;
            if (first) {
                buf.copy_(dp);
            } else {
                Kernels.mul_(buf, o.momentum());
                Kernels.add_(buf, dp, 1 - o.dampening());
            }
            dp = o.nesterov() ? Kernels.add(dp, buf, o.momentum()) : buf;
            Kernels.add_(p, dp, -o.lr());
        }
    }

    @Override
    protected boolean runsOnDevices() { return true; }

    /** The same update on the parameter's device, in one kernel; the first step seeds the buffer with the gradient. */
    private void deviceStep(Tensor p, Options o) {
        Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
        var s = state(p);
        Tensor buf = null;
        boolean first = false;
        if (o.momentum() != 0) {
            buf = (Tensor) s.get("momentum_buffer");
            first = buf == null;
            if (first) {
                buf = Tensor.zerosLike(p);
                s.put("momentum_buffer", buf);
            }
        } else {
            s.put("momentum_buffer", null);
        }
        DeviceUpdates.sgd(p, grad, buf, o.lr(), o.momentum(), o.dampening(), o.weightDecay(), o.nesterov(), first);
    }
}
