package dev.kiln.tensor;

/**
 * torch's {@code _Formatter}: looks at every element that will be shown once, picks integer mode,
 * scientific mode and a common width, then formats each element right-aligned to that width.
 */
final class ElementFormatter {

    /** torch switches to scientific notation past this ratio of largest to smallest magnitude. */
    private static final double MAX_RATIO = 1000.0;
    private static final double SCI_ABOVE = 1.0e8;
    private static final double SCI_BELOW = 1.0e-4;

    private final boolean floating;
    private final boolean bool;
    private final int precision;
    private boolean intMode = true;
    private boolean sciMode = false;
    private int maxWidth = 1;

    /**
     * @param shown         the elements that will be printed (after summarising), in any order
     * @param shownIntegers the same elements as exact longs (integer dtypes), or null to use {@code shown}
     */
    ElementFormatter(DType dtype, double[] shown, long[] shownIntegers, PrintOptions options) {
        this.floating = dtype.isFloatingPoint();
        this.bool = dtype.isBool();
        this.precision = options.precision();
        if (!floating && shownIntegers != null) {
            for (long v : shownIntegers) maxWidth = Math.max(maxWidth, integral(v).length());
        } else if (!floating) {
            for (double v : shown) maxWidth = Math.max(maxWidth, integral((long) v).length());
        } else if (measureFloats(shown)) {
            // Only reached when some value is finite and non-zero: torch returns before applying
            // a forced sci_mode otherwise, so all-zero tensors stay "0." even with sci_mode=True.
            if (options.sciMode() != null) sciMode = options.sciMode();
        }
    }

    /** Sets the modes and width from the finite non-zero values; false when there are none. */
    private boolean measureFloats(double[] shown) {
        double min = Double.POSITIVE_INFINITY, max = 0;
        int count = 0;
        for (double v : shown) {
            if (!Double.isFinite(v) || v == 0) continue;
            count++;
            double abs = Math.abs(v);
            min = Math.min(min, abs);
            max = Math.max(max, abs);
            if (v != Math.ceil(v)) intMode = false;
        }
        if (count == 0) return false;
        boolean wide = max / min > MAX_RATIO || max > SCI_ABOVE;
        // Integral values never trigger on a small minimum: the smallest is at least 1.
        sciMode = intMode ? wide : wide || min < SCI_BELOW;
        for (double v : shown) {
            if (!Double.isFinite(v) || v == 0) continue;
            int len;
            if (sciMode) len = PyFloatFormat.scientific(v, precision).length();
            else if (intMode) len = PyFloatFormat.fixed(v, 0).length() + 1; // room for the "."
            else len = PyFloatFormat.fixed(v, precision).length();
            maxWidth = Math.max(maxWidth, len);
        }
        return true;
    }

    /** The common width of every formatted element. */
    int width() { return maxWidth; }

    /** One element, right-aligned to {@link #width()}. */
    String format(double v) {
        String s;
        if (!floating) {
            s = integral((long) v);
        } else if (sciMode) {
            s = PyFloatFormat.scientific(v, precision);
        } else if (intMode) {
            // The trailing "." is what tells a float tensor of whole numbers from an integer one.
            s = PyFloatFormat.fixed(v, 0);
            if (Double.isFinite(v)) s += ".";
        } else {
            s = PyFloatFormat.fixed(v, precision);
        }
        return PyFloatFormat.padLeft(s, maxWidth);
    }

    /** An integer or bool element, exactly, right-aligned to {@link #width()}. */
    String format(long v) { return PyFloatFormat.padLeft(integral(v), maxWidth); }

    private String integral(long v) {
        if (bool) return v != 0 ? "True" : "False";
        return Long.toString(v);
    }
}
