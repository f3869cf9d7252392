package dev.kiln.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-epoch values of each metric (loss, accuracy, learning rate, ...), in the order first recorded, and whether
 * training stopped early. Both trainers, eager ({@link Trainer}) and compiled ({@code dev.kiln.compiled.Trainer}),
 * return one, so their runs print, save and plot alike.
 */
public final class History {
    private final Map<String, List<Double>> series = new LinkedHashMap<>();
    private boolean stoppedEarly;

    /** Appends one epoch's value of {@code metric}. */
    public History record(String metric, double value) {
        series.computeIfAbsent(metric, k -> new ArrayList<>()).add(value);
        return this;
    }

    public List<Double> get(String metric) {
        List<Double> v = series.get(metric);
        if (v == null) throw new IllegalArgumentException("no metric '" + metric + "' in history; have " + series.keySet());
        return List.copyOf(v);
    }

    public double last(String metric) {
        List<Double> v = get(metric);
        return v.get(v.size() - 1);
    }

    /** Records that training ended before its last epoch (early stopping). */
    public History markStoppedEarly() {
        stoppedEarly = true;
        return this;
    }

    public boolean stoppedEarly() { return stoppedEarly; }

    public int epochs() { return series.values().stream().mapToInt(List::size).max().orElse(0); }

    public java.util.Set<String> metrics() { return java.util.Collections.unmodifiableSet(series.keySet()); }

    /** Draws the named metrics against the epoch number into one PNG chart. */
    public void plot(Path png, String title, String... metrics) throws IOException {
        Map<String, double[]> lines = new LinkedHashMap<>();
        int n = 0;
        for (String m : metrics) {
            double[] v = get(m).stream().mapToDouble(Double::doubleValue).toArray();
            lines.put(m, v);
            n = v.length;
        }
        double[] x = Plots.indices(n);
        for (int i = 0; i < n; i++) x[i] = i + 1;
        Plots.lines(png, title, "epoch", String.join(", ", metrics), x, lines);
    }

    /**
     * One JSON object of arrays, e.g. {"loss":[0.9,0.5],"accuracy":[0.6,0.8]}, with {@code "stopped_early":true}
     * after them when training stopped early.
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{");
        for (var e : series.entrySet()) {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(e.getKey()).append("\":[");
            for (int i = 0; i < e.getValue().size(); i++) {
                sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6g", e.getValue().get(i)));
            }
            sb.append(']');
        }
        if (stoppedEarly) sb.append(sb.length() > 1 ? "," : "").append("\"stopped_early\":true");
        return sb.append('}').toString();
    }
}
