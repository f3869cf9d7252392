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
        for (int epoch = 1; epoch <= epochs; epoch++) {
            model.train();
            ProgressBar bar = progress ? new ProgressBar(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), train.size(), out, ProgressBar.isTerminal()) : null;
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batch = 0;
            for (Tensor[] batchXy : train) {
                Tensor[] xy = {batchXy[0].to(device), batchXy[1].to(device)};
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
            out.println(line);
        }
        return history;
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
