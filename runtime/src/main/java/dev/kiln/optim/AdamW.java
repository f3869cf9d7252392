package dev.kiln.optim;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * PyTorch 1.13's {@code torch.optim.AdamW} ({@code foreach=False}): Adam with decoupled weight
 * decay, which shrinks the parameter by {@code lr * weight_decay} instead of adding to the gradient.
 *
 * <pre>{@code var opt = new AdamW(model.parameters(), AdamW.options().lr(1e-3).weightDecay(1e-2)); }</pre>
 */
public final class AdamW extends Optimizer<AdamW.Options> {

    /** AdamW's hyper-parameters: Adam's, with a weight decay that defaults to 1e-2 and acts on the parameter. */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                          boolean maximize) implements OptimizerOptions<Options> {
        @Override public Options lr(double v) { return new Options(v, beta1, beta2, eps, weightDecay, amsgrad, maximize); }
        /** PyTorch's {@code betas=(beta1, beta2)}. */
        public Options betas(double b1, double b2) { return new Options(lr, b1, b2, eps, weightDecay, amsgrad, maximize); }
        public Options eps(double v) { return new Options(lr, beta1, beta2, v, weightDecay, amsgrad, maximize); }
        public Options weightDecay(double v) { return new Options(lr, beta1, beta2, eps, v, amsgrad, maximize); }
        public Options amsgrad(boolean v) { return new Options(lr, beta1, beta2, eps, weightDecay, v, maximize); }
        public Options maximize(boolean v) { return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, v); }

        /** These options, or PyTorch's error for the first invalid one ({@code Invalid weight_decay value: -1e-05}). */
        public Options check() {
            AdamMoments.validate(lr, beta1, beta2, eps, weightDecay);
            return this;
        }
    }

    /** lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False. */
    public static Options options() { return new Options(1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false); }

    public AdamW(List<Tensor> params) { this(params, options()); }

    public AdamW(List<Tensor> params, Options options) { super(single(params, options), options); }

    public AdamW(Options defaults, List<ParamGroup<Options>> groups) { super(groups, defaults); }

    @Override
    protected void validate(Options o) { o.check(); }

    @Override
    protected void update(ParamGroup<Options> group) {
        Options o = group.options();
        for (Tensor p : withGrad(group)) {
            var s = state(p);
            AdamMoments.initState(s, p, o.amsgrad());
            Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
            ((Tensor) s.get("step")).add_(1.0);
            double decay = 1 - o.lr() * o.weightDecay();
            if (DeviceFunctional.onDevice(p)) {
                AdamMoments.deviceStep(s, p, o.lr(), o.beta1(), o.beta2(), o.eps(), 0, decay, o.maximize(), o.amsgrad());
                continue;
            }
            if (!o.amsgrad() && AdamMoments.flatStep(s, p, grad, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), true)) {
                continue;
            }
            Kernels.mul_(p, decay);
            AdamMoments.apply(s, p, grad, o.lr(), o.beta1(), o.beta2(), o.eps(), o.amsgrad());
        }
    }

    @Override
    protected boolean runsOnDevices() { return true; }
}
