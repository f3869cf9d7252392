package dev.kiln.backend.cpu;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Trainer;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;

/**
 * A training step on two cores: this thread runs the first half of the batch's rows on the model, the
 * {@link SecondCore} runs the second half on a {@link CompiledModel#replica replica} that shares the
 * parameters. Each writes the gradient of the whole batch's mean for its rows into its own gradient
 * buffer; once both are done, each core sums the two buffers over half of the parameters and applies the
 * optimizer there. So the step has two meeting points, both waits on volatile counters ({@link SpinWait}): a step of
 * tens of microseconds cannot afford a lock or a wake-up.
 *
 * <p>Only for models whose rows are independent (no BatchNorm, no dropout). The summed gradient differs
 * from the one-core step only by float rounding (two partial sums instead of one).
 */
public final class RowSplitStep implements Runnable {
    private final CompiledModel model, replica;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int in, out, targetSize;
    private float[] replicaX = new float[0], replicaGradOut = new float[0];

    // The step being run, written by the main thread before SecondCore.post publishes it.
    private float[] x, y;
    private int rows, split, step;
    private final int paramSplit;
    private boolean aborted;
    // The replica's results, published by the volatile write of replicaDone.
    private double replicaLoss;
    private int replicaCorrect;
    private boolean replicaOk;
    private volatile int mainDone, replicaDone;
    private int correct;

    public RowSplitStep(CompiledModel model, Loss loss, Optimizer optimizer) {
        this.model = model;
        this.replica = model.replica();
        this.loss = loss;
        this.optimizer = optimizer;
        this.in = model.inputSize();
        this.out = model.outputSize();
        this.targetSize = loss.targetSize(out);
        int params = model.parameterBuffer().length;
        // Each core updates one half; a cache-line boundary between them keeps the cores off each other's lines.
        this.paramSplit = params / 2 & ~63;
        prepare(model.capacity());
    }

    /** Sizes the replica's activations and its slice of the batch for batches of up to {@code batchSize}. */
    public void prepare(int batchSize) {
        int half = batchSize - batchSize / 2;
        replica.ensureCapacity(half);
        if (replicaX.length < half * in) {
            replicaX = new float[half * in];
            replicaGradOut = new float[half * out];
        }
    }

    /** Correct predictions of the last step (classification losses). */
    public int correct() { return correct; }

    /** One step on {@code n >= 2} rows with the second core the caller acquired; returns the mean loss. */
    public float step(SecondCore core, float[] x, float[] y, int n, float[] gradOut) {
        if (replica.isTraining() != model.isTraining()) replica.train(model.isTraining());
        this.x = x;
        this.y = y;
        this.rows = n;
        this.split = n / 2;
        this.aborted = false;
        int stepNo = ++step;
        core.post(this);
        double mainLoss;
        try {
            float[] output = model.forward(x, split);
            mainLoss = loss.sumAndGradient(output, y, 0, split, out, gradOut, n);
            correct = loss.classification() ? Trainer.countCorrect(output, y, 0, split, out) : 0;
            model.backwardParameters(gradOut, split);
        } catch (RuntimeException | Error e) {
            abort(stepNo);
            core.joinAfter(e);
            throw e;
        }
        for (long t = 0; replicaDone != stepNo; ) t = SpinWait.pause(t);
        if (!replicaOk) {
            abort(stepNo);
            core.join(); // rethrows the replica's exception
        }
        // Only now, with both halves through, does the step count: a failed step leaves the optimizer as it was.
        optimizer.begin();
        mainDone = stepNo;
        sumAndUpdate(0, paramSplit);
        core.join();
        correct += replicaCorrect;
        return (float) ((mainLoss + replicaLoss) / loss.meanDivisor(n, out));
    }

    /** Tells the second core, waiting to update its half of the parameters, that this step is off. */
    private void abort(int stepNo) {
        aborted = true;
        mainDone = stepNo;
    }

    /** The second core's half: rows {@code [split, rows)} on the replica, then its half of the update. */
    @Override
    public void run() {
        int stepNo = step;
        replicaOk = false;
        try {
            int n = rows - split;
            System.arraycopy(x, split * in, replicaX, 0, n * in);
            float[] output = replica.forward(replicaX, n);
            replicaLoss = loss.sumAndGradient(output, y, split * targetSize, n, out, replicaGradOut, rows);
            replicaCorrect = loss.classification() ? Trainer.countCorrect(output, y, split * targetSize, n, out) : 0;
            replica.backwardParameters(replicaGradOut, n);
            replicaOk = true;
        } finally {
            replicaDone = stepNo;
        }
        for (long t = 0; mainDone != stepNo; ) t = SpinWait.pause(t);
        if (!aborted) sumAndUpdate(paramSplit, model.parameterBuffer().length);
    }

    /** Adds the replica's gradients into the model's over {@code [from, to)} and updates those parameters. */
    private void sumAndUpdate(int from, int to) {
        Dense.addInto(replica.gradientBuffer(), from, model.gradientBuffer(), from, to - from);
        optimizer.updateInChunks(model.parameterBuffer(), model.gradientBuffer(), from, to);
    }
}
