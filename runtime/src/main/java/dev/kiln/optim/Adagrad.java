package dev.kiln.optim;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.List;

/** PyTorch 1.13's {@code torch.optim.Adagrad} ({@code foreach=False}, dense gradients). */
public final class Adagrad extends Optimizer<Adagrad.Options> {

    public record Options(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps,
                          boolean maximize) implements OptimizerOptions<Options> {
        @Override public Options lr(double v) { return new Options(v, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize); }
        public Options lrDecay(double v) { return new Options(lr, v, weightDecay, initialAccumulatorValue, eps, maximize); }
        public Options weightDecay(double v) { return new Options(lr, lrDecay, v, initialAccumulatorValue, eps, maximize); }
        public Options initialAccumulatorValue(double v) { return new Options(lr, lrDecay, weightDecay, v, eps, maximize); }
        public Options eps(double v) { return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, v, maximize); }
        public Options maximize(boolean v) { return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, v); }
    }

    /** lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10. */
    public static Options options() { return new Options(1e-2, 0, 0, 0, 1e-10, false); }

    public Adagrad(List<Tensor> params) { this(params, options()); }

    public Adagrad(List<Tensor> params, Options options) {
        super(single(params, options), options);
        initState();
    }

    public Adagrad(Options defaults, List<ParamGroup<Options>> groups) {
        super(groups, defaults);
        initState();
    }

    /** Unlike the other optimizers, Adagrad creates its state eagerly in the constructor. */
    private void initState() {
        for (ParamGroup<Options> g : paramGroups()) {
            for (Tensor p : g.params()) {
                var s = state(p);
                s.put("step", Torch.full(new int[0], 0.0, DType.FLOAT32));
                s.put("sum", Torch.fullLike(p.detach(), g.options().initialAccumulatorValue()));
            }
        }
    }

    @Override
    protected void validate(Options o) {
        if (!(o.lr() >= 0.0)) throw new IllegalArgumentException("Invalid learning rate: " + repr(o.lr()));
        if (!(o.lrDecay() >= 0.0)) throw new IllegalArgumentException("Invalid lr_decay value: " + repr(o.lrDecay()));
        if (!(o.weightDecay() >= 0.0)) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + repr(o.weightDecay()));
        }
        if (!(o.initialAccumulatorValue() >= 0.0)) {
            throw new IllegalArgumentException("Invalid initial_accumulator_value value: " + repr(o.initialAccumulatorValue()));
        }
        if (!(o.eps() >= 0.0)) throw new IllegalArgumentException("Invalid epsilon value: " + repr(o.eps()));
    }

    @Override
    protected void update(ParamGroup<Options> group) {
        Options o = group.options();
        for (Tensor p : withGrad(group)) {
            var s = state(p);
            Tensor stepT = (Tensor) s.get("step");
            Tensor sum = (Tensor) s.get("sum");
            stepT.add_(1.0);
            double step = stepT.item();
            Tensor grad = o.maximize() ? p.grad().neg() : p.grad();
            if (o.weightDecay() != 0) grad = Kernels.add(grad, p, o.weightDecay());
            // The decayed rate is computed in double, as Python does, before it meets the tensor.
            double clr = o.lr() / (1 + (step - 1) * o.lrDecay());
            Kernels.addcmul_(sum, grad, grad, 1);
            Tensor std = Kernels.addScalar_(sum.sqrt(), o.eps());
            Kernels.addcdiv_(p, grad, std, -clr);
        }
    }
}
