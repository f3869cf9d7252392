package dev.kiln.optim;

import dev.kiln.tensor.Tensor;

import java.util.List;

/** PyTorch 1.13's {@code torch.optim.RMSprop} ({@code foreach=False}), with momentum and centering. */
public final class RMSprop extends Optimizer<RMSprop.Options> {

    public record Options(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered,
                          boolean maximize) implements OptimizerOptions<Options> {
        @Override public Options lr(double v) { return new Options(v, alpha, eps, weightDecay, momentum, centered, maximize); }
        public Options alpha(double v) { return new Options(lr, v, eps, weightDecay, momentum, centered, maximize); }
        public Options eps(double v) { return new Options(lr, alpha, v, weightDecay, momentum, centered, maximize); }
        public Options weightDecay(double v) { return new Options(lr, alpha, eps, v, momentum, centered, maximize); }
        public Options momentum(double v) { return new Options(lr, alpha, eps, weightDecay, v, centered, maximize); }
        public Options centered(boolean v) { return new Options(lr, alpha, eps, weightDecay, momentum, v, maximize); }
        public Options maximize(boolean v) { return new Options(lr, alpha, eps, weightDecay, momentum, centered, v); }
    }

    /** lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False. */
    public static Options options() { return new Options(1e-2, 0.99, 1e-8, 0, 0, false, false); }

    public RMSprop(List<Tensor> params) { this(params, options()); }

    public RMSprop(List<Tensor> params, Options options) { super(single(params, options), options); }

    public RMSprop(Options defaults, List<ParamGroup<Options>> groups) { super(groups, defaults); }

    @Override
    protected void validate(Options o) {
        if (!(o.lr() >= 0.0)) throw new IllegalArgumentException("Invalid learning rate: " + repr(o.lr()));
        if (!(o.eps() >= 0.0)) throw new IllegalArgumentException("Invalid epsilon value: " + repr(o.eps()));
        if (!(o.momentum() >= 0.0)) throw new IllegalArgumentException("Invalid momentum value: " + repr(o.momentum()));
        if (!(o.weightDecay() >= 0.0)) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + repr(o.weightDecay()));
        }
        if (!(o.alpha() >= 0.0)) throw new IllegalArgumentException("Invalid alpha value: " + repr(o.alpha()));
    }

    @Override
    protected void update(ParamGroup<Options> group) {
        Options o = group.options();
        for (Tensor p : withGrad(group)) {
            var s = state(p);
            if (s.isEmpty()) {
                // RMSprop counts steps in a plain int, not a tensor, in 1.13.
                s.put("step", 0L);
                s.put("square_avg", Tensor.zerosLike(p));
                if (o.momentum() > 0) s.put("momentum_buffer", Tensor.zerosLike(p));
                if (o.centered()) s.put("grad_avg", Tensor.zerosLike(p));
            }
            s.put("step", ((Number) s.get("step")).longValue() + 1);
            Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
            Tensor squareAvg = (Tensor) s.get("square_avg");
            if (o.weightDecay() != 0) grad = Kernels.add(grad, p, o.weightDecay());
            Kernels.addcmul_(Kernels.mul_(squareAvg, o.alpha()), grad, grad, 1 - o.alpha());
            Tensor avg;
            if (o.centered()) {
                Tensor gradAvg = (Tensor) s.get("grad_avg");
                Kernels.add_(Kernels.mul_(gradAvg, o.alpha()), grad, 1 - o.alpha());
                // Variance estimate E[g^2] - E[g]^2, in one fused multiply-add as PyTorch's addcmul.
                avg = Kernels.addcmul(squareAvg, gradAvg, gradAvg, -1).sqrt();
            } else {
                avg = squareAvg.sqrt();
            }
            Kernels.addScalar_(avg, o.eps());
            if (o.momentum() > 0) {
                Tensor buf = (Tensor) s.get("momentum_buffer");
                Kernels.addcdiv_(Kernels.mul_(buf, o.momentum()), grad, avg, 1);
                Kernels.add_(p, buf, -o.lr());
            } else {
                Kernels.addcdiv_(p, grad, avg, -o.lr());
            }
        }
    }
}
