package dev.kiln.compiled;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import dev.kiln.backend.kernels.ImageKernels;
import dev.kiln.backend.kernels.KernelLibrary;
import dev.kiln.backend.kernels.NormKernels;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A training step run on a device from the model's {@link DevicePlan}. Parameters, gradients, optimizer state and
 * activations live in device buffers; a step uploads the batch, runs the plan's steps (library GEMM, convolution,
 * pooling, dropout, normalisation, embedding, softmax and residual kernels, the model's generated epilogue and
 * activation kernels), the fused loss, the backward
 * in reverse order and the optimizer over the flat buffers, and reads back two floats: the loss sum and the correct
 * count. {@link #syncToHost} copies the parameters and BatchNorm's running statistics into the model's host buffers,
 * for evaluation and checkpoints.
 */
final class DeviceStep implements AutoCloseable {
    private static final int GROUP = 64;

    private final CompiledModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final DeviceContext ctx;
    private final KernelLibrary lib;
    private final ImageKernels image;
    private final NormKernels norm;
    private final DevicePlan plan;
    private final Map<String, DeviceKernel> kernels = new HashMap<>();
    private final int in, out, targetSize;
    private final DeviceBuffer params, grads, state, scalars;
    /** BatchNorm's running statistics and batch counts (the model's state buffer), or null without any. */
    private final DeviceBuffer running;
    private final float[] scalarsHost = new float[2];
    /** Per plan buffer: its data and its gradient (null for the input), for {@link #capacity} samples. */
    private final List<DeviceBuffer> data = new ArrayList<>(), grad = new ArrayList<>();
    /**
     * Per op, what it keeps between its forward and backward: dropout masks, max-pool argmax indices, BatchNorm's
     * statistics and (with a fused activation) the gradient at its affine output, LayerNorm's inverse deviations,
     * Embedding's scratch; empty for the others.
     */
    private final List<DeviceBuffer[]> aux = new ArrayList<>();
    private DeviceBuffer y, rowLoss, scratch;
    private int capacity, correct;
    private boolean hostStale;

    /** Opens {@code device} (after checking that the model has a device program) and uploads the parameters. */
    DeviceStep(CompiledModel model, Loss loss, Optimizer optimizer, Device device) {
        this.plan = model.devicePlan();
        if (plan == null) {
            throw new DeviceException(model.getClass().getSimpleName() + " has no device program yet: "
                    + model.deviceUnsupported() + " is not generated for devices; train it on the CPU");
        }
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.ctx = Backends.open(device);
        this.lib = KernelLibrary.on(ctx);
        this.image = ImageKernels.on(ctx);
        this.norm = NormKernels.on(ctx);
        this.in = model.inputSize();
        this.out = model.outputSize();
        this.targetSize = loss.targetSize(out);
        DeviceProgram program = ctx.compile(model.getClass().getSimpleName(), plan.source());
        for (String name : plan.kernelNames()) kernels.put(name, program.kernel(name));
        float[] p = model.parameterBuffer();
        params = ctx.allocate(p.length);
        ctx.upload(p, 0, params, 0, p.length);
        grads = ctx.allocate(p.length);
        // SGD's velocity or Adam's two moments, zero as on the CPU after bind; plain SGD has none.
        long stateFloats = KernelLibrary.stateFloats(optimizer, p.length);
        state = stateFloats == 0 ? null : ctx.allocate(stateFloats);
        if (state != null) lib.fill(state, 0, (int) stateFloats, 0f);
        scalars = ctx.allocate(2);
        float[] st = model.stateBuffer();
        running = st.length == 0 ? null : ctx.allocate(st.length);
        if (running != null) ctx.upload(st, 0, running, 0, st.length);
    }

    /** Sizes the batch and activation buffers for batches of up to {@code batchSize}. */
    void prepare(int batchSize) {
        if (batchSize <= capacity) return;
        releaseActivations();
        for (int b = 0; b < plan.perSample().size(); b++) {
            long floats = (long) batchSize * plan.perSample().get(b);
            data.add(ctx.allocate(floats));
            grad.add(b == plan.input() ? null : ctx.allocate(floats));
        }
        long scratchFloats = 1;
        for (DevicePlan.Op op : plan.ops()) {
            long in = (long) batchSize * plan.perSample().get(op.in());
            switch (op) {
                case DevicePlan.Dropout d -> aux.add(new DeviceBuffer[] {ctx.allocate(in)});
                case DevicePlan.Pool p -> aux.add(new DeviceBuffer[] {ctx.allocate((long) batchSize * plan.perSample().get(p.out()))});
                case DevicePlan.Conv c -> {
                    scratchFloats = Math.max(scratchFloats, convShape(c).scratchFloats(batchSize));
                    aux.add(new DeviceBuffer[0]);
                }
                case DevicePlan.BatchNorm b -> aux.add(b.backward() == null
                        ? new DeviceBuffer[] {ctx.allocate(NormKernels.statisticsFloats(b.channels()))}
                        : new DeviceBuffer[] {ctx.allocate(NormKernels.statisticsFloats(b.channels())), ctx.allocate(in)});
                case DevicePlan.LayerNorm l -> aux.add(new DeviceBuffer[] {ctx.allocate(Math.max(1, in / l.cols()))});
                case DevicePlan.Embedding e -> aux.add(new DeviceBuffer[] {ctx.allocate(Math.max(1, in))});
                default -> aux.add(new DeviceBuffer[0]);
            }
        }
        scratch = ctx.allocate(scratchFloats);
        y = ctx.allocate((long) batchSize * targetSize);
        rowLoss = ctx.allocate(batchSize);
        capacity = batchSize;
    }

    /** One step on the first {@code n} samples; returns the mean loss. */
    float step(float[] xs, float[] ys, int n) {
        prepare(n);
        checkIndices(xs, n);
        ctx.upload(xs, 0, data.get(plan.input()), 0, n * in);
        ctx.upload(ys, 0, y, 0, n * targetSize);
        for (int i = 0; i < plan.ops().size(); i++) forward(plan.ops().get(i), aux.get(i), n);
        DeviceBuffer logits = data.get(plan.output()), gradOut = grad.get(plan.output());
        if (loss instanceof Loss.CrossEntropy) {
            lib.softmaxCrossEntropy(logits, 0, y, 0, n, out, n, gradOut, 0, rowLoss, 0);
            lib.sum(rowLoss, 0, n, scalars, 0);
            lib.countCorrect(logits, 0, y, 0, n, out, scalars, 1);
        } else {
            lib.mse(logits, 0, y, 0, n * out, n * out, gradOut, 0, scalars, 0);
        }
        for (int i = plan.ops().size() - 1; i >= 0; i--) backward(plan.ops().get(i), aux.get(i), n);
        optimizer.begin(); // the host keeps the per-step scalars (bias corrections, first-step momentum)
        lib.update(optimizer, params, 0, grads, 0, state, 0, model.parameterBuffer().length);
        hostStale = true;
        ctx.download(scalars, 0, scalarsHost, 0, loss.classification() ? 2 : 1);
        correct = loss.classification() ? Math.round(scalarsHost[1]) : 0;
        return scalarsHost[0] / loss.meanDivisor(n, out);
    }

    /** An Embedding reading the batch gets whole indices in range: the error names the row, as on the CPU. */
    private void checkIndices(float[] xs, int n) {
        for (DevicePlan.Op op : plan.ops()) {
            if (op instanceof DevicePlan.Embedding e && e.in() == plan.input()) {
                int bad = NormKernels.invalidIndex(xs, 0, n * e.perSample(), e.num());
                if (bad >= 0) {
                    throw new IllegalArgumentException("Embedding index " + xs[bad] + " out of range [0, " + e.num()
                            + ") at sample " + bad / e.perSample() + ", position " + bad % e.perSample());
                }
            }
        }
    }

    private void forward(DevicePlan.Op op, DeviceBuffer[] aux, int n) {
        DeviceBuffer x = data.get(op.in()), o = data.get(op.out());
        switch (op) {
            case DevicePlan.Dense d -> {
                int rows = n * d.rowsPerSample();
                // out[rows, outF] = in[rows, inF] W^T, W stored [outF, inF] in the flat parameter buffer.
                lib.gemm(false, true, rows, d.outF(), d.inF(), x, 0, d.inF(), params, d.weight(), d.inF(), o, 0, d.outF(), false);
                if (d.forward() != null) {
                    DeviceKernel k = kernels.get(d.forward());
                    if (d.pre() >= 0) k.launch1d((long) rows * d.outF(), GROUP, o, params, rows, data.get(d.pre()));
                    else k.launch1d((long) rows * d.outF(), GROUP, o, params, rows);
                }
            }
            case DevicePlan.Conv c -> image.conv2dForward(convShape(c), n, x, 0, params, c.weight(), c.bias(), o, 0, scratch);
            case DevicePlan.Pool p -> image.poolForward(poolShape(p), n, x, 0, o, 0, aux[0]);
            case DevicePlan.Activation a -> {
                int count = n * plan.perSample().get(a.in());
                kernels.get(a.forward()).launch1d(count, GROUP, x, o, count);
            }
            case DevicePlan.Dropout d -> {
                int count = n * plan.perSample().get(d.in());
                // The model's own stream, advanced as the CPU step would, so both draw the same masks.
                image.dropoutForward(count, x, 0, o, 0, aux[0], d.stream().state(), d.p());
                d.stream().skip(count);
            }
            case DevicePlan.BatchNorm b -> {
                // Batch statistics (moving the running ones when tracked), then xhat * gamma + beta into the output,
                // then the fused activation in place; its backward recomputes the pre-activation from xhat.
                norm.batchNormStatistics(n, b.channels(), b.spatial(), x, 0, aux[0], 0, running, b.runningMean(),
                        b.runningVar(), b.count(), b.runningMean() >= 0, b.momentum(), b.eps());
                norm.batchNormForward(n, b.channels(), b.spatial(), x, 0, aux[0], 0, params, b.weight(), b.bias(), o, 0,
                        data.get(b.xhat()), 0);
                int count = n * plan.perSample().get(b.out());
                if (b.forward() != null) kernels.get(b.forward()).launch1d(count, GROUP, o, count);
            }
            case DevicePlan.LayerNorm l -> norm.layerNormForward(rows(l.in(), l.cols(), n), l.cols(), x, 0, params,
                    l.weight(), l.bias(), l.eps(), o, 0, data.get(l.xhat()), 0, aux[0], 0);
            case DevicePlan.Embedding e -> norm.embeddingForward(n * e.perSample(), e.num(), e.dim(), x, 0, params,
                    e.weight(), o, 0);
            case DevicePlan.RowWise r -> {
                if (r.log()) norm.logSoftmax(rows(r.in(), r.cols(), n), r.cols(), x, 0, o, 0);
                else norm.softmax(rows(r.in(), r.cols(), n), r.cols(), x, 0, o, 0);
            }
            case DevicePlan.Residual r -> norm.residualAdd(n * plan.perSample().get(r.out()), x, 0, data.get(r.skip()), 0, o, 0);
        }
    }

    /** Rows of {@code cols} in buffer {@code buffer} for n samples. */
    private int rows(int buffer, int cols, int n) { return n * plan.perSample().get(buffer) / cols; }

    private void backward(DevicePlan.Op op, DeviceBuffer[] aux, int n) {
        DeviceBuffer gOut = grad.get(op.out()), gIn = grad.get(op.in());
        boolean acc = op.accumulate();
        switch (op) {
            case DevicePlan.Dense d -> {
                int rows = n * d.rowsPerSample();
                DeviceBuffer input = data.get(d.in());
                // The output's gradient becomes the pre-activation's, in place: nothing else reads it afterwards.
                if (d.backward() != null) {
                    DeviceBuffer src = d.pre() >= 0 ? data.get(d.pre()) : data.get(d.out());
                    kernels.get(d.backward()).launch1d((long) rows * d.outF(), GROUP, src, gOut, rows);
                }
                // dW[o, i] = delta^T input; db = column sums of delta; d input = delta W.
                lib.gemm(true, false, d.outF(), d.inF(), rows, gOut, 0, d.outF(), input, 0, d.inF(), grads, d.weight(), d.inF(), false);
                if (d.bias() >= 0) lib.columnSums(gOut, 0, rows, d.outF(), grads, d.bias(), false);
                if (gIn != null) lib.gemm(false, false, rows, d.inF(), d.outF(), gOut, 0, d.outF(), params, d.weight(), d.inF(), gIn, 0, d.inF(), acc);
            }
            case DevicePlan.Conv c -> image.conv2dBackward(convShape(c), n, gOut, 0, data.get(c.in()), 0, params, c.weight(),
                    grads, c.weight(), c.bias(), false, gIn, 0, acc, scratch);
            case DevicePlan.Pool p -> {
                if (gIn != null) image.poolBackward(poolShape(p), n, gOut, 0, aux[0], gIn, 0, acc);
            }
            case DevicePlan.Activation a -> {
                if (gIn == null) return;
                int count = n * plan.perSample().get(a.in());
                kernels.get(a.backward()).launch1d(count, GROUP, data.get(a.in()), data.get(a.out()), gOut, gIn, count, acc ? 1 : 0);
            }
            case DevicePlan.Dropout d -> {
                if (gIn != null) image.dropoutBackward(n * plan.perSample().get(d.in()), gOut, 0, aux[0], gIn, 0, acc);
            }
            case DevicePlan.BatchNorm b -> {
                DeviceBuffer dy = gOut, xhat = data.get(b.xhat());
                if (b.backward() != null) {
                    int count = n * plan.perSample().get(b.out());
                    dy = aux[1];
                    kernels.get(b.backward()).launch1d(count, GROUP, xhat, params, gOut, dy, count);
                }
                norm.batchNormBackward(n, b.channels(), b.spatial(), dy, 0, xhat, 0, aux[0], 0, params, b.weight(), grads,
                        b.weight(), b.bias(), false, gIn, 0, acc);
            }
            case DevicePlan.LayerNorm l -> norm.layerNormBackward(rows(l.in(), l.cols(), n), l.cols(), gOut, 0,
                    data.get(l.xhat()), 0, aux[0], 0, params, l.weight(), grads, l.weight(), l.bias(), false, gIn, 0, acc);
            case DevicePlan.Embedding e -> norm.embeddingBackward(n * e.perSample(), e.num(), e.dim(), e.paddingIdx(), gOut, 0,
                    data.get(e.in()), 0, grads, e.weight(), false, aux[0], 0);
            case DevicePlan.RowWise r -> {
                if (gIn == null) return;
                int rows = rows(r.in(), r.cols(), n);
                if (r.log()) norm.logSoftmaxBackward(rows, r.cols(), data.get(r.out()), 0, gOut, 0, gIn, 0, acc);
                else norm.softmaxBackward(rows, r.cols(), data.get(r.out()), 0, gOut, 0, gIn, 0, acc);
            }
            case DevicePlan.Residual r -> {
                int count = n * plan.perSample().get(r.out());
                DeviceBuffer gSkip = grad.get(r.skip());
                if (gIn != null && gSkip != null) norm.residualBackward(count, gOut, 0, gIn, 0, acc, gSkip, 0, r.accumulateSkip());
                else if (gIn != null) norm.accumulateInto(count, gOut, 0, gIn, 0, acc);
                else if (gSkip != null) norm.accumulateInto(count, gOut, 0, gSkip, 0, r.accumulateSkip());
            }
        }
    }

    private static ImageKernels.ConvShape convShape(DevicePlan.Conv c) {
        List<Integer> g = c.geometry();
        return new ImageKernels.ConvShape(g.get(0), g.get(1), g.get(2), g.get(3), g.get(4), g.get(5), g.get(6), g.get(7),
                g.get(8), g.get(9), g.get(10), g.get(11));
    }

    private static ImageKernels.PoolShape poolShape(DevicePlan.Pool p) {
        List<Integer> g = p.geometry();
        return new ImageKernels.PoolShape(p.max(), g.get(0), g.get(1), g.get(2), g.get(3), g.get(4), g.get(5), g.get(6),
                g.get(7), g.get(8), g.get(9), g.get(10), g.get(11), g.get(12), p.countIncludePad());
    }

    /** Correct predictions of the last step (classification losses). */
    int correct() { return correct; }

    /** Copies the device's parameters into the model's host buffer, if a step changed them since the last copy. */
    void syncToHost() {
        if (!hostStale) return;
        float[] p = model.parameterBuffer();
        ctx.download(params, 0, p, 0, p.length);
        float[] st = model.stateBuffer();
        if (running != null) ctx.download(running, 0, st, 0, st.length);
        hostStale = false;
    }

    private void releaseActivations() {
        for (List<DeviceBuffer> list : List.of(data, grad)) {
            for (DeviceBuffer b : list) if (b != null) b.close();
            list.clear();
        }
        for (DeviceBuffer[] kept : aux) for (DeviceBuffer b : kept) b.close();
        aux.clear();
        for (DeviceBuffer b : new DeviceBuffer[] {y, rowLoss, scratch}) if (b != null) b.close();
    }

    @Override
    public void close() {
        releaseActivations();
        for (DeviceBuffer b : new DeviceBuffer[] {params, grads, state, scalars, running}) if (b != null) b.close();
    }
}
