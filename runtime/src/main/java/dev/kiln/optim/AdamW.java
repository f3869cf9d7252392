package dev.kiln.optim;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * PyTorch 1.13's {@code torch.optim.AdamW} ({@code foreach=False}): Adam with decoupled weight
 * decay, which shrinks the parameter by {@code lr * weight_decay} instead of adding to the gradient.
 */
public final class AdamW extends Optimizer<Adam.Options> {
    /** lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False: Adam's options, but for the weight decay. */
    public static Adam.Options options() { return new Adam.Options(1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false); }

    public AdamW(List<Tensor> params) { this(params, options()); }

    public AdamW(List<Tensor> params, Adam.Options options) { super(single(params, options), options); }

    public AdamW(Adam.Options defaults, List<ParamGroup<Adam.Options>> groups) { super(groups, defaults); }

    @Override
    protected void validate(Adam.Options o) { AdamMoments.validate(o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay()); }

    @Override
    protected void update(ParamGroup<Adam.Options> group) {
        Adam.Options o = group.options();
        for (Tensor p : withGrad(group)) {
            var s = state(p);
            AdamMoments.initState(s, p, o.amsgrad());
            Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
            ((Tensor) s.get("step")).add_(1.0);
            Kernels.mul_(p, 1 - o.lr() * o.weightDecay());
            if (DeviceFunctional.onDevice(p)) {
                AdamMoments.deviceStep(s, p, o.lr(), o.beta1(), o.beta2(), o.eps(), 0, o.maximize(), o.amsgrad());
                continue;
            }
            AdamMoments.apply(s, p, grad, o.lr(), o.beta1(), o.beta2(), o.eps(), o.amsgrad());
        }
    }

    @Override
    protected boolean runsOnDevices() { return true; }
}
