package dev.kiln.compiled;

import java.util.List;

/**
 * A training step of a chain of dense layers on two cores, each owning half of every layer's output
 * features: its rows of the weight matrix, their gradients and their optimizer state never leave its
 * cache. Only activations and gradients with respect to activations cross between the cores:
 * <ul>
 *   <li>forward: each core computes its columns of a layer's output (bias and activation in generated code), then
 *   both wait for each other, since the next layer reads every column;</li>
 *   <li>this thread computes the loss and its gradient on the full output;</li>
 *   <li>backward: each core turns its columns of {@code dL/d(output)} into deltas, its weight and bias gradients,
 *   and its partial sum of {@code dL/d(input)}; after a meeting point each core adds the two partial sums over
 *   the columns it owns in the layer below;</li>
 *   <li>each core then updates its own parameters.</li>
 * </ul>
 * A batch of 8 is too small to split by rows: then each core would have to read every weight the other had
 * just written, and on this machine moving those cache lines cost more than the arithmetic saved.
 */
final class ColumnSplitStep implements Runnable {
    private final CompiledModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final DenseLayer[] layers;
    /** Core 0 owns output features {@code [0, split[l])} of layer l, core 1 the rest. */
    private final int[] split;
    private final int outputs, phases;
    /** Per layer, {@code [rows, out]}: outputs; deltas; the summed gradient of the output (both cores write own columns). */
    private float[][] act, delta, grad;
    /** Per core and layer, {@code [rows, in]}: that core's partial sum of the layer's input gradient. */
    private float[][][] partial;
    private int capacity;

    // The step being run: written by this thread before SecondCore.post publishes them.
    private float[] x, y, gradOut;
    private int rows;
    private long base;
    private volatile boolean aborted, workerFailed;
    /** How far each core has got: {@code base + phase}. */
    private volatile long progress0, progress1;
    private double lossSum;
    private int correct;

    ColumnSplitStep(CompiledModel model, Loss loss, Optimizer optimizer) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        List<DenseLayer> chain = model.denseChain();
        this.layers = chain.toArray(DenseLayer[]::new);
        this.split = new int[layers.length];
        for (int l = 0; l < layers.length; l++) {
            int out = layers[l].out();
            // Vector-sized halves where the layer is wide enough, so neither core's columns start mid-vector.
            split[l] = out >= 16 ? out / 2 & ~7 : out / 2;
        }
        this.outputs = layers[layers.length - 1].out();
        // forward: one meeting per layer; the loss; backward: one per layer above the first.
        this.phases = 2 * layers.length + 1;
        prepare(model.capacity());
    }

    void prepare(int batchSize) {
        if (batchSize <= capacity) return;
        capacity = batchSize;
        int count = layers.length;
        act = new float[count][];
        delta = new float[count][];
        grad = new float[count][];
        partial = new float[2][count][];
        for (int l = 0; l < count; l++) {
            act[l] = new float[batchSize * layers[l].out()];
            delta[l] = new float[batchSize * layers[l].out()];
            grad[l] = new float[batchSize * layers[l].out()];
            partial[0][l] = new float[batchSize * layers[l].in()];
            partial[1][l] = new float[batchSize * layers[l].in()];
        }
    }

    int correct() { return correct; }

    /** One step on {@code n} rows (at most the prepared batch) with the second core the caller acquired; returns the mean loss. */
    float step(SecondCore core, float[] x, float[] y, int n, float[] gradOut) {
        this.x = x;
        this.y = y;
        this.gradOut = gradOut;
        this.rows = n;
        this.aborted = false;
        this.workerFailed = false;
        base += phases;
        core.post(this);
        try {
            work(0);
        } catch (RuntimeException | Error e) {
            aborted = true;
            progress0 = base + phases; // releases the second core from every meeting point of this step
            try {
                core.join();
            } catch (RuntimeException | Error second) {
                e.addSuppressed(second);
            }
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
            workerFailed = true;
            progress1 = base + phases;
            throw e;
        }
    }

    private void work(int core) {
        int count = layers.length;
        float[] params = model.parameterBuffer(), grads = model.gradientBuffer();
        for (int l = 0; l < count; l++) {
            DenseLayer d = layers[l];
            int lo = lo(core, l), hi = hi(core, l);
            if (hi > lo) {
                float[] in = l == 0 ? x : act[l - 1];
                Dense.matmulNT(in, 0, rows, d.in(), params, d.weight() + lo * d.in(), hi - lo, act[l], lo, d.out(), false);
                model.denseEpilogue(l, act[l], rows, lo, hi);
            }
            meet(core, l + 1);
        }
        if (core == 0) lossAndBegin();
        meet(core, count + 1);
        if (aborted) return;
        for (int l = count - 1; l >= 0; l--) {
            DenseLayer d = layers[l];
            int lo = lo(core, l), hi = hi(core, l);
            if (hi > lo) {
                float[] g = gradOut;
                if (l < count - 1) {
                    sumPartials(l + 1, lo, hi, d.out());
                    g = grad[l];
                }
                model.denseActivationBackward(l, act[l], g, delta[l], rows, lo, hi);
                if (d.bias() >= 0) Dense.columnSums(delta[l], lo, d.out(), rows, hi - lo, grads, d.bias() + lo, false);
                Dense.matmulTN(delta[l], lo, d.out(), hi - lo, rows, l == 0 ? x : act[l - 1], 0, d.in(), grads,
                        d.weight() + lo * d.in(), false);
                if (l > 0) {
                    Dense.matmulNN(delta[l], lo, d.out(), rows, hi - lo, params, d.weight() + lo * d.in(), d.in(),
                            partial[core][l], 0, false);
                }
            } else if (l > 0) {
                java.util.Arrays.fill(partial[core][l], 0, rows * d.in(), 0f); // owns no columns: adds nothing
            }
            if (l > 0) meet(core, count + 1 + (count - l));
        }
        if (core == 0 && workerFailed) return; // the join rethrows; no half-step update
        for (int l = 0; l < count; l++) {
            DenseLayer d = layers[l];
            int lo = lo(core, l), hi = hi(core, l);
            if (hi == lo) continue;
            optimizer.update(params, grads, d.weight() + lo * d.in(), d.weight() + hi * d.in());
            if (d.bias() >= 0) optimizer.update(params, grads, d.bias() + lo, d.bias() + hi);
        }
    }

    /** The loss on the full output (this thread only); the step counts for the optimizer once it has succeeded. */
    private void lossAndBegin() {
        float[] output = act[layers.length - 1];
        lossSum = loss.sumAndGradient(output, y, 0, rows, outputs, gradOut, rows);
        correct = loss.classification() ? Trainer.countCorrect(output, y, 0, rows, outputs) : 0;
        optimizer.begin();
    }

    /** {@code grad[l][:, lo:hi] = partial[0][above] + partial[1][above]} over those columns. */
    private void sumPartials(int above, int lo, int hi, int width) {
        float[] p0 = partial[0][above], p1 = partial[1][above], g = grad[above - 1];
        for (int r = 0, o = 0; r < rows; r++, o += width) {
            for (int j = o + lo, end = o + hi; j < end; j++) g[j] = p0[j] + p1[j];
        }
    }

    private int lo(int core, int l) { return core == 0 ? 0 : split[l]; }

    private int hi(int core, int l) { return core == 0 ? split[l] : layers[l].out(); }

    /** Marks this core at {@code phase} of the step and waits until the other one is too. */
    private void meet(int core, int phase) {
        long target = base + phase;
        if (core == 0) {
            progress0 = target;
            while (progress1 < target) Thread.onSpinWait();
        } else {
            progress1 = target;
            while (progress0 < target) Thread.onSpinWait();
        }
    }
}
