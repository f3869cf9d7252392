package dev.kiln.optim;

import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * One entry of PyTorch's {@code optimizer.param_groups}: a list of parameters sharing the same
 * options. The options are replaceable (schedulers change {@code lr}); {@code initialLr} is the
 * {@code 'initial_lr'} key a scheduler writes when it is created.
 */
public final class ParamGroup<O extends OptimizerOptions<O>> {
    private final List<Tensor> params;
    private O options;
    private Double initialLr;

    public ParamGroup(List<Tensor> params, O options) {
        this.params = List.copyOf(params);
        this.options = options;
    }

    public List<Tensor> params() { return params; }

    public O options() { return options; }

    public void setOptions(O options) { this.options = options; }

    public double lr() { return options.lr(); }

    public void setLr(double lr) { options = options.lr(lr); }

    /** The rate a scheduler started from, or null before any scheduler was attached. */
    public Double initialLr() { return initialLr; }

    public void setInitialLr(Double initialLr) { this.initialLr = initialLr; }
}
