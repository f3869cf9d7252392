package dev.kiln.compiled;

import dev.kiln.train.ProgressBar;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The per-batch progress bar of one compiled training epoch ({@link ProgressBar}: redrawn on a terminal; in logs, lines only
 * while an epoch is slow, else the trainer's line per epoch alone). Formatting the running loss allocates, so the bar hears from about 50 batches an epoch rather
 * than every one: between updates a batch costs a counter check, and the training step stays allocation-free.
 */
final class EpochProgress {
    private static final int UPDATES = 50;
    private static final EpochProgress SILENT = new EpochProgress(null, 1);

    private final ProgressBar bar;
    private final int total, stride;
    private int done;

    private EpochProgress(ProgressBar bar, int total) {
        this.bar = bar;
        this.total = total;
        this.stride = Math.max(1, total / UPDATES);
    }

    /** A bar for {@code epoch} of {@code epochs} over {@code batches} batches, or a silent one when {@code log} is null. */
    static EpochProgress start(PrintStream log, int epoch, int epochs, int batches) {
        if (log == null) return SILENT;
        String label = String.format(Locale.ROOT, "epoch %" + String.valueOf(epochs).length() + "d/%d", epoch, epochs);
        // Carriage-return redraws only make sense on the console itself, not in a log file or a captured stream.
        return new EpochProgress(new ProgressBar(label, batches, log, log == System.out && ProgressBar.isTerminal()), batches);
    }

    /** One more batch done; {@code lossSum} over the {@code seen} samples so far gives the running mean loss. */
    void batch(double lossSum, long seen) {
        if (bar == null) return;
        done++;
        if (done % stride == 0 || done == total) bar.update(done, String.format(Locale.ROOT, "loss %.4f", lossSum / seen));
    }
}
