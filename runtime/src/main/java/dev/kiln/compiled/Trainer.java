package dev.kiln.compiled;

import dev.kiln.backend.cpu.FeatureSplitStep;
import dev.kiln.backend.cpu.RowSplitStep;
import dev.kiln.backend.cpu.SecondCore;
import dev.kiln.backend.cpu.CoreBalance;

import dev.kiln.backend.Device;
import dev.kiln.data.DataLoader;
import dev.kiln.optim.lr.LRScheduler;
import dev.kiln.runtime.VectorApi;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.GradientReducer;
import dev.kiln.train.History;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Drives a {@link CompiledModel}: shuffled mini-batches, the fused loss, backward, one optimizer pass
 * over the flat buffer. All batch buffers are allocated when the trainer is built or on the first
 * {@link #fit}, so {@link #step} allocates nothing. While logging, a progress bar follows the batches of each epoch
 * and a summary line ends it; {@link #fit} returns the eager toolkit's {@link History}, so compiled and eager runs
 * save and plot alike.
 */
public final class Trainer {
    private final CompiledModel model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final int in, out, targetSize;
    private float[] xBatch = new float[0], yBatch = new float[0], gradOut = new float[0];
    private int correctInLastStep, coresInLastStep;
    private PrintStream log = System.out;
    private boolean progress = true;
    private long shuffleSeed = 0;
    private float[] valX = new float[0], valY = new float[0];
    private int patience;
    private double minDelta;
    private Path checkpoint;
    private java.util.function.IntToDoubleFunction lrSchedule;
    private LRScheduler scheduler;
    private RowSplitStep rowSplit;
    private FeatureSplitStep featureSplit;
    private DeviceStep deviceStep;
    private Device device = Device.CPU;

    /** A trainer on the device named by {@code -Dkiln.device} or {@code KILN_DEVICE}, else the CPU. */
    public Trainer(CompiledModel model, Loss loss, Optimizer optimizer) { this(model, loss, optimizer, Device.fromEnvironment()); }

    /** A trainer whose steps run on {@code device} (see {@link #device(Device)}). */
    public Trainer(CompiledModel model, Loss loss, Optimizer optimizer, Device device) {
        VectorApi.require();
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.in = model.inputSize();
        this.out = model.outputSize();
        this.targetSize = loss.targetSize(out);
        int[] outShape = model.outputShape();
        if (loss.classification() && outShape != null && outShape.length != 1) {
            throw new IllegalArgumentException("cross-entropy needs the model's output to be [N, classes] but "
                    + modelName() + " produces " + shape("N", outShape) + ": add a @Flatten layer before the last @Linear "
                    + "(a @Linear acts on the last dimension only)");
        }
        optimizer.bind(model.parameterBuffer().length);
        threads(2);
        if (!device.isCpu()) device(device);
    }

    /**
     * Where steps run: {@link Device#CPU} (the default, or {@code -Dkiln.device} / {@code KILN_DEVICE}) or a device,
     * whose buffers then hold the parameters, gradients, optimizer state and activations. {@link #evaluate},
     * checkpoints and the end of {@code fit} copy the parameters back into the model's host buffer. A device that
     * cannot start, or a model the compiler wrote no device program for, throws a DeviceException saying why:
     * nothing falls back to the CPU.
     */
    public Trainer device(Device device) {
        if (reducer != null && !device.isCpu()) {
            throw new UnsupportedOperationException("distributed training runs on the CPU for now, not on " + device);
        }
        if (deviceStep != null) {
            deviceStep.syncToHost();
            deviceStep.close();
            deviceStep = null;
        }
        if (!device.isCpu()) {
            deviceStep = new DeviceStep(model, loss, optimizer, device);
            if (xBatch.length > 0) deviceStep.prepare(xBatch.length / in);
        }
        this.device = device;
        return this;
    }

    /** The device steps run on. */
    public Device device() { return device; }

    /** Copies a device's parameters into the model's host buffer (a no-op on the CPU); fit and evaluate do it. */
    public void syncToHost() {
        if (deviceStep != null) deviceStep.syncToHost();
    }

    /**
     * A learning-rate scheduler of {@code optim.lr} stepped once per epoch, after it, as the eager trainer does:
     * {@code trainer.scheduler(opt -> new StepLR(opt, 15, 0.5))}. The function gets the optimizer's
     * {@link Optimizer#optim() torch.optim face}, whose parameter group the compiled optimizer reads at every step.
     */
    public Trainer scheduler(Function<? super dev.kiln.optim.Optimizer<?>, ? extends LRScheduler> make) {
        return scheduler(make.apply(optimizer.optim()));
    }

    /**
     * A scheduler built on this trainer's {@code optimizer().optim()} ({@code new StepLR(trainer.optimizer().optim(), 15,
     * 0.5)}), stepped once per epoch; a scheduler of another optimizer is refused.
     */
    public Trainer scheduler(LRScheduler scheduler) {
        if (scheduler != null && scheduler.optimizer() != optimizer.optim()) {
            throw new IllegalArgumentException("the scheduler drives another optimizer: build it on this trainer's "
                    + "optimizer().optim(), or pass a function: trainer.scheduler(opt -> new StepLR(opt, 15, 0.5))");
        }
        this.scheduler = scheduler;
        return this;
    }

    /** The scheduler stepped after each epoch, or null. */
    public LRScheduler scheduler() { return scheduler; }

    /**
     * The learning rate for each epoch (0-based), set before the epoch starts, e.g. a step decay
     * {@code e -> 1e-3 * Math.pow(0.5, e / 15)} as {@code StepLR(optimizer, 15, 0.5)} gives.
     *
     * @deprecated use an {@code optim.lr} scheduler, as in PyTorch: {@code scheduler(opt -> new StepLR(opt, 15, 0.5))}.
     */
    @Deprecated
    public Trainer lrSchedule(java.util.function.IntToDoubleFunction lrAtEpoch) { this.lrSchedule = lrAtEpoch; return this; }

    /** Where the progress bar and per-epoch lines go; {@code null} silences them. */
    public Trainer log(PrintStream log) { this.log = log; return this; }

    /** Whether to draw the per-batch progress bar while logging (on by default); the epoch lines stay. */
    public Trainer progress(boolean on) { this.progress = on; return this; }

    /** Seed of the shuffling stream (independent of the weights' seed). */
    public Trainer shuffleSeed(long seed) { this.shuffleSeed = seed; return this; }

    /** A held-out set: evaluated after every epoch, and what early stopping and checkpoints watch. */
    public Trainer validation(float[] x, float[] y) { this.valX = x; this.valY = y; return this; }

    /** Stops when the watched loss has not improved by {@code minDelta} for {@code patience} epochs. */
    public Trainer earlyStopping(int patience, double minDelta) {
        if (patience < 1) throw new IllegalArgumentException("patience must be at least 1, got " + patience);
        this.patience = patience;
        this.minDelta = minDelta;
        return this;
    }

    /** Saves the model atomically to {@code path} whenever the watched loss reaches a new best. */
    public Trainer checkpoint(Path path) { this.checkpoint = path; return this; }

    public Optimizer optimizer() { return optimizer; }

    /**
     * Trains on {@code x} of shape {@code [N, ...input shape]} (or {@code [N, inputSize]} flattened) and {@code y}: class
     * indices {@code [N]} for cross-entropy, {@code [N, ...output shape]} for MSE.
     */
    public History fit(Tensor x, Tensor y, int epochs, int batchSize) {
        checkTensors(x, y);
        return fit(x.toFloatArray(), y.toFloatArray(), epochs, batchSize);
    }

    /**
     * Trains for up to {@code epochs} epochs on {@code x} ({@code samples * inputSize} floats) and
     * {@code y} (one class index per sample for cross-entropy, {@code outputSize} floats for MSE).
     */
    public History fit(float[] x, float[] y, int epochs, int batchSize) {
        checkEpochs(epochs);
        int samples = checkData(x, y);
        prepare(batchSize);
        int[] order = new int[samples];
        for (int i = 0; i < samples; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(shuffleSeed);
        return runEpochs(epochs, samples, (samples + batchSize - 1) / batchSize, (bar, epoch) -> {
            shuffle(order, rng);
            double lossSum = 0;
            long correct = 0;
            for (int start = 0; start < samples; start += batchSize) {
                int n = Math.min(batchSize, samples - start);
                float value;
                if (reducer != null) {
                    value = reducedStep(x, y, order, start, n);
                    if (!Float.isFinite(value)) throw notFinite(value, epoch, start / batchSize + 1, rowsHere, order, start + firstRowHere);
                } else {
                    gather(x, y, order, start, n);
                    value = step(xBatch, yBatch, n);
                    if (!Float.isFinite(value)) throw notFinite(value, epoch, start / batchSize + 1, n, order, start);
                }
                lossSum += (double) value * n;
                correct += correctInLastStep;
                bar.batch(lossSum, start + n);
            }
            return new double[] {lossSum, correct};
        });
    }

    /**
     * Trains over the batches of an eager {@link DataLoader} (its shuffling, batch size and
     * drop_last): each batch's tensors are copied into the planned batch buffers, so this path
     * allocates per batch, unlike the array path.
     */
    public History fit(DataLoader loader, int epochs) {
        checkEpochs(epochs);
        int samples = loader.dropLast() ? loader.size() * loader.batchSize() : loader.dataset().size();
        prepare(loader.batchSize());
        return runEpochs(epochs, samples, loader.size(), (bar, epoch) -> {
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batch = 0;
            for (Tensor[] xy : loader) {
                batch++;
                int n = xy[0].size(0);
                float[] bx = xy[0].toFloatArray(), by = xy[1].toFloatArray();
                checkBatch(bx, by, n, epoch, batch);
                float value;
                if (reducer != null) {
                    value = reducedStep(bx, by, null, 0, n);
                    if (!Float.isFinite(value)) throw notFinite(value, epoch, batch, rowsHere, null, 0);
                } else {
                    System.arraycopy(bx, 0, xBatch, 0, bx.length);
                    System.arraycopy(by, 0, yBatch, 0, by.length);
                    value = step(xBatch, yBatch, n);
                    if (!Float.isFinite(value)) throw notFinite(value, epoch, batch, n, null, 0);
                }
                lossSum += (double) value * n;
                correct += correctInLastStep;
                seen += n;
                bar.batch(lossSum, seen);
            }
            return new double[] {lossSum, correct};
        });
    }

    /** One pass over the training data: returns {loss summed over samples, correct predictions}. */
    private interface EpochPass {
        double[] run(EpochProgress bar, int epoch);
    }

    /**
     * The epoch loop shared by both fits: LR schedule or scheduler, progress bar, validation, history (loss, accuracy, lr, val_loss,
     * val_accuracy, seconds per epoch; accuracy only for classification, val_* only with a validation set),
     * checkpoints, early stopping.
     */
    private History runEpochs(int epochs, int samples, int batches, EpochPass pass) {
        if (lrSchedule != null && scheduler != null) {
            throw new IllegalStateException("both lrSchedule and scheduler are set: keep the scheduler");
        }
        PrintStream log = reducer == null || reducer.leader() ? this.log : null;
        History history = new History();
        double best = Double.POSITIVE_INFINITY;
        int sinceBest = 0;
        model.train(true);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            if (lrSchedule != null) {
                double lr = lrSchedule.applyAsDouble(epoch - 1);
                if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException("lrSchedule must give a finite learning rate >= 0, but gave " + lr
                            + " for epoch " + epoch + " (its argument " + (epoch - 1) + ")");
                }
                optimizer.setLr(lr);
            }
            long t0 = System.nanoTime();
            double[] sums = pass.run(EpochProgress.start(progress ? log : null, epoch, epochs, batches), epoch);
            if (reducer != null) reducer.endEpoch(model.parameterBuffer(), model.stateBuffer());
            double seconds = (System.nanoTime() - t0) / 1e9;
            history.record("loss", sums[0] / samples);
            if (loss.classification()) history.record("accuracy", sums[1] / samples);
            history.record("lr", optimizer.lr());
            if (scheduler != null) scheduler.step();
            if (valX.length > 0) {
                Evaluation ev = evaluate(valX, valY);
                history.record("val_loss", ev.loss());
                ev.accuracy().ifPresent(a -> history.record("val_accuracy", a));
            }
            history.record("seconds", seconds);
            if (log != null) log.println(progressLine(history, epoch, epochs, samples));
            double watched = valX.length > 0 ? history.last("val_loss") : history.last("loss");
            if (watched < best - minDelta) {
                best = watched;
                sinceBest = 0;
                saveCheckpoint();
            } else if (patience > 0 && ++sinceBest >= patience) {
                history.markStoppedEarly();
                if (log != null) log.printf(Locale.ROOT, "early stopping: no improvement for %d epochs%n", patience);
                break;
            }
        }
        syncToHost();
        return history;
    }

    private void checkBatch(float[] bx, float[] by, int n, int epoch, int batch) {
        if (bx.length != n * in || by.length != n * targetSize) {
            throw new IllegalArgumentException("batch " + batch + " of epoch " + epoch + " has " + n + " samples with "
                    + bx.length + " input values (expected " + n * in + ") and " + by.length + " target values (expected "
                    + n * targetSize + ")");
        }
        if (loss.classification()) {
            for (int r = 0; r < n; r++) {
                if (!isClass(by[r], out)) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "label %s at epoch %d, batch %d, row %d "
                            + "of the batch: %s", by[r], epoch, batch, r, classRule()));
                }
            }
        }
    }

    private static void checkEpochs(int epochs) {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
    }

    /** Whether {@code label} is a class index: a whole number in {@code [0, classes)} (NaN is not). */
    private static boolean isClass(float label, int classes) {
        return label >= 0 && label < classes && label == (float) Math.rint(label);
    }

    private String classRule() {
        return "cross-entropy takes class indices, whole numbers in [0, " + out + ") for " + modelName() + "'s " + out
                + " outputs";
    }

    /**
     * The error for a non-finite loss: names the first row of the batch holding a non-finite input or target (and,
     * given {@code order}, its sample in the data set), else says that training diverged.
     */
    private IllegalStateException notFinite(float value, int epoch, int batch, int n, int[] order, int start) {
        String head = String.format(Locale.ROOT, "loss is %s at epoch %d, batch %d", value, epoch, batch);
        for (int r = 0; r < n; r++) {
            String where = order == null ? "row " + r + " of the batch" : "sample " + order[start + r] + " (row " + r + " of the batch)";
            for (int j = 0; j < in; j++) {
                float v = xBatch[r * in + j];
                if (!Float.isFinite(v)) return new IllegalStateException(head + ": x of " + where + " holds " + v + " at input " + j);
            }
            for (int j = 0; j < targetSize; j++) {
                float v = yBatch[r * targetSize + j];
                if (!Float.isFinite(v)) return new IllegalStateException(head + ": y of " + where + " holds " + v + " at target " + j);
            }
        }
        return new IllegalStateException(head + ": training diverged with finite inputs and targets (lower the learning rate "
                + optimizer.lr() + ", or standardise the features)");
    }

    /** Shapes of a Tensor fit: x {@code [N, ...input]} or {@code [N, inputSize]}, y to match, the same N. */
    private void checkTensors(Tensor x, Tensor y) {
        int[] xs = x.shape().toArray(), ys = y.shape().toArray();
        int[] inShape = model.inputShape();
        int[] expectX = inShape != null ? inShape : new int[] {in};
        boolean xOk = xs.length >= 1 && (java.util.Arrays.equals(tail(xs), expectX) || java.util.Arrays.equals(tail(xs), new int[] {in}));
        if (!xOk) {
            throw new IllegalArgumentException("x has shape " + java.util.Arrays.toString(xs) + " but " + modelName() + " takes "
                    + shape("N", expectX) + (expectX.length > 1 ? " (or [N, " + in + "] flattened)" : ""));
        }
        int[] outShape = model.outputShape();
        boolean yOk;
        String expectY;
        if (loss.classification()) {
            yOk = ys.length == 1 || ys.length == 2 && ys[1] == 1;
            expectY = "[N] (class indices)";
        } else {
            int[] o = outShape != null ? outShape : new int[] {out};
            yOk = ys.length >= 1 && (java.util.Arrays.equals(tail(ys), o) || java.util.Arrays.equals(tail(ys), new int[] {out})
                    || out == 1 && ys.length == 1);
            expectY = shape("N", o);
        }
        if (!yOk) {
            throw new IllegalArgumentException("y has shape " + java.util.Arrays.toString(ys) + " but " + loss.getClass().getSimpleName()
                    + " on " + modelName() + "'s output " + shape("N", outShape != null ? outShape : new int[] {out}) + " takes " + expectY);
        }
        if (xs[0] != ys[0]) {
            throw new IllegalArgumentException("x has " + xs[0] + " samples (shape " + java.util.Arrays.toString(xs) + ") but y has "
                    + ys[0] + " (shape " + java.util.Arrays.toString(ys) + ")");
        }
    }

    private static int[] tail(int[] shape) { return java.util.Arrays.copyOfRange(shape, 1, shape.length); }

    private static String shape(String batch, int[] dims) {
        StringBuilder sb = new StringBuilder("[").append(batch);
        for (int d : dims) sb.append(", ").append(d);
        return sb.append(']').toString();
    }

    private String modelName() { return model.getClass().getSimpleName(); }

    /**
     * One optimisation step on the first {@code n} samples of the batch arrays: forward, fused loss and
     * gradient, backward, optimizer. Returns the mean loss. Allocates nothing after {@link #prepare}; without it, the
     * first step of a new largest batch sizes the buffers (and the model's activations) itself.
     */
    public float step(float[] x, float[] y, int n) {
        checkStep(x, y, n);
        if (gradOut.length < n * out) prepare(n); // a first step without prepare(): sized once, then allocation-free
        if (deviceStep != null) {
            coresInLastStep = 0;
            float value = deviceStep.step(x, y, n);
            correctInLastStep = deviceStep.correct();
            return value;
        }
        boolean features = featureSplit != null && n <= FEATURE_SPLIT_MAX_ROWS;
        boolean split = features || rowSplit != null && n >= MIN_ROW_SPLIT_ROWS;
        if (split && (long) n * model.parameterBuffer().length >= MIN_SPLIT_WORK) {
            SecondCore core = SecondCore.tryAcquire();
            if (core != null) {
                coresInLastStep = 2;
                try {
                    if (features) {
                        float value = featureSplit.step(core, x, y, n);
                        correctInLastStep = featureSplit.correct();
                        return value;
                    }
                    float value = rowSplit.step(core, x, y, n, gradOut);
                    correctInLastStep = rowSplit.correct();
                    return value;
                } finally {
                    core.release();
                }
            }
        }
        coresInLastStep = 1;
        float[] output = model.forward(x, n);
        float value = loss.forwardBackward(output, y, n, out, gradOut);
        correctInLastStep = loss.classification() ? countCorrect(output, y, 0, n, out) : 0;
        model.backwardParameters(gradOut, n);
        optimizer.step(model.parameterBuffer(), model.gradientBuffer());
        return value;
    }

    private void checkStep(float[] x, float[] y, int n) {
        if (n < 1) throw new IllegalArgumentException("a step needs at least one sample, got " + n);
        if (x.length < n * in || y.length < n * targetSize) {
            throw new IllegalArgumentException("a step on " + n + " samples needs " + n * in + " input values (" + in
                    + " a sample) and " + n * targetSize + " target values, got " + x.length + " and " + y.length);
        }
    }

    /** How many cores ran the last {@link #step}: 2 where it was split (see {@link #threads}), 0 on a device, else 1. */
    public int coresInLastStep() { return coresInLastStep; }

    /** Where a feature-split step cuts each layer between the cores, or null where steps are not split so. */
    public CoreBalance coreBalance() { return featureSplit == null ? null : featureSplit.balance(); }

    /**
     * Batches up to this size of a chain of dense layers split each layer's output features between the cores
     * ({@link FeatureSplitStep}); larger ones, and other models, split the batch's rows ({@link RowSplitStep}). With
     * few rows a row split makes each core read every weight the other has just updated, for little arithmetic per
     * weight: at batch 8 the phone-price MLP's row split ran 0.6x to 1.4x the one-core rate from one JVM run to the
     * next, its feature split 1.4x to 1.6x.
     */
    private static final int FEATURE_SPLIT_MAX_ROWS = 32;

    /** Rows from which a model that is not a dense chain splits its batch's rows between the cores. */
    private static final int MIN_ROW_SPLIT_ROWS = 16;

    /**
     * Rows times parameters below which a step stays on one core: the two meeting points of a split step cost
     * about a microsecond, more than a tiny model's whole step (the phone-price MLP at batch 8 is 300k).
     */
    private static final long MIN_SPLIT_WORK = 1 << 16;

    /**
     * How many cores a step may use: 2 (the default, where the machine has two processors) splits each step between
     * this thread and a second core, by features for a small batch of a dense chain, else by rows where the model's
     * rows are independent; 1 keeps steps on this thread.
     */
    public Trainer threads(int threads) {
        if (threads != 1 && threads != 2) throw new IllegalArgumentException("threads must be 1 or 2, got " + threads);
        rowSplit = threads == 2 && model.rowsIndependent() ? new RowSplitStep(model, loss, optimizer) : null;
        featureSplit = threads == 2 && model.denseChain().size() >= 2 ? new FeatureSplitStep(model, loss, optimizer) : null;
        if (xBatch.length > 0) prepare(xBatch.length / in);
        return this;
    }

    /** Sizes the batch buffers and the model's activations for batches of up to {@code batchSize}. */
    public void prepare(int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        model.ensureCapacity(batchSize);
        if (xBatch.length < batchSize * in) {
            xBatch = new float[batchSize * in];
            yBatch = new float[batchSize * targetSize];
            gradOut = new float[batchSize * out];
        }
        if (deviceStep != null) deviceStep.prepare(batchSize);
        if (rowSplit != null) rowSplit.prepare(batchSize);
        if (featureSplit != null) featureSplit.prepare(Math.min(batchSize, FEATURE_SPLIT_MAX_ROWS));
    }

    /** Mean loss and accuracy over a data set in eval mode (dropout off, running statistics); restores the mode. */
    public Evaluation evaluate(float[] x, float[] y) {
        syncToHost();
        int samples = checkData(x, y);
        boolean wasTraining = model.isTraining();
        model.train(false);
        int chunk = Math.max(1, model.capacity());
        prepare(chunk);
        double lossSum = 0;
        long correct = 0;
        int from = 0, to = samples;
        if (reducer != null) { // each process evaluates its part of the data; the sums are added up below
            from = GradientReducer.rows(samples, reducer.part(), reducer.parts());
            to = GradientReducer.rows(samples, reducer.part() + 1, reducer.parts());
        }
        for (int start = from; start < to; start += chunk) {
            int n = Math.min(chunk, to - start);
            System.arraycopy(x, start * in, xBatch, 0, n * in);
            System.arraycopy(y, start * targetSize, yBatch, 0, n * targetSize);
            float[] output = model.forward(xBatch, n);
            lossSum += (double) loss.forwardBackward(output, yBatch, n, out, gradOut) * n;
            if (loss.classification()) correct += countCorrect(output, yBatch, 0, n, out);
        }
        model.train(wasTraining);
        if (reducer != null) {
            double[] sums = {lossSum, correct};
            reducer.sum(sums);
            lossSum = sums[0];
            correct = Math.round(sums[1]);
        }
        return new Evaluation(lossSum / samples,
                loss.classification() ? OptionalDouble.of((double) correct / samples) : OptionalDouble.empty());
    }

    public Evaluation evaluate(Tensor x, Tensor y) { return evaluate(x.toFloatArray(), y.toFloatArray()); }

    /** The number of samples, after checking that x and y agree on it and, for cross-entropy, every label. */
    private int checkData(float[] x, float[] y) {
        if (x.length == 0) throw new IllegalArgumentException("x is empty: no samples");
        int samples = x.length / in;
        if (x.length % in != 0 || y.length != samples * targetSize) {
            StringBuilder msg = new StringBuilder("x has " + x.length + " floats (" + modelName() + " takes " + in + " a sample");
            msg.append(x.length % in == 0 ? ", so " + samples + " samples)" : ", and that is not a whole number of samples)");
            msg.append(" but y has ").append(y.length).append(" floats (").append(targetSize).append(" a sample");
            int rows = y.length % targetSize == 0 ? y.length / targetSize : 0;
            if (rows > 0) msg.append(", so ").append(rows).append(" samples");
            msg.append(')');
            // The same data with rows of the wrong length: y's count is then the real one, and x is what is wrong.
            if (rows > 0 && x.length % rows == 0) {
                msg.append(": if x holds ").append(rows).append(" rows, each has ").append(x.length / rows)
                        .append(" floats where ").append(in).append(" are expected");
            }
            throw new IllegalArgumentException(msg.toString());
        }
        if (loss.classification()) {
            for (int r = 0; r < samples; r++) {
                if (!isClass(y[r], out)) {
                    throw new IllegalArgumentException("y[" + r + "], the label of sample " + r + ", is " + y[r] + ": " + classRule());
                }
            }
        }
        return samples;
    }

    private void gather(float[] x, float[] y, int[] order, int start, int n) {
        for (int r = 0; r < n; r++) {
            int s = order[start + r];
            System.arraycopy(x, s * in, xBatch, r * in, in);
            System.arraycopy(y, s * targetSize, yBatch, r * targetSize, targetSize);
        }
    }

    /** Rows of {@code output} whose argmax is the class index at {@code y[yOffset + row]}. */
    public static int countCorrect(float[] output, float[] y, int yOffset, int n, int out) {
        int correct = 0;
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int j = 1; j < out; j++) if (output[r * out + j] > output[r * out + best]) best = j;
            if (best == (int) y[yOffset + r]) correct++;
        }
        return correct;
    }

    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private void saveCheckpoint() {
        if (checkpoint == null || reducer != null && !reducer.leader()) return;
        syncToHost();
        try {
            Checkpoints.save(checkpoint, model);
        } catch (IOException e) {
            throw new UncheckedIOException("could not save checkpoint " + checkpoint, e);
        }
    }

    // ---- Several processes (dev.kiln.distributed.Distributed): each computes its part of every batch ----

    private GradientReducer reducer;
    private final double[] stepStats = new double[2];
    private int firstRowHere, rowsHere;

    /**
     * Spreads training over the processes of {@code reducer} (a {@code Distributed} job): every process walks the same
     * shuffled batches (so all must use the same {@link #shuffleSeed}), computes the gradient of its part of each batch on
     * one core, and after each backward {@link GradientReducer#sumGradients} makes it the whole batch's gradient on every
     * process before the optimizer steps; the batch size stays the whole job's. Running statistics are averaged at each
     * epoch's end, {@link #evaluate} splits its data the same way and adds up the sums, and only the leader (rank 0) logs
     * and writes checkpoints. Every process must call {@code fit} and {@code evaluate} alike. A job of one process, or
     * {@code null}, trains as without it. CPU only for now.
     */
    public Trainer distributed(GradientReducer reducer) {
        if (reducer != null && reducer.parts() > 1 && deviceStep != null) {
            throw new UnsupportedOperationException("distributed training runs on the CPU for now; this trainer runs on " + device);
        }
        this.reducer = reducer != null && reducer.parts() > 1 ? reducer : null;
        return this;
    }

    /** The reducer training is spread over, or null for a single process. */
    public GradientReducer distributed() { return reducer; }

    /**
     * One step on this process's rows of the batch {@code order[start, start + n)} (rows {@code [start, start + n)} of
     * {@code x} without an order): forward, loss and backward on them, the gradients summed over processes weighted by
     * their shares of the batch, then the optimizer. Returns the whole batch's mean loss; {@link #correctInLastStep}
     * counts the whole batch.
     */
    private float reducedStep(float[] x, float[] y, int[] order, int start, int n) {
        int lo = GradientReducer.rows(n, reducer.part(), reducer.parts()), hi = GradientReducer.rows(n, reducer.part() + 1, reducer.parts());
        int rows = hi - lo;
        firstRowHere = lo;
        rowsHere = rows;
        if (xBatch.length < Math.max(1, rows) * in) prepare(Math.max(1, rows));
        float[] grads = model.gradientBuffer();
        stepStats[0] = 0;
        stepStats[1] = 0;
        if (rows > 0) {
            if (order != null) {
                gather(x, y, order, start + lo, rows);
            } else {
                System.arraycopy(x, (start + lo) * in, xBatch, 0, rows * in);
                System.arraycopy(y, (start + lo) * targetSize, yBatch, 0, rows * targetSize);
            }
            float[] output = model.forward(xBatch, rows);
            float value = loss.forwardBackward(output, yBatch, rows, out, gradOut);
            stepStats[0] = (double) value * rows;
            stepStats[1] = loss.classification() ? countCorrect(output, yBatch, 0, rows, out) : 0;
            model.backwardParameters(gradOut, rows);
        } else {
            java.util.Arrays.fill(grads, 0f); // a batch smaller than the job: nothing here, but the sum still needs us
        }
        reducer.sumGradients(grads, (float) rows / n, stepStats);
        optimizer.step(model.parameterBuffer(), grads);
        coresInLastStep = 1;
        correctInLastStep = (int) Math.round(stepStats[1]);
        return (float) (stepStats[0] / n);
    }

    /** The summary line of the epoch just recorded in {@code h}. */
    private static String progressLine(History h, int epoch, int epochs, int samples) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "epoch %" + String.valueOf(epochs).length() + "d/%d  loss %.4f", epoch, epochs, h.last("loss")));
        for (String[] m : new String[][] {{"accuracy", "acc"}, {"val_loss", "val_loss"}, {"val_accuracy", "val_acc"}}) {
            if (h.metrics().contains(m[0])) sb.append(String.format(Locale.ROOT, "  %s %.4f", m[1], h.last(m[0])));
        }
        sb.append(String.format(Locale.ROOT, "  %.0f samples/s", samples / Math.max(h.last("seconds"), 1e-9)));
        return sb.toString();
    }
}
