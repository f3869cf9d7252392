package dev.kiln.tensor;

import java.util.Objects;

/**
 * PyTorch's print options ({@code torch.set_printoptions}), as immutable values plus one mutable
 * process-wide default that {@link TensorFormatter#repr(PrintInput)} reads, the way torch's module
 * global {@code PRINT_OPTS} is read by {@code repr(t)}.
 */
public final class PrintOptions {

    /** torch's defaults: precision 4, threshold 1000, edgeitems 3, linewidth 80, sci_mode auto. */
    public static final PrintOptions DEFAULT = new PrintOptions(4, 1000, 3, 80, null);

    // volatile: a setting made on one thread must be seen by printing on another.
    private static volatile PrintOptions current = DEFAULT;

    private final int precision;
    private final double threshold;
    private final int edgeItems;
    private final int linewidth;
    private final Boolean sciMode;

    private PrintOptions(int precision, double threshold, int edgeItems, int linewidth, Boolean sciMode) {
        if (precision < 0) throw new IllegalArgumentException("precision must be >= 0, got " + precision);
        if (Double.isNaN(threshold)) throw new IllegalArgumentException("threshold must not be NaN");
        // torch accepts 0 but then breaks: it fails to stack nothing for 2-D and up, and for 1-D
        // its self[-0:] slice prints every element after the "...".
        if (edgeItems < 1) throw new IllegalArgumentException("edgeitems must be >= 1, got " + edgeItems);
        this.precision = precision;
        this.threshold = threshold;
        this.edgeItems = edgeItems;
        this.linewidth = linewidth;
        this.sciMode = sciMode;
    }

    /** The options {@code repr} uses now. */
    public static PrintOptions current() { return current; }

    /** Makes {@code options} the default for every later {@code repr}. */
    public static void set(PrintOptions options) { current = Objects.requireNonNull(options, "options"); }

    /** Back to {@link #DEFAULT}, like {@code torch.set_printoptions(profile="default")}. */
    public static void reset() { current = DEFAULT; }

    /**
     * {@code torch.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)}
     * argument for argument: null leaves an option as it is, a profile is applied before the
     * others, and, as in torch, sciMode is always assigned, so leaving it null returns it to auto.
     */
    public static void set(Integer precision, Double threshold, Integer edgeItems, Integer linewidth,
                           String profile, Boolean sciMode) {
        PrintOptions o = profile == null ? current : profile(profile);
        if (precision != null) o = o.withPrecision(precision);
        if (threshold != null) o = o.withThreshold(threshold);
        if (edgeItems != null) o = o.withEdgeItems(edgeItems);
        if (linewidth != null) o = o.withLinewidth(linewidth);
        current = o.withSciMode(sciMode);
    }

    /** torch's named profiles: {@code default}, {@code short} (precision 2, edgeitems 2) and {@code full} (no summarising). */
    public static PrintOptions profile(String name) {
        return switch (name) {
            case "default" -> DEFAULT;
            case "short" -> new PrintOptions(2, 1000, 2, 80, null);
            case "full" -> new PrintOptions(4, Double.POSITIVE_INFINITY, 3, 80, null);
            default -> throw new IllegalArgumentException("unknown print profile '" + name + "'");
        };
    }

    /** Digits after the point, in fixed and in scientific notation. */
    public int precision() { return precision; }

    /** Tensors with more elements than this are summarised with "..."; may be infinite. */
    public double threshold() { return threshold; }

    /** How many items a summarised dimension shows at each end. */
    public int edgeItems() { return edgeItems; }

    /** Characters per line that 1-D rows are wrapped to. */
    public int linewidth() { return linewidth; }

    /** TRUE or FALSE to force scientific notation on or off; null lets each tensor decide. */
    public Boolean sciMode() { return sciMode; }

    public PrintOptions withPrecision(int p) { return new PrintOptions(p, threshold, edgeItems, linewidth, sciMode); }

    public PrintOptions withThreshold(double t) { return new PrintOptions(precision, t, edgeItems, linewidth, sciMode); }

    public PrintOptions withEdgeItems(int e) { return new PrintOptions(precision, threshold, e, linewidth, sciMode); }

    public PrintOptions withLinewidth(int w) { return new PrintOptions(precision, threshold, edgeItems, w, sciMode); }

    public PrintOptions withSciMode(Boolean s) { return new PrintOptions(precision, threshold, edgeItems, linewidth, s); }

    @Override public boolean equals(Object o) {
        return o instanceof PrintOptions p && p.precision == precision
                && Double.compare(p.threshold, threshold) == 0 && p.edgeItems == edgeItems
                && p.linewidth == linewidth && Objects.equals(p.sciMode, sciMode);
    }

    @Override public int hashCode() { return Objects.hash(precision, threshold, edgeItems, linewidth, sciMode); }

    @Override public String toString() {
        return "PrintOptions[precision=" + precision + ", threshold=" + threshold + ", edgeitems=" + edgeItems
                + ", linewidth=" + linewidth + ", sci_mode=" + (sciMode == null ? "None" : sciMode ? "True" : "False") + "]";
    }
}
