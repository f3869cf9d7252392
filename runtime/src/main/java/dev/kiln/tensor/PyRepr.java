package dev.kiln.tensor;

import java.math.BigDecimal;

/** Python's {@code repr} of the values module reprs print, so that Kiln's reprs read as PyTorch's. */
public final class PyRepr {
    private PyRepr() {}

    /**
     * Python's float repr: the shortest digits that round-trip (Java's {@link Double#toString} finds
     * the same ones since JDK 19), positional when the decimal exponent is in [-4, 16), otherwise
     * scientific with at least two exponent digits ({@code 1e-05}).
     */
    public static String of(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return (1 / v < 0) ? "-0.0" : "0.0";
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - d.scale() - 1;
        String sign = v < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        int abs = Math.abs(exponent);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs < 10 ? "0" : "") + abs;
    }

    public static String of(boolean b) { return b ? "True" : "False"; }

    /** A Python tuple of ints: {@code (4,)} or {@code (3, 4)}. */
    public static String tuple(int[] values) {
        if (values.length == 1) return "(" + values[0] + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) sb.append(i == 0 ? "" : ", ").append(values[i]);
        return sb.append(")").toString();
    }
}
