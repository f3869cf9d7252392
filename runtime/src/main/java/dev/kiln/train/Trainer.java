package dev.kiln.train;

import dev.kiln.autograd.GradMode;
import dev.kiln.backend.Device;
import dev.kiln.data.DataLoader;
import dev.kiln.loss.Loss;
import dev.kiln.nn.Module;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.lr.LRScheduler;
import dev.kiln.tensor.Tensor;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The training loop a PyTorch user writes by hand, once: per epoch, forward, loss, backward and
 * an optimizer step over each batch (with a progress bar), then the scheduler step and an
 * evaluation pass; loss and accuracy go into a {@link History}. A NaN or infinite loss stops
 * training with an error naming the epoch and batch, rather than silently training on garbage.
 * Each batch is moved to the device of the model's parameters (the loop's {@code x.to(device)}), so a
 * model moved with {@code model.to(device)} trains there from the same loaders.
 */
public final class Trainer {
    private final Module model;
    private final Loss loss;
    private final Optimizer<?> optimizer;
    private LRScheduler scheduler;
    private boolean classification = true;
    private boolean progress = true;
    private PrintStream out = System.out;

    public Trainer(Module model, Loss loss, Optimizer<?> optimizer) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
    }

    /** A learning-rate schedule stepped once per epoch. */
    public Trainer scheduler(LRScheduler scheduler) { this.scheduler = scheduler; return this; }

    /** Whether to compute accuracy (targets are class indices); true by default. */
    public Trainer classification(boolean on) { this.classification = on; return this; }

    /** Whether to draw a per-batch progress bar; the per-epoch summary line is always printed. */
    public Trainer progress(boolean on) { this.progress = on; return this; }

    public Trainer output(PrintStream out) { this.out = out; return this; }

    /** Trains for {@code epochs}; {@code validation} may be null. */
    public History fit(DataLoader train, int epochs, DataLoader validation) {
        History history = new History();
        Device device = device();
        if (reducer != null && !device.isCpu()) {
            throw new UnsupportedOperationException("distributed training runs on the CPU for now, not on " + device);
        }
        PrintStream out = reducer == null || reducer.leader() ? this.out : null;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            model.train();
            ProgressBar bar = progress && out != null ? new ProgressBar(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), train.size(), out, ProgressBar.isTerminal()) : null;
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batch = 0;
            for (Tensor[] batchXy : train) {
                Tensor[] xy = {batchXy[0].to(device), batchXy[1].to(device)};
                if (reducer != null) {
                    int n = xy[0].size(0);
                    double[] stats = reducedStep(xy, epoch, batch + 1);
                    lossSum += stats[0];
                    correct += Math.round(stats[1]);
                    seen += n;
                    batch++;
                    if (bar != null) bar.update(batch, String.format(Locale.ROOT, "loss %.4f", lossSum / seen));
                    continue;
                }
                optimizer.zeroGrad();
                Tensor output = null, l;
                try {
                    output = model.forward(xy[0]);
                    l = loss.forward(output, xy[1]);
                } catch (IndexOutOfBoundsException e) {
                    throw inBatch(e, epoch, batch + 1, output, xy[1]);
                }
                double value = l.item();
                if (!Double.isFinite(value)) {
                    String head = String.format(Locale.ROOT, "loss is %s at epoch %d, batch %d", value, epoch, batch + 1);
                    String where = nonFinite("x", xy[0]);
                    if (where == null) where = nonFinite("y", xy[1]);
                    // On a device the fused cross-entropy gives NaN for a class id out of range instead of throwing.
                    if (where == null) where = badClassId(output, xy[1]);
                    throw new IllegalStateException(head + (where != null ? ": " + where
                            : ": training diverged (lower the learning rate, check the inputs for NaN, or standardise the features)"));
                }
                l.backward();
                optimizer.step();
                int n = xy[0].size(0);
                lossSum += value * n;
                seen += n;
                if (classification) correct += Math.round(Metrics.accuracy(output.detach(), xy[1]) * n);
                batch++;
                if (bar != null) bar.update(batch, String.format(Locale.ROOT, "loss %.4f", lossSum / seen));
            }
            history.record("loss", lossSum / seen);
            if (classification) history.record("accuracy", correct / (double) seen);
            if (reducer != null) endEpochBuffers();
            history.record("lr", optimizer.getLr(0));
            if (scheduler != null) scheduler.step();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d loss %.4f", epoch, epochs, lossSum / seen));
            if (classification) line.append(String.format(Locale.ROOT, " accuracy %.4f", correct / (double) seen));
            if (validation != null) {
                Evaluation e = evaluate(validation);
                history.record("val_loss", e.loss());
                line.append(String.format(Locale.ROOT, " val_loss %.4f", e.loss()));
                if (classification) {
                    history.record("val_accuracy", e.accuracy());
                    line.append(String.format(Locale.ROOT, " val_accuracy %.4f", e.accuracy()));
                }
            }
            if (out != null) out.println(line);
        }
        return history;
    }

    // ---- Several processes (dev.kiln.distributed.Distributed): each computes its part of every batch ----

    private GradientReducer reducer;

    /**
     * Spreads training over the processes of {@code reducer} (a {@code Distributed} job), as the compiled trainer's
     * {@code distributed} does: every process must iterate the same batches (a loader shuffled by a generator seeded
     * alike on every process, or the default generator after the same {@code manualSeed}); each computes the gradients of
     * its part of each batch, the parameters' gradients are summed over processes weighted by the parts' shares, and the
     * optimizer steps identically everywhere. Floating-point buffers (running statistics) are averaged at each epoch's
     * end; only the leader prints. Evaluation runs whole on every process. CPU only.
     */
    public Trainer distributed(GradientReducer reducer) {
        this.reducer = reducer != null && reducer.parts() > 1 ? reducer : null;
        return this;
    }

    /** This process's part of one batch: forward, backward, the gradients summed over processes, the optimizer step. */
    private double[] reducedStep(Tensor[] xy, int epoch, int batch) {
        int n = xy[0].size(0);
        int lo = GradientReducer.rows(n, reducer.part(), reducer.parts()), hi = GradientReducer.rows(n, reducer.part() + 1, reducer.parts());
        optimizer.zeroGrad();
        double[] stats = new double[2];
        if (hi > lo) {
            Tensor x = xy[0].narrow(0, lo, hi - lo), y = xy[1].narrow(0, lo, hi - lo);
            Tensor output = null, l;
            try {
                output = model.forward(x);
                l = loss.forward(output, y);
            } catch (IndexOutOfBoundsException e) {
                throw inBatch(e, epoch, batch, output, y);
            }
            double value = l.item();
            if (!Double.isFinite(value)) {
                String where = nonFinite("x", x);
                if (where == null) where = nonFinite("y", y);
                throw new IllegalStateException(String.format(Locale.ROOT, "loss is %s at epoch %d, batch %d (rows %d-%d on process %d)%s",
                        value, epoch, batch, lo, hi - 1, reducer.part(), where != null ? ": " + where : ": training diverged"));
            }
            l.backward();
            stats[0] = value * (hi - lo);
            if (classification) stats[1] = Math.round(Metrics.accuracy(output.detach(), y) * (hi - lo));
        }
        var params = model.parameters();
        int total = 0;
        for (Tensor p : params) total += p.numel();
        float[] flat = new float[total];
        int off = 0;
        for (Tensor p : params) {
            if (p.grad() != null) System.arraycopy(p.grad().toFloatArray(), 0, flat, off, p.numel());
            off += p.numel();
        }
        reducer.sumGradients(flat, (float) (hi - lo) / n, stats);
        off = 0;
        try (var ignored = GradMode.noGrad()) {
            for (Tensor p : params) {
                Tensor g = dev.kiln.tensor.Torch.fromArray(java.util.Arrays.copyOfRange(flat, off, off + p.numel()), p.shape().toArray());
                if (p.dtype() != g.dtype()) g = g.to(p.dtype());
                p.setGrad(g);
                off += p.numel();
            }
        }
        optimizer.step();
        if (!Double.isFinite(stats[0])) {
            throw new IllegalStateException(String.format(Locale.ROOT, "loss is %s at epoch %d, batch %d (summed over the processes)",
                    stats[0] / n, epoch, batch));
        }
        return stats;
    }

    /** Averages the floating-point buffers (BatchNorm's running statistics) over the processes; checks the parameters agree. */
    private void endEpochBuffers() {
        java.util.List<Tensor> buffers = new java.util.ArrayList<>();
        for (Tensor b : model.namedBuffers().values()) if (b.isFloatingPoint()) buffers.add(b);
        float[] params = flatten(model.parameters()), state = flatten(buffers);
        reducer.endEpoch(params, state);
        try (var ignored = GradMode.noGrad()) {
            int off = 0;
            for (Tensor b : buffers) {
                float[] v = java.util.Arrays.copyOfRange(state, off, off + b.numel());
                b.copy_(dev.kiln.tensor.Torch.fromArray(v, b.shape().toArray()).to(b.dtype()));
                off += b.numel();
            }
            off = 0;
            for (Tensor p : model.parameters()) { // rank 0's, where endEpoch found them to differ
                float[] v = java.util.Arrays.copyOfRange(params, off, off + p.numel());
                p.copy_(dev.kiln.tensor.Torch.fromArray(v, p.shape().toArray()).to(p.dtype()));
                off += p.numel();
            }
        }
    }

    private static float[] flatten(java.util.List<Tensor> tensors) {
        int total = 0;
        for (Tensor t : tensors) total += t.numel();
        float[] flat = new float[total];
        int off = 0;
        for (Tensor t : tensors) {
            System.arraycopy(t.toFloatArray(), 0, flat, off, t.numel());
            off += t.numel();
        }
        return flat;
    }

    /** Where a batch tensor holds its first NaN or infinity ({@code x row 3 holds NaN}), or null. */
    private static String nonFinite(String name, Tensor t) {
        if (!t.isFloatingPoint() || t.dim() == 0) return null;
        double[] v = t.toDoubleArray();
        int perRow = Math.max(1, v.length / Math.max(1, t.size(0)));
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                return name + " row " + i / perRow + " of the batch holds " + v[i] + " (at element " + i % perRow + " of the row)";
            }
        }
        return null;
    }

    /** The first row of an integer target whose class id is outside {@code [0, classes)} of [N, classes] output, or null. */
    private static String badClassId(Tensor output, Tensor target) {
        if (output == null || output.dim() != 2 || target.dim() != 1 || target.isFloatingPoint()
                || target.dtype() == dev.kiln.tensor.DType.BOOL) {
            return null;
        }
        int classes = output.size(1);
        long[] t = target.toLongArray();
        for (int r = 0; r < t.length; r++) {
            if (t[r] < 0 || t[r] >= classes) return "y row " + r + " of the batch holds class " + t[r] + ", outside [0, " + classes + ")";
        }
        return null;
    }

    /**
     * An index error from the forward or the loss, with the epoch and batch; for a class index out of range, the row of
     * the batch that holds it.
     */
    private static IndexOutOfBoundsException inBatch(IndexOutOfBoundsException e, int epoch, int batch, Tensor output, Tensor target) {
        String base = e.getMessage() == null ? e.toString() : e.getMessage();
        if (base.endsWith(".")) base = base.substring(0, base.length() - 1);
        StringBuilder msg = new StringBuilder(base).append(": epoch ").append(epoch).append(", batch ").append(batch);
        if (output != null && output.dim() == 2 && target.dim() == 1 && !target.isFloatingPoint() && target.dtype() != dev.kiln.tensor.DType.BOOL) {
            int classes = output.size(1);
            long[] t = target.toLongArray();
            for (int r = 0; r < t.length; r++) {
                if (t[r] < 0 || t[r] >= classes) {
                    msg.append(", row ").append(r).append(" of the batch (classes [0, ").append(classes).append("))");
                    break;
                }
            }
        }
        IndexOutOfBoundsException named = new IndexOutOfBoundsException(msg.toString());
        named.initCause(e);
        return named;
    }

    /** Mean loss and accuracy (NaN when not classifying) over a loader, in eval mode without a graph. */
    public Evaluation evaluate(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0, seen = 0;
        Device device = device();
        try (var ignored = GradMode.noGrad()) {
            for (Tensor[] batchXy : data) {
                Tensor[] xy = {batchXy[0].to(device), batchXy[1].to(device)};
                Tensor output = model.forward(xy[0]);
                int n = xy[0].size(0);
                lossSum += loss.forward(output, xy[1]).item() * n;
                if (classification) correct += Math.round(Metrics.accuracy(output, xy[1]) * n);
                seen += n;
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(lossSum / seen, classification ? correct / (double) seen : Double.NaN);
    }

    /** Where the model's parameters live (the CPU for a model without any). */
    private Device device() {
        var params = model.parameters();
        return params.isEmpty() ? Device.CPU : params.getFirst().device();
    }

    /** The result of {@link #evaluate}. */
    public record Evaluation(double loss, double accuracy) {}
}
