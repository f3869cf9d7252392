package dev.kiln.tensor.random;

/**
 * Scalar replicas of {@code log256_ps} and {@code sincos256_ps} from PyTorch's
 * {@code avx_mathfun.h} (Cephes polynomials, after Julien Pommier's sse_mathfun), which PyTorch's
 * AVX2 {@code normal_fill} uses for float32 tensors. They are not correctly rounded, so plain
 * {@code Math.log}/{@code Math.sin} would give different float32 bits; replaying the same float
 * operations lane by lane gives the same bits.
 *
 * <p>PyTorch builds its AVX2 kernels with {@code -mfma}, and GCC ({@code -ffp-contract=fast} by
 * default) fuses a multiply whose only use is an add or subtract into one FMA. Where both operands
 * of an add are products, the earlier multiply in source order is the one fused (its result stays
 * unrounded), the later one is rounded first. Multiplies feeding another multiply, a square root or
 * a bit operation stay separately rounded. The {@link Math#fma} calls below follow that rule; they
 * were confirmed against 546,000 float32 samples from PyTorch 1.13 on an AVX2 machine, where a
 * version that fused {@code e * q1} instead of {@code y * z} was off in about 1 sample in 1,000.
 */
final class CephesFloatMath {
    private CephesFloatMath() {}

    private static final float MIN_NORM_POS = Float.intBitsToFloat(0x00800000);
    private static final float SQRTHF = 0.707106781186547524f;
    private static final float LOG_P0 = 7.0376836292E-2f;
    private static final float LOG_P1 = -1.1514610310E-1f;
    private static final float LOG_P2 = 1.1676998740E-1f;
    private static final float LOG_P3 = -1.2420140846E-1f;
    private static final float LOG_P4 = +1.4249322787E-1f;
    private static final float LOG_P5 = -1.6668057665E-1f;
    private static final float LOG_P6 = +2.0000714765E-1f;
    private static final float LOG_P7 = -2.4999993993E-1f;
    private static final float LOG_P8 = +3.3333331174E-1f;
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;

    private static final float MINUS_DP1 = -0.78515625f;
    private static final float MINUS_DP2 = -2.4187564849853515625e-4f;
    private static final float MINUS_DP3 = -3.77489497744594108e-8f;
    private static final float SINCOF_P0 = -1.9515295891E-4f;
    private static final float SINCOF_P1 = 8.3321608736E-3f;
    private static final float SINCOF_P2 = -1.6666654611E-1f;
    private static final float COSCOF_P0 = 2.443315711809948E-005f;
    private static final float COSCOF_P1 = -1.388731625493765E-003f;
    private static final float COSCOF_P2 = 4.166664568298827E-002f;
    private static final float FOPI = 1.27323954473516f; // 4 / pi

    /** One lane of {@code log256_ps} for a positive, finite argument (the only kind normal_fill passes). */
    static float log(float x) {
        x = Math.max(x, MIN_NORM_POS); // Cephes flushes denormals; kept so the bits follow PyTorch.
        int bits = Float.floatToRawIntBits(x);
        int exponent = bits >>> 23;
        // Mantissa with the exponent of 0.5: x in [0.5, 1).
        x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f));
        float e = (float) (exponent - 0x7f);
        e = e + 1.0f;
        boolean below = x < SQRTHF;
        float tmp = below ? x : 0.0f;
        x = x - 1.0f;
        e = e - (below ? 1.0f : 0.0f);
        x = x + tmp;

        float z = x * x;
        float y = LOG_P0;
        y = Math.fma(y, x, LOG_P1);
        y = Math.fma(y, x, LOG_P2);
        y = Math.fma(y, x, LOG_P3);
        y = Math.fma(y, x, LOG_P4);
        y = Math.fma(y, x, LOG_P5);
        y = Math.fma(y, x, LOG_P6);
        y = Math.fma(y, x, LOG_P7);
        y = Math.fma(y, x, LOG_P8);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1); // y*z comes first in the source, so it is the fused one
        y = y - z * 0.5f; // exact product: fused or not, the same bits
        x = x + y;
        return Math.fma(e, LOG_Q2, x);
    }

    /**
     * One lane of {@code sincos256_ps}: writes sin(x) to {@code out[0]} and cos(x) to {@code out[1]}.
     * Accurate only for |x| < 8192, which holds for normal_fill's angles in [0, 2*pi).
     */
    static void sincos(float x, float[] out) {
        int signSin = Float.floatToRawIntBits(x) & 0x80000000;
        x = Math.abs(x);
        // Octant index, rounded up to even as Cephes does: j = (int(x * 4/pi) + 1) & ~1.
        int j = (int) (x * FOPI);
        j = (j + 1) & ~1;
        float y = (float) j;
        int swapSin = (j & 4) << 29;
        boolean cosPolyForSin = (j & 2) != 0;

        // Extended-precision reduction x - y*pi/4 with pi/4 split into three parts.
        x = Math.fma(y, MINUS_DP1, x);
        x = Math.fma(y, MINUS_DP2, x);
        x = Math.fma(y, MINUS_DP3, x);

        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSin;

        float z = x * x;
        float c = COSCOF_P0;
        c = Math.fma(c, z, COSCOF_P1);
        c = Math.fma(c, z, COSCOF_P2);
        c = c * z;
        c = Math.fma(c, z, -(z * 0.5f)); // the second c*z is fused, z*0.5 is exact anyway
        c = c + 1.0f;

        float s = SINCOF_P0;
        s = Math.fma(s, z, SINCOF_P1);
        s = Math.fma(s, z, SINCOF_P2);
        s = s * z;
        s = Math.fma(s, x, x);

        // The vector code selects by masking, then subtracts the masked part back out; replayed
        // literally so that even the sign of a zero result matches.
        float sinFromSin = cosPolyForSin ? 0.0f : s;
        float sinFromCos = cosPolyForSin ? c : 0.0f;
        float sinPart = sinFromCos + sinFromSin;
        float cosPart = (c - sinFromCos) + (s - sinFromSin);
        out[0] = Float.intBitsToFloat(Float.floatToRawIntBits(sinPart) ^ signSin);
        out[1] = Float.intBitsToFloat(Float.floatToRawIntBits(cosPart) ^ signCos);
    }
}
