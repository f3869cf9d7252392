package dev.kiln.tensor.random;

/**
 * A random-number generator that reproduces PyTorch 1.13's CPU generator ({@code CPUGeneratorImpl})
 * draw for draw, together with the transforms PyTorch's CPU kernels apply, so that a seeded Kiln
 * program sees the same {@code rand}, {@code randn}, {@code randint}, {@code randperm} and dropout
 * masks as the same program in PyTorch.
 *
 * <p>Each bulk {@code fill*} method is the whole of one PyTorch kernel call on a contiguous tensor
 * of {@code n} elements: the count matters, because PyTorch switches normal sampling algorithms at
 * 16 elements. Methods are {@code synchronized}, as PyTorch holds the generator's mutex for the
 * whole kernel.
 *
 * <p>Exactness: everything is bit-exact except float64 normal samples, whose Box-Muller step calls
 * {@code log}/{@code sin}/{@code cos}. PyTorch gets those from glibc, whose results are not
 * correctly rounded, so short of porting glibc's implementations they cannot be reproduced
 * exactly. Java's {@link Math} versions agreed with glibc on about 99.8% of the arguments
 * Box-Muller passes (StrictMath on only 93-97%) and are otherwise one ulp away, so a float64
 * normal sample may differ from PyTorch's by a few ulps. (PyTorch itself gives different float64
 * normals on platforms with another libm.) Float32 normals are exact: the bulk path replays
 * PyTorch's AVX2 Cephes code ({@link CephesFloatMath}), and the small-tensor path rounds a double
 * to float, which hides a one-ulp double difference unless it straddles a float rounding boundary.
 */
public final class Generator {
    /** The seed of a freshly constructed PyTorch generator ({@code default_rng_seed_val}). */
    public static final long DEFAULT_SEED = 67280421310721L;

    /**
     * PyTorch seeds its global CPU generator from {@code std::random_device} at start-up, so an
     * unseeded PyTorch program is not reproducible anyway; Kiln's global generator starts from
     * {@link #DEFAULT_SEED} instead so that unseeded Kiln runs are.
     */
    private static final Generator DEFAULT = new Generator();

    private static final long MASK_53 = (1L << 53) - 1;
    private static final double TWO_POW_M53 = 0x1.0p-53;
    private static final float TWO_POW_M24 = 0x1.0p-24f;
    private static final long TWO_POW_32 = 1L << 32;
    /** Normal fills of at least this many elements use the blocked {@code normal_fill}. */
    private static final int NORMAL_FILL_BLOCK = 16;

    private final Mt19937 engine;
    /**
     * Box-Muller makes two samples; the serial path returns one and keeps the other for the next
     * call (PyTorch's {@code next_double_normal_sample_}). PyTorch also has a float cache, but no
     * 1.13 CPU kernel samples {@code normal_distribution<float>}, so it is never filled.
     */
    private boolean hasCachedNormal;
    private double cachedNormal;

    /** A generator seeded with {@link #DEFAULT_SEED}, as {@code torch.Generator()}. */
    public Generator() {
        this(DEFAULT_SEED);
    }

    /** A generator seeded with {@code seed}, as {@code torch.Generator().manual_seed(seed)}. */
    public Generator(long seed) {
        engine = new Mt19937(seed);
    }

    /** The process-wide generator that tensor factories use when none is given. */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /**
     * Reseeds as {@code manual_seed}: resets the engine and drops any cached normal sample. Only
     * the low 32 bits reach the engine; all 64 are kept for {@link #initialSeed()}.
     */
    public synchronized Generator manualSeed(long seed) {
        engine.seed(seed);
        hasCachedNormal = false;
        return this;
    }

    /** The last seed given, as {@code initial_seed()}; an unsigned 64-bit value held in a long. */
    public synchronized long initialSeed() {
        return engine.seed();
    }

    /** One raw 32-bit draw, unsigned, as {@code CPUGeneratorImpl::random()}. */
    public synchronized long random() {
        return engine.nextInt32();
    }

    /** Two raw draws as one 64-bit value, the first in the high half, as {@code random64()}. */
    public synchronized long random64() {
        long hi = engine.nextInt32();
        long lo = engine.nextInt32();
        return (hi << 32) | lo;
    }

    // ------------------------------------------------------------------ uniform

    /**
     * One float32 sample of {@code at::uniform_real_distribution<float>(from, to)}: the low 24 bits
     * of one draw scaled to [0, 1), then {@code x * (to - from) + from} in float with one rounding
     * (PyTorch's AVX2 build fuses it into an FMA). The bounds are rounded to float first, as the
     * kernel does.
     */
    public synchronized float uniformFloat(double from, double to) {
        float f = (float) from;
        return uniformFloatUnlocked(f, (float) to - f);
    }

    /**
     * One float64 sample of {@code at::uniform_real_distribution<double>(from, to)}: the low 53 bits
     * of {@link #random64()} scaled to [0, 1), then one fused {@code x * (to - from) + from}.
     */
    public synchronized double uniformDouble(double from, double to) {
        return uniformDoubleUnlocked(from, to - from);
    }

    /** {@code a[off..off+n)} as {@code uniform_(from, to)} (and {@code torch.rand}) fills a float32 tensor. */
    public synchronized void fillUniform(float[] a, int off, int n, double from, double to) {
        float f = (float) from;
        float range = (float) to - f;
        for (int i = 0; i < n; i++) {
            a[off + i] = uniformFloatUnlocked(f, range);
        }
    }

    /** {@code a[off..off+n)} as {@code uniform_(from, to)} (and {@code torch.rand}) fills a float64 tensor. */
    public synchronized void fillUniform(double[] a, int off, int n, double from, double to) {
        double range = to - from;
        for (int i = 0; i < n; i++) {
            a[off + i] = uniformDoubleUnlocked(from, range);
        }
    }

    private float uniformFloatUnlocked(float from, float range) {
        float x = (engine.nextInt() & 0xFFFFFF) * TWO_POW_M24;
        return Math.fma(x, range, from);
    }

    private double uniformDoubleUnlocked(double from, double range) {
        double x = (random64Unlocked() & MASK_53) * TWO_POW_M53;
        return Math.fma(x, range, from);
    }

    private long random64Unlocked() {
        long hi = engine.nextInt32();
        return (hi << 32) | engine.nextInt32();
    }

    // ------------------------------------------------------------------ normal

    /**
     * One sample of PyTorch's serial {@code at::normal_distribution<double>}: returns the cached
     * second Box-Muller sample if there is one, else draws two float64 uniforms u1, u2 and returns
     * {@code sqrt(-2 log(1 - u2)) cos(2 pi u1)}, caching the sine partner. PyTorch uses this for
     * tensors under 16 elements and for non-contiguous ones.
     */
    public synchronized double normal(double mean, double std) {
        return normalUnlocked(mean, std);
    }

    private double normalUnlocked(double mean, double std) {
        double z;
        if (hasCachedNormal) {
            hasCachedNormal = false;
            z = cachedNormal;
        } else {
            double u1 = uniformDoubleUnlocked(0.0, 1.0);
            double u2 = uniformDoubleUnlocked(0.0, 1.0);
            double r = Math.sqrt(-2.0 * Math.log(1.0 - u2));
            double theta = 2.0 * Math.PI * u1;
            cachedNormal = r * Math.sin(theta);
            hasCachedNormal = true;
            z = r * Math.cos(theta);
        }
        return Math.fma(z, std, mean); // fused in PyTorch's AVX2 build
    }

    /**
     * {@code a[off..off+n)} as {@code normal_(mean, std)} (and {@code torch.randn}) fills a contiguous
     * float32 tensor of n elements: PyTorch's AVX2 {@code normal_fill} when {@code n >= 16}, else
     * the serial path rounded to float.
     */
    public synchronized void fillNormal(float[] a, int off, int n, double mean, double std) {
        if (n >= NORMAL_FILL_BLOCK) {
            NormalFill.fillFloatAvx2(this, a, off, n, (float) mean, (float) std);
        } else {
            for (int i = 0; i < n; i++) {
                a[off + i] = (float) normalUnlocked(mean, std);
            }
        }
    }

    /**
     * {@code a[off..off+n)} as {@code normal_(mean, std)} (and {@code torch.randn}) fills a contiguous
     * float64 tensor of n elements: PyTorch's scalar {@code normal_fill} when {@code n >= 16}, else
     * the serial path. See the class comment for why these may differ from PyTorch in the last ulp.
     */
    public synchronized void fillNormal(double[] a, int off, int n, double mean, double std) {
        if (n >= NORMAL_FILL_BLOCK) {
            NormalFill.fillDouble(this, a, off, n, mean, std);
        } else {
            for (int i = 0; i < n; i++) {
                a[off + i] = normalUnlocked(mean, std);
            }
        }
    }

    /** A float32 uniform in [0, 1) for {@link NormalFill}; the caller holds this generator's lock. */
    float nextFloat01() {
        return (engine.nextInt() & 0xFFFFFF) * TWO_POW_M24;
    }

    /** A float64 uniform in [0, 1) for {@link NormalFill}; the caller holds this generator's lock. */
    double nextDouble01() {
        return (random64Unlocked() & MASK_53) * TWO_POW_M53;
    }

    // ------------------------------------------------------------------ integers

    /**
     * One sample of {@code torch.randint(low, high)} / {@code random_(low, high)}: {@code low} plus
     * a draw modulo {@code high - low}, taken from {@link #random()} when the range fits in 32 bits
     * and from {@link #random64()} otherwise. The modulo bias is PyTorch's, kept on purpose.
     */
    public synchronized long randint(long low, long high) {
        return randintUnlocked(low, high);
    }

    /** {@code a[off..off+n)} as {@code torch.randint(low, high)} fills an int64 tensor. */
    public synchronized void fillRandint(long[] a, int off, int n, long low, long high) {
        checkRange(low, high); // also for n == 0, as PyTorch checks before sampling
        for (int i = 0; i < n; i++) {
            a[off + i] = randintUnlocked(low, high);
        }
    }

    private static void checkRange(long low, long high) {
        if (low >= high) {
            throw new IllegalArgumentException("randint needs low < high, got " + low + " >= " + high);
        }
    }

    private long randintUnlocked(long low, long high) {
        checkRange(low, high);
        // PyTorch takes the range as unsigned 64-bit, so even [Long.MIN_VALUE, Long.MAX_VALUE) works.
        long range = high - low;
        long draw = Long.compareUnsigned(range, TWO_POW_32) >= 0 ? random64Unlocked() : engine.nextInt32();
        return Long.remainderUnsigned(draw, range) + low;
    }

    /**
     * A random permutation of {@code 0..n-1} as {@code torch.randperm(n)} on the CPU in 1.13: a
     * Fisher-Yates shuffle from the front, swapping position i with {@code i + random() % (n - i)}.
     */
    public synchronized long[] randperm(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("randperm needs n >= 0, got " + n);
        }
        long[] perm = new long[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < n - 1; i++) {
            int z = (int) (engine.nextInt32() % (n - i));
            long saved = perm[i];
            perm[i] = perm[i + z];
            perm[i + z] = saved;
        }
        return perm;
    }

    // ------------------------------------------------------------------ bernoulli

    /**
     * One draw of {@code bernoulli_(p)} with a scalar p on the CPU: a float64 uniform (53 bits of
     * {@link #random64()}) compared {@code < p}. PyTorch builds with MKL use a VSL stream instead;
     * PyTorch 1.13 without MKL (as checked against here) and dropout on such builds use this path.
     */
    public synchronized boolean bernoulli(double p) {
        return nextDouble01() < p;
    }

    /**
     * {@code a[off..off+n)} as {@code empty(n).bernoulli_(p)} fills a float32 tensor with 0 and 1;
     * {@code torch.nn.functional.dropout(x, q)} on the CPU draws its mask this way with p = 1 - q.
     */
    public synchronized void fillBernoulli(float[] a, int off, int n, double p) {
        for (int i = 0; i < n; i++) {
            a[off + i] = nextDouble01() < p ? 1.0f : 0.0f;
        }
    }

    /** {@code a[off..off+n)} as {@code empty(n, dtype=float64).bernoulli_(p)} fills it with 0 and 1. */
    public synchronized void fillBernoulli(double[] a, int off, int n, double p) {
        for (int i = 0; i < n; i++) {
            a[off + i] = nextDouble01() < p ? 1.0 : 0.0;
        }
    }
}
