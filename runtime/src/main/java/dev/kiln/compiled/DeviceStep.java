package dev.kiln.compiled;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import dev.kiln.backend.kernels.KernelLibrary;

import java.util.ArrayList;
import java.util.List;

/**
 * A training step of a dense chain on a device. Parameters, gradients, optimizer state and activations live in
 * device buffers; a step uploads the batch, runs per layer the library's GEMM and the model's generated bias +
 * activation kernel, the fused loss, the backward (generated activation backward, three GEMM layouts, bias column
 * sums) and the optimizer over the flat buffers, and reads back two floats: the loss sum and the correct count.
 * {@link #syncToHost} copies the parameters into the model's host buffer, for evaluation and checkpoints.
 */
final class DeviceStep implements AutoCloseable {
    private static final int GROUP = 64;

    private final CompiledModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final DeviceContext ctx;
    private final KernelLibrary lib;
    private final List<DenseLayer> layers;
    private final DeviceKernel[] forward, backward;
    private final int in, out, targetSize;
    private final DeviceBuffer params, grads, state, scalars;
    private final float[] scalarsHost = new float[2];
    private List<DeviceBuffer> outs = List.of(), deltas = List.of();
    private DeviceBuffer x, y, rowLoss;
    private int capacity;
    private int correct;
    private boolean hostStale;

    /** Opens {@code device} (after checking that the model has a device program) and uploads the parameters. */
    DeviceStep(CompiledModel model, Loss loss, Optimizer optimizer, Device device) {
        DeviceKernels kernels = model.deviceKernels();
        if (kernels == null || model.denseChain().isEmpty()) {
            throw new DeviceException(model.getClass().getSimpleName() + " has no device program yet: the model compiler "
                    + "writes one for chains of Linear layers with ReLU, Sigmoid, Tanh or LeakyReLU (no convolution, "
                    + "norm, dropout, GELU or sequence); train it on the CPU");
        }
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.ctx = Backends.open(device);
        this.lib = KernelLibrary.on(ctx);
        this.layers = model.denseChain();
        this.in = model.inputSize();
        this.out = model.outputSize();
        this.targetSize = loss.targetSize(out);
        DeviceProgram program = ctx.compile(model.getClass().getSimpleName(), kernels.source());
        forward = new DeviceKernel[layers.size()];
        backward = new DeviceKernel[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            if (kernels.forward().get(l) != null) forward[l] = program.kernel(kernels.forward().get(l));
            if (kernels.backward().get(l) != null) backward[l] = program.kernel(kernels.backward().get(l));
        }
        float[] p = model.parameterBuffer();
        params = ctx.allocate(p.length);
        ctx.upload(p, 0, params, 0, p.length);
        grads = ctx.allocate(p.length);
        // SGD's velocity or Adam's two moments, zero as on the CPU after bind; plain SGD has none.
        long stateFloats = KernelLibrary.stateFloats(optimizer, p.length);
        state = stateFloats == 0 ? null : zeros(stateFloats);
        scalars = ctx.allocate(2);
    }

    private DeviceBuffer zeros(long floats) {
        DeviceBuffer b = ctx.allocate(floats);
        lib.fill(b, 0, (int) floats, 0f);
        return b;
    }

    /** Sizes the batch and activation buffers for batches of up to {@code batchSize}. */
    void prepare(int batchSize) {
        if (batchSize <= capacity) return;
        closeAll(outs);
        closeAll(deltas);
        if (x != null) { x.close(); y.close(); rowLoss.close(); }
        List<DeviceBuffer> o = new ArrayList<>(), d = new ArrayList<>();
        for (DenseLayer layer : layers) {
            o.add(ctx.allocate((long) batchSize * layer.out()));
            d.add(ctx.allocate((long) batchSize * layer.out()));
        }
        outs = o;
        deltas = d;
        x = ctx.allocate((long) batchSize * in);
        y = ctx.allocate((long) batchSize * targetSize);
        rowLoss = ctx.allocate(batchSize);
        capacity = batchSize;
    }

    /** One step on the first {@code n} samples; returns the mean loss. */
    float step(float[] xs, float[] ys, int n) {
        prepare(n);
        ctx.upload(xs, 0, x, 0, n * in);
        ctx.upload(ys, 0, y, 0, n * targetSize);
        int last = layers.size() - 1;
        for (int l = 0; l <= last; l++) {
            DenseLayer d = layers.get(l);
            DeviceBuffer input = l == 0 ? x : outs.get(l - 1);
            // out[n, o] = input[n, i] W^T, W stored [o, i] in the flat parameter buffer.
            lib.gemm(false, true, n, d.out(), d.in(), input, 0, d.in(), params, d.weight(), d.in(), outs.get(l), 0, d.out(), false);
            if (forward[l] != null) forward[l].launch1d((long) n * d.out(), GROUP, outs.get(l), params, n);
        }
        DeviceBuffer gradOut = deltas.get(last);
        if (loss instanceof Loss.CrossEntropy) {
            lib.softmaxCrossEntropy(outs.get(last), 0, y, 0, n, out, n, gradOut, 0, rowLoss, 0);
            lib.sum(rowLoss, 0, n, scalars, 0);
            lib.countCorrect(outs.get(last), 0, y, 0, n, out, scalars, 1);
        } else {
            lib.mse(outs.get(last), 0, y, 0, n * out, n * out, gradOut, 0, scalars, 0);
        }
        for (int l = last; l >= 0; l--) {
            DenseLayer d = layers.get(l);
            DeviceBuffer delta = deltas.get(l), input = l == 0 ? x : outs.get(l - 1);
            if (backward[l] != null) backward[l].launch1d((long) n * d.out(), GROUP, outs.get(l), delta, n);
            // dW[o, i] = delta^T input; db = column sums of delta; d input[n, i] = delta W.
            lib.gemm(true, false, d.out(), d.in(), n, delta, 0, d.out(), input, 0, d.in(), grads, d.weight(), d.in(), false);
            if (d.bias() >= 0) lib.columnSums(delta, 0, n, d.out(), grads, d.bias(), false);
            if (l > 0) lib.gemm(false, false, n, d.in(), d.out(), delta, 0, d.out(), params, d.weight(), d.in(), deltas.get(l - 1), 0, d.in(), false);
        }
        optimizer.begin(); // the host keeps the per-step scalars (bias corrections, first-step momentum)
        lib.update(optimizer, params, 0, grads, 0, state, 0, model.parameterBuffer().length);
        hostStale = true;
        ctx.download(scalars, 0, scalarsHost, 0, loss.classification() ? 2 : 1);
        correct = loss.classification() ? Math.round(scalarsHost[1]) : 0;
        return scalarsHost[0] / loss.meanDivisor(n, out);
    }

    /** Correct predictions of the last step (classification losses). */
    int correct() { return correct; }

    /** Copies the device's parameters into the model's host buffer, if a step changed them since the last copy. */
    void syncToHost() {
        if (!hostStale) return;
        float[] p = model.parameterBuffer();
        ctx.download(params, 0, p, 0, p.length);
        hostStale = false;
    }

    /** Uploads the model's host parameters (after a checkpoint or state dict was loaded on the host). */
    void syncToDevice() {
        float[] p = model.parameterBuffer();
        ctx.upload(p, 0, params, 0, p.length);
        hostStale = false;
    }

    private static void closeAll(List<DeviceBuffer> buffers) { for (DeviceBuffer b : buffers) b.close(); }

    @Override
    public void close() {
        closeAll(outs);
        closeAll(deltas);
        for (DeviceBuffer b : new DeviceBuffer[] {x, y, rowLoss, params, grads, state, scalars}) if (b != null) b.close();
    }
}
