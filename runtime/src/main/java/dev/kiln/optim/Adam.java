package dev.kiln.optim;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Tensor;

import java.util.List;

/** PyTorch 1.13's {@code torch.optim.Adam} ({@code foreach=False}), with L2 weight decay and AMSGrad. */
public final class Adam extends Optimizer<Adam.Options> {

    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                          boolean maximize) implements OptimizerOptions<Options> {
        @Override public Options lr(double v) { return new Options(v, beta1, beta2, eps, weightDecay, amsgrad, maximize); }
        /** PyTorch's {@code betas=(beta1, beta2)}. */
        public Options betas(double b1, double b2) { return new Options(lr, b1, b2, eps, weightDecay, amsgrad, maximize); }
        public Options eps(double v) { return new Options(lr, beta1, beta2, v, weightDecay, amsgrad, maximize); }
        public Options weightDecay(double v) { return new Options(lr, beta1, beta2, eps, v, amsgrad, maximize); }
        public Options amsgrad(boolean v) { return new Options(lr, beta1, beta2, eps, weightDecay, v, maximize); }
        public Options maximize(boolean v) { return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, v); }

        /** These options, or PyTorch's error for the first invalid one ({@code Invalid epsilon value: -1.0}). */
        public Options check() {
            AdamMoments.validate(lr, beta1, beta2, eps, weightDecay);
            return this;
        }
    }

    /** lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False. */
    public static Options options() { return new Options(1e-3, 0.9, 0.999, 1e-8, 0, false, false); }

    public Adam(List<Tensor> params) { this(params, options()); }

    public Adam(List<Tensor> params, Options options) { super(single(params, options), options); }

    public Adam(Options defaults, List<ParamGroup<Options>> groups) { super(groups, defaults); }

    @Override
    protected void validate(Options o) { o.check(); }

    @Override
    protected void update(ParamGroup<Options> group) {
        Options o = group.options();
        for (Tensor p : withGrad(group)) {
            var s = state(p);
            AdamMoments.initState(s, p, o.amsgrad());
            ((Tensor) s.get("step")).add_(1.0);
            if (DeviceFunctional.onDevice(p)) {
                AdamMoments.deviceStep(s, p, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), 1, o.maximize(), o.amsgrad());
                continue;
            }
            Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
            if (!o.amsgrad() && AdamMoments.flatStep(s, p, grad, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), false)) {
                continue;
            }
            if (o.weightDecay() != 0) grad = Kernels.add(grad, p, o.weightDecay());
            AdamMoments.apply(s, p, grad, o.lr(), o.beta1(), o.beta2(), o.eps(), o.amsgrad());
        }
    }

    @Override
    protected boolean runsOnDevices() { return true; }
}
