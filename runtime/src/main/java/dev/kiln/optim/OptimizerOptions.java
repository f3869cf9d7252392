package dev.kiln.optim;

/**
 * The hyper-parameters of one parameter group: PyTorch's group dict without the {@code params}
 * entry. Implementations are immutable records; {@link #lr(double)} returns a copy so that a
 * scheduler can change one group's rate without touching the others.
 */
public interface OptimizerOptions<O extends OptimizerOptions<O>> {
    /** The learning rate of the group. */
    double lr();

    /** A copy with another learning rate. */
    O lr(double lr);
}
