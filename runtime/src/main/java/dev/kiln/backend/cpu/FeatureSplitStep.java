package dev.kiln.backend.cpu;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Trainer;
import dev.kiln.compiled.DenseLayer;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;

import java.util.List;

/**
 * A training step of a chain of dense layers on two cores, each owning a block of every layer's output
 * features: its rows of the weight matrix, their gradients and their optimizer state are only ever touched
 * by that core. This is the split for small batches: a row split would make each core read every weight the
 * other just updated, and at batch 8 the arithmetic per weight is too little to pay for that.
 * <ul>
 *   <li>forward: each core computes its block of a layer's output into its own buffer (bias and activation in
 *   generated code), copies it into the shared output, and waits for the other, since the next layer reads every
 *   feature;</li>
 *   <li>both cores compute the loss over the whole (small) output, so no meeting is needed there;</li>
 *   <li>backward: each core turns its block of {@code dL/d(output)} into deltas, its weight and bias gradients
 *   and its partial sum of {@code dL/d(input)}; after a meeting, each core adds the two partial sums over its
 *   block of the layer below;</li>
 *   <li>each core updates its own parameters.</li>
 * </ul>
 * Where each layer is cut between the cores follows their measured speeds ({@link CoreBalance}).
 * The meetings wait on volatile counters ({@link SpinWait}): a step of tens of microseconds cannot afford a lock.
 * Every kernel call works on contiguous blocks, and the element-wise passes are vectorised: a scalar ReLU
 * backward with a data-dependent branch cost as much as the matrix products it sat between.
 */
public final class FeatureSplitStep implements Runnable {
    private final CompiledModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final DenseLayer[] layers;
    /** Where each layer's output features are cut between the cores. */
    private final CoreBalance balance;
    private final int outputs, phases, backwardMeetings;
    /**
     * Whether both cores compute the last layer whole: a narrow output (a few classes) gives each core too little to
     * pay for the two meetings around it, and each core can then take its block of the input gradient from the
     * whole loss gradient without a partial sum.
     */
    private final boolean wholeLast;
    private int capacity;
    /** Per layer, {@code [rows, out]}: the whole output, each core writing its columns. */
    private float[][] act;
    /**
     * Per core and layer, {@code [rows, owned features]}: that core's block of outputs, then of deltas; sized for the
     * whole layer, since the cut moves.
     */
    private float[][][] block;
    /** Per core and layer, {@code [rows, in]}: that core's partial sum of the layer's input gradient. */
    private float[][][] partial;
    /** Per core, {@code [rows, outputs]}: the loss gradient, which both cores compute. */
    private float[][] gradOut;
    /** Per core, {@code [rows, outputs]}: the whole last layer's output, when both cores compute it. */
    private float[][] lastOut;

    // The step being run: written by this thread before SecondCore.post publishes them.
    private float[] x, y;
    private int rows;
    private long base;
    private volatile boolean aborted;
    /** How far each core has got: {@code base} plus the meetings it has reached in the current step. */
    private volatile long progress0, progress1;
    private double lossSum;
    private int correct;
    /** Per core, its waits at the meetings of the current step in nanoseconds, taken off its busy time. */
    private final long[] waited = new long[2];

    /** Output features below which the last layer is computed whole on both cores. */
    private static final int WHOLE_LAST_MAX_OUT = 16;

    public FeatureSplitStep(CompiledModel model, Loss loss, Optimizer optimizer) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        List<DenseLayer> chain = model.denseChain();
        if (chain.size() < 2) throw new IllegalArgumentException("a feature split needs a chain of at least two dense layers");
        this.layers = chain.toArray(DenseLayer[]::new);
        this.balance = new CoreBalance(chain.stream().mapToInt(DenseLayer::out).toArray());
        this.outputs = layers[layers.length - 1].out();
        this.wholeLast = outputs < WHOLE_LAST_MAX_OUT;
        // One meeting after each split layer's forward, one after each backward but the first layer's and a whole last
        // one's; without any of the latter, one before the updates, which read what the optimizer's begin() set on core 0.
        int forwardMeetings = wholeLast ? layers.length - 1 : layers.length;
        this.backwardMeetings = wholeLast ? layers.length - 2 : layers.length - 1;
        this.phases = forwardMeetings + Math.max(1, backwardMeetings);
        prepare(model.capacity());
    }

    /** Sizes the buffers for batches of up to {@code batchSize} rows. */
    public void prepare(int batchSize) {
        if (batchSize <= capacity) return;
        capacity = batchSize;
        int count = layers.length;
        act = new float[count][];
        block = new float[2][count][];
        partial = new float[2][count][];
        gradOut = new float[2][batchSize * outputs];
        lastOut = new float[2][batchSize * outputs];
        for (int l = 0; l < count; l++) {
            act[l] = new float[batchSize * layers[l].out()];
            for (int core = 0; core < 2; core++) {
                block[core][l] = new float[batchSize * layers[l].out()];
                partial[core][l] = new float[batchSize * layers[l].in()];
            }
        }
    }

    /** Correct predictions of the last step (classification losses). */
    public int correct() { return correct; }

    public CoreBalance balance() { return balance; }

    /** One step on {@code n} rows (at most the prepared batch) with the second core the caller acquired; returns the mean loss. */
    public float step(SecondCore core, float[] x, float[] y, int n) {
        this.x = x;
        this.y = y;
        this.rows = n;
        this.aborted = false;
        base += phases + 1;
        balance.nextStep();
        core.post(this);
        try {
            work(0);
        } catch (RuntimeException | Error e) {
            abort(0);
            core.joinAfter(e);
            throw e;
        }
        core.join();
        return (float) (lossSum / loss.meanDivisor(n, outputs));
    }

    @Override
    public void run() {
        try {
            work(1);
        } catch (RuntimeException | Error e) {
            abort(1);
            throw e;
        }
    }

    /** Releases the other core from every meeting of this step and tells it to stop. */
    private void abort(int core) {
        aborted = true;
        if (core == 0) progress0 = base + phases;
        else progress1 = base + phases;
    }

    private void work(int core) {
        long start = System.nanoTime();
        try {
            forward(core);
            float[] output = wholeLast ? lastOut[core] : act[layers.length - 1];
            lossAndGradient(core, output);
            backward(core, output);
            if (backwardMeetings == 0) meet(core);
            update(core);
        } catch (OtherCoreFailed stop) {
            // The other core's exception is the one reported; this core leaves its parameters as they were.
        }
        reportBusy(core, System.nanoTime() - start);
    }

    /** Tells the balance how long this core worked in the step: {@code nanos} less its waits at the meetings. */
    private void reportBusy(int core, long nanos) {
        balance.record(core, nanos - waited[core]);
        waited[core] = 0;
    }

    /** Each core's block of every split layer's output, then the whole last layer on both where it is narrow. */
    private void forward(int core) {
        int count = layers.length, n = rows;
        float[] params = model.parameterBuffer();
        for (int l = 0; l < (wholeLast ? count - 1 : count); l++) {
            DenseLayer d = layers[l];
            int lo = lo(core, l), w = hi(core, l) - lo;
            float[] own = block[core][l];
            Dense.matmulNT(l == 0 ? x : act[l - 1], 0, n, d.in(), params, d.weight() + lo * d.in(), w, own, 0);
            model.denseEpilogue(l, own, n, lo, lo + w);
            ColumnBlocks.toColumns(own, n, w, act[l], d.out(), lo);
            meet(core);
        }
        if (wholeLast) {
            DenseLayer d = layers[count - 1];
            Dense.matmulNT(act[count - 2], 0, n, d.in(), params, d.weight(), outputs, lastOut[core], 0);
            model.denseEpilogue(count - 1, lastOut[core], n, 0, outputs);
        }
    }

    /** Both cores compute the loss gradient; core 0 keeps the loss and accuracy and starts the optimizer's step. */
    private void lossAndGradient(int core, float[] output) {
        double lossValue = loss.sumAndGradient(output, y, 0, rows, outputs, gradOut[core], rows);
        if (core == 0) {
            lossSum = lossValue;
            correct = loss.classification() ? Trainer.countCorrect(output, y, 0, rows, outputs) : 0;
            // The step counts once its loss is known; the next meeting publishes this to the other core.
            optimizer.begin();
        }
    }

    /** Deltas, weight and bias gradients of this core's blocks, layer by layer down, meeting to add partial input gradients. */
    private void backward(int core, float[] output) {
        int count = layers.length, n = rows;
        float[] params = model.parameterBuffer(), grads = model.gradientBuffer(), g = gradOut[core];
        if (wholeLast) model.denseActivationBackward(count - 1, output, g, n, 0, outputs);
        for (int l = count - 1; l >= 0; l--) {
            DenseLayer d = layers[l];
            int lo = lo(core, l), w = hi(core, l) - lo;
            boolean whole = wholeLast && l == count - 1;
            float[] delta = block[core][l];
            if (l == count - 1) {
                ColumnBlocks.fromColumns(g, d.out(), lo, n, w, delta);
            } else if (wholeLast && l == count - 2) {
                // This core's block of the last layer's input gradient, straight from the whole loss gradient.
                DenseLayer last = layers[count - 1];
                ColumnBlocks.productColumns(g, n, outputs, params, last.weight(), last.in(), lo, w, delta);
            } else {
                ColumnBlocks.sumColumns(partial[0][l + 1], partial[1][l + 1], d.out(), lo, n, w, delta);
            }
            if (!whole) model.denseActivationBackward(l, act[l], delta, n, lo, lo + w);
            if (d.bias() >= 0) Dense.columnSums(delta, 0, n, w, grads, d.bias() + lo, false);
            Dense.matmulTN(delta, 0, w, n, l == 0 ? x : act[l - 1], 0, d.in(), grads, d.weight() + lo * d.in(), false);
            if (l > 0 && !whole) {
                Dense.matmulNN(delta, 0, n, w, params, d.weight() + lo * d.in(), d.in(), partial[core][l], 0, false);
                meet(core);
            }
        }
    }

    /** The optimizer over this core's weight rows and biases. */
    private void update(int core) {
        float[] params = model.parameterBuffer(), grads = model.gradientBuffer();
        for (int l = 0; l < layers.length; l++) {
            DenseLayer d = layers[l];
            int lo = lo(core, l), hi = hi(core, l);
            optimizer.update(params, grads, d.weight() + lo * d.in(), d.weight() + hi * d.in());
            if (d.bias() >= 0) optimizer.update(params, grads, d.bias() + lo, d.bias() + hi);
        }
    }

    private int lo(int core, int l) { return core == 0 ? 0 : balance.split(l); }

    private int hi(int core, int l) { return core == 0 ? balance.split(l) : layers[l].out(); }

    /**
     * Marks this core at its next meeting of the step and waits until the other one is there too; throws
     * {@link OtherCoreFailed} when the other core failed, so this one stops without updating anything.
     */
    private void meet(int core) {
        // Each core's progress is only written by that core: a step starts it at base, each meeting adds one.
        long target = Math.max(progress(core), base) + 1;
        if (core == 0) progress0 = target;
        else progress1 = target;
        int other = 1 - core;
        if (progress(other) < target) {
            long start = System.nanoTime();
            for (long t = 0; progress(other) < target; ) t = SpinWait.pause(t);
            // Waiting is not work: the balance compares the cores' busy times.
            waited[core] += System.nanoTime() - start;
        }
        if (aborted) throw OtherCoreFailed.INSTANCE;
    }

    private long progress(int core) { return core == 0 ? progress0 : progress1; }

    /** Unwinds a core's work when the other core failed; one shared instance without a stack trace, as it is no error. */
    private static final class OtherCoreFailed extends RuntimeException {
        static final OtherCoreFailed INSTANCE = new OtherCoreFailed();

        private OtherCoreFailed() { super(null, null, false, false); }
    }
}
