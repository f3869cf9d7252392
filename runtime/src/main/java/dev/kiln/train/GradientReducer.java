package dev.kiln.train;

/**
 * What a trainer calls when one training run is spread over several processes (data parallelism; implemented by
 * {@code dev.kiln.distributed.Distributed} over MPI). Every process holds the same parameters and walks the same
 * batches; each computes the gradient of its part of each batch ({@link #rows}), {@link #sumGradients} turns the parts
 * into the gradient of the whole batch on every process, and the optimizer then steps identically everywhere. At each
 * epoch's end {@link #endEpoch} averages the non-trainable state (BatchNorm's running statistics). Only the
 * {@link #leader()} logs and writes checkpoints.
 *
 * <p>Every method is collective: each process must call it, in the same order, the same number of times.
 */
public interface GradientReducer {
    /** This process's index, from 0. */
    int part();

    /** The number of processes. */
    int parts();

    /** Whether this process logs, draws progress and writes checkpoints (part 0). */
    default boolean leader() { return part() == 0; }

    /**
     * The first row of part {@code part} of a batch of {@code n} rows: part p takes rows {@code [rows(n, p), rows(n, p + 1))},
     * so the parts differ by at most one row (and a part of a batch smaller than {@link #parts()} may be empty).
     */
    static int rows(int n, int part, int parts) { return (int) ((long) n * part / parts); }

    /**
     * Replaces {@code gradients} on every process with the sum over processes of {@code scale * gradients}, and
     * {@code stats} with its sum over processes. A process whose part of the batch holds r of the batch's n rows passes
     * {@code scale = r / n} and the gradient of its rows' mean loss, so the sum is the gradient of the whole batch's mean
     * loss; {@code stats} carries the loss summed over its rows and its correct predictions.
     */
    void sumGradients(float[] gradients, float scale, double[] stats);

    /** Replaces {@code values} with their sum over processes (evaluation's loss sums and counts). */
    void sum(double[] values);

    /**
     * At the end of each epoch: averages {@code state} (running statistics) over the processes in place, and checks that
     * {@code parameters} agree on every process, overwriting them with process 0's where they do not (and saying so).
     */
    void endEpoch(float[] parameters, float[] state);
}
