package dev.kiln.backend.cpu;

/** GELU and its derivative in float; Java has no {@code erf}, so it is computed here. */
public final class GeluMath {
    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;
    private static final double SQRT_2_OVER_PI = 0.7978845608028654;

    private GeluMath() {}

    /** {@code erf(x)} to about 1e-7 absolute (Numerical Recipes' erfc Chebyshev fit), enough for float. */
    public static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - r : r - 1.0;
    }

    /** {@code x * Phi(x)}, PyTorch's {@code approximate="none"}. */
    public static float gelu(float x) { return (float) (0.5 * x * (1.0 + erf(x * INV_SQRT2))); }

    public static float geluGrad(float x) {
        return (float) (0.5 * (1.0 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
    }

    /** PyTorch's {@code approximate="tanh"}. */
    public static float geluTanh(float x) {
        double inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        return (float) (0.5 * x * (1.0 + Math.tanh(inner)));
    }

    public static float geluTanhGrad(float x) {
        double inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        double th = Math.tanh(inner);
        double dInner = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x);
        return (float) (0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * dInner);
    }
}
