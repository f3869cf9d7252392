package dev.kiln.nn;

/**
 * The error function to double precision (within 2 ulps of glibc's {@code erf} over the range
 * checked by the tests), for the exact form of GELU. Java's standard library has no erf.
 *
 * <p>Two classical expansions, each used where it converges fast and without cancellation:
 * the Maclaurin series below 1, and Laplace's continued fraction for erfc from 1 up (erf is then
 * {@code 1 - erfc}, and erfc is small enough that its rounding does not reach erf's last bit).
 * At 6 and beyond, erf rounds to 1.
 */
final class Erf {
    private Erf() {}

    /** 2/sqrt(pi) split into a head and a tail so that the final scaling adds no rounding error of its own. */
    private static final double TWO_OVER_SQRT_PI_HI = 1.1283791670955126;
    private static final double TWO_OVER_SQRT_PI_LO = 1.533545961316588e-17;
    private static final double INV_SQRT_PI = 0.5641895835477563;

    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        double r = a < 1 ? maclaurin(a) : a >= 6 ? 1.0 : 1.0 - erfcContinuedFraction(a);
        return x < 0 ? -r : r;
    }

    /** erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), summed smallest term first. */
    private static double maclaurin(double x) {
        double x2 = x * x;
        double[] terms = new double[40];
        double t = x;
        terms[0] = x;
        int n = 0;
        while (n + 1 < terms.length) {
            n++;
            t *= -x2 / n;
            terms[n] = t / (2 * n + 1);
            if (Math.abs(terms[n]) < 1e-17 * x) break;
        }
        double s = 0;
        for (int i = n; i >= 0; i--) s += terms[i];
        return Math.fma(TWO_OVER_SQRT_PI_HI, s, TWO_OVER_SQRT_PI_LO * s);
    }

    /**
     * erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the
     * bottom with enough levels for full precision at each x (fewer as x grows). exp(-x^2) is
     * corrected for the rounding of x^2, which would otherwise cost up to x^2 ulps.
     */
    private static double erfcContinuedFraction(double x) {
        int levels = x < 1.5 ? 200 : x < 2 ? 100 : x < 3 ? 60 : 30;
        double k = x;
        for (int i = levels; i > 0; i--) k = x + (i * 0.5) / k;
        double sq = x * x;
        double sqError = Math.fma(x, x, -sq);
        double e = Math.exp(-sq) * (1 - sqError);
        return e * INV_SQRT_PI / k;
    }
}
