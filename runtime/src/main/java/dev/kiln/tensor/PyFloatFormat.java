package dev.kiln.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Python's {@code "{:.Nf}"} and {@code "{:.Ne}"} for doubles, digit for digit.
 *
 * <p>Python rounds the exact binary value half-to-even, which {@link BigDecimal#BigDecimal(double)}
 * (exact) plus {@link RoundingMode#HALF_EVEN} reproduces; {@link String#format} would not, as it
 * rounds half-up. Python also keeps the sign of values that round to zero ({@code -0.0000}) and of
 * -0.0, and prints nan without a sign.
 */
final class PyFloatFormat {

    private PyFloatFormat() {}

    /** {@code "{:.<precision>f}".format(v)}. */
    static String fixed(double v, int precision) {
        String special = nonFinite(v);
        if (special != null) return special;
        String digits = new BigDecimal(Math.abs(v)).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
        return sign(v) + digits;
    }

    /** {@code "{:.<precision>e}".format(v)}: one digit, the point, precision digits, e, sign, 2+ exponent digits. */
    static String scientific(double v, int precision) {
        String special = nonFinite(v);
        if (special != null) return special;
        String digits;
        int exponent;
        if (v == 0) {
            digits = "0";
            exponent = 0;
        } else {
            BigDecimal rounded = new BigDecimal(Math.abs(v)).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = rounded.unscaledValue().toString();
            exponent = digits.length() - 1 - rounded.scale();
        }
        // The rounded value may have fewer significant digits than asked for (1.0 is "1"): pad.
        StringBuilder mantissa = new StringBuilder(digits);
        while (mantissa.length() < precision + 1) mantissa.append('0');
        mantissa.setLength(precision + 1);
        StringBuilder out = new StringBuilder(sign(v)).append(mantissa.charAt(0));
        if (precision > 0) out.append('.').append(mantissa, 1, precision + 1);
        out.append('e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) out.append('0');
        return out.append(abs).toString();
    }

    /** Right-aligns {@code s} in {@code width} columns, as Python's {@code (width - len(s)) * " " + s}. */
    static String padLeft(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    private static String nonFinite(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        return null;
    }

    // The sign bit, not v < 0, so that -0.0 prints as "-0...".
    private static String sign(double v) {
        return Double.doubleToRawLongBits(v) < 0 ? "-" : "";
    }
}
