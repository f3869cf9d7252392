package dev.kiln.compiled;

import dev.kiln.optim.OptimizerOptions;
import dev.kiln.optim.ParamGroup;

import java.util.List;

/**
 * A compiled {@link Optimizer} seen as an eager {@code optim.Optimizer}: its one parameter group, shared with the
 * compiled optimizer, which reads the group's learning rate at every step. The {@code optim.lr} schedulers act on
 * it; stepping is the compiled trainer's.
 */
final class OptimView<O extends OptimizerOptions<O>> extends dev.kiln.optim.Optimizer<O> {
    OptimView(ParamGroup<O> group) { super(List.of(group), group.options()); }

    @Override
    protected void validate(O options) {} // checked by the compiled optimizer that owns the group

    @Override
    protected void update(ParamGroup<O> group) {
        throw new UnsupportedOperationException("a compiled model's optimizer is stepped by its trainer "
                + "(trainer.fit or trainer.step), not by optimizer.step()");
    }
}
