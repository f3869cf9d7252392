package dev.kiln.tensor.random;

/**
 * PyTorch's bulk Box-Muller ({@code normal_fill}) for contiguous tensors of at least 16 elements.
 *
 * <p>It first fills the whole tensor with uniforms, then turns each block of 16 into normals: lane
 * j (0..7) takes u1 from slot j and u2 from slot j + 8 and writes the cosine sample to slot j and
 * the sine sample to slot j + 8. When n is not a multiple of 16 the last 16 slots are refilled with
 * fresh uniforms and transformed again, so the tail overlaps the last full block and consumes 16
 * extra draws. Callers hold the generator's lock.
 *
 * <p>For float32 PyTorch picks the AVX2 variant on every x86-64 CPU with AVX2, which is what Kiln
 * follows; builds without it (older x86, ARM) run a scalar float variant with other bits.
 */
final class NormalFill {
    private NormalFill() {}

    private static final int BLOCK = 16;
    private static final int HALF = 8;

    /** {@code normal_fill_AVX2}: float32 uniforms and the Cephes float32 log/sincos. */
    static void fillFloatAvx2(Generator g, float[] a, int off, int n, float mean, float std) {
        for (int i = 0; i < n; i++) {
            a[off + i] = g.nextFloat01();
        }
        float[] sincos = new float[2];
        for (int i = 0; i + BLOCK <= n; i += BLOCK) {
            blockFloat(a, off + i, mean, std, sincos);
        }
        if (n % BLOCK != 0) {
            int tail = off + n - BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                a[tail + i] = g.nextFloat01();
            }
            blockFloat(a, tail, mean, std, sincos);
        }
    }

    // The AVX2 constant is 2*pi computed in double and rounded to float once.
    private static final float TWO_PI_F = (float) (2.0 * Math.PI);

    private static void blockFloat(float[] a, int at, float mean, float std, float[] sincos) {
        for (int j = 0; j < HALF; j++) {
            float u1 = 1.0f - a[at + j]; // [0, 1) -> (0, 1] so the log is finite
            float u2 = a[at + j + HALF];
            float radius = (float) Math.sqrt(-2.0f * CephesFloatMath.log(u1));
            CephesFloatMath.sincos(TWO_PI_F * u2, sincos);
            // Float sqrt via double is correctly rounded, as _mm256_sqrt_ps is.
            a[at + j] = Math.fma(radius * sincos[1], std, mean);
            a[at + j + HALF] = Math.fma(radius * sincos[0], std, mean);
        }
    }

    /** {@code normal_fill<double>}: float64 uniforms and the platform log/cos/sin (see {@link Generator}). */
    static void fillDouble(Generator g, double[] a, int off, int n, double mean, double std) {
        for (int i = 0; i < n; i++) {
            a[off + i] = g.nextDouble01();
        }
        for (int i = 0; i + BLOCK <= n; i += BLOCK) {
            blockDouble(a, off + i, mean, std);
        }
        if (n % BLOCK != 0) {
            int tail = off + n - BLOCK;
            for (int i = 0; i < BLOCK; i++) {
                a[tail + i] = g.nextDouble01();
            }
            blockDouble(a, tail, mean, std);
        }
    }

    private static void blockDouble(double[] a, int at, double mean, double std) {
        for (int j = 0; j < HALF; j++) {
            double u1 = 1.0 - a[at + j];
            double u2 = a[at + j + HALF];
            double radius = Math.sqrt(-2.0 * Math.log(u1));
            double theta = 2.0 * Math.PI * u2;
            // GCC contracts "radius * cos * std + mean" into one FMA after the first product.
            a[at + j] = Math.fma(radius * Math.cos(theta), std, mean);
            a[at + j + HALF] = Math.fma(radius * Math.sin(theta), std, mean);
        }
    }
}
