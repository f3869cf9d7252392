package dev.kiln.train;

import dev.kiln.tensor.Tensor;

import java.util.Locale;

/** Counts of (true class, predicted class) pairs; rows are true classes, as scikit-learn lays it out. */
public final class ConfusionMatrix {
    private final long[][] counts;

    public ConfusionMatrix(int numClasses) {
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        this.counts = new long[numClasses][numClasses];
    }

    /** Adds a batch: predictions as class indices [N] or scores [N, C]; targets int64 [N]. */
    public ConfusionMatrix update(Tensor predictions, Tensor targets) {
        long[] p = Metrics.classes(predictions).reshape(-1).toLongArray();
        long[] t = targets.reshape(-1).toLongArray();
        if (p.length != t.length) {
            throw new IllegalArgumentException("confusion matrix: " + p.length + " predictions but " + t.length + " targets");
        }
        for (int i = 0; i < p.length; i++) {
            check(t[i], "target", i);
            check(p[i], "prediction", i);
            counts[(int) t[i]][(int) p[i]]++;
        }
        return this;
    }

    private void check(long c, String what, int row) {
        if (c < 0 || c >= counts.length) {
            throw new IllegalArgumentException(what + " " + c + " at row " + row + " is not a class in [0, " + counts.length + ")");
        }
    }

    public long get(int trueClass, int predictedClass) { return counts[trueClass][predictedClass]; }

    public int numClasses() { return counts.length; }

    public long total() {
        long n = 0;
        for (long[] row : counts) for (long c : row) n += c;
        return n;
    }

    /** The diagonal over the total. */
    public double accuracy() {
        long right = 0;
        for (int i = 0; i < counts.length; i++) right += counts[i][i];
        return right / (double) total();
    }

    /** Of the samples predicted as {@code c}, the fraction that are {@code c} (NaN when none were). */
    public double precision(int c) {
        long col = 0;
        for (long[] row : counts) col += row[c];
        return counts[c][c] / (double) col;
    }

    /** Of the samples of class {@code c}, the fraction predicted as {@code c}. */
    public double recall(int c) {
        long row = 0;
        for (long v : counts[c]) row += v;
        return counts[c][c] / (double) row;
    }

    /** A right-aligned table: one row per true class, one column per predicted class. */
    @Override public String toString() {
        int width = Math.max(4, Long.toString(total()).length() + 1);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%6s", "true\\pred"));
        for (int c = 0; c < counts.length; c++) sb.append(String.format(Locale.ROOT, "%" + width + "d", c));
        for (int r = 0; r < counts.length; r++) {
            sb.append('\n').append(String.format(Locale.ROOT, "%9d", r));
            for (long v : counts[r]) sb.append(String.format(Locale.ROOT, "%" + width + "d", v));
        }
        return sb.toString();
    }
}
