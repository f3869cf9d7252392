package dev.kiln.tensor;

/**
 * bfloat16 bit patterns held in a {@code short}: the top 16 bits of a float32 (8 exponent bits, 7 mantissa bits).
 * Conversions follow c10's {@code BFloat16}: widening is exact, narrowing rounds to nearest even and turns every
 * NaN into the quiet NaN {@code 0x7FC0}. A double narrows through float32 first, as PyTorch's casts do.
 */
public final class BFloat16 {
    private BFloat16() {}

    /** The exact float32 value of bfloat16 {@code bits}. */
    public static float toFloat(short bits) { return Float.intBitsToFloat((bits & 0xFFFF) << 16); }

    /** {@code v} rounded to the nearest bfloat16 (ties to even), as c10's {@code round_to_nearest_even}. */
    public static short fromFloat(float v) {
        if (Float.isNaN(v)) return (short) 0x7FC0;
        int u = Float.floatToRawIntBits(v);
        int bias = ((u >>> 16) & 1) + 0x7FFF;
        return (short) ((u + bias) >>> 16);
    }

    /** {@code v} as float32 and then bfloat16, the double rounding PyTorch's double-to-bfloat16 cast does. */
    public static short fromDouble(double v) { return fromFloat((float) v); }
}
