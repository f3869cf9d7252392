package dev.kiln.tensor.random;

/**
 * The 32-bit Mersenne Twister, state for state the engine behind PyTorch's CPU generator
 * ({@code at::mt19937}).
 *
 * <p>PyTorch keeps the full 64-bit seed for {@code initial_seed()} but only its low 32 bits reach
 * the state ({@code init_with_uint32}), so seeds that differ only above bit 31 give the same
 * stream. The state words are unsigned 32-bit values; Java's {@code int} arithmetic wraps the same
 * way, and the only places where signedness shows (right shifts) use {@code >>>}.
 *
 * <p>Not thread-safe: {@link Generator} serialises access.
 */
public final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] state = new int[N];
    private long seed;
    /** Draws left before the state must be regenerated; PyTorch starts at 1 so the first draw twists. */
    private int left;
    private int next;

    /** An engine seeded as {@code at::mt19937(seed)}. */
    public Mt19937(long seed) {
        seed(seed);
    }

    /** Re-seeds exactly as {@code at::mt19937::init_with_uint32}. */
    public void seed(long seed) {
        this.seed = seed;
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    /** The 64-bit seed this engine was last seeded with. */
    public long seed() {
        return seed;
    }

    /** The next output as an unsigned 32-bit value held in the low half of a {@code long}. */
    public long nextInt32() {
        return Integer.toUnsignedLong(nextInt());
    }

    /** The next output's 32 bits as a Java {@code int} (negative when the top bit is set). */
    public int nextInt() {
        if (--left == 0) {
            twist();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** Regenerates all 624 words, in the same order and with the same wrap-around as PyTorch. */
    private void twist() {
        left = N;
        next = 0;
        int i = 0;
        for (; i < N - M; i++) {
            state[i] = state[i + M] ^ mix(state[i], state[i + 1]);
        }
        for (; i < N - 1; i++) {
            state[i] = state[i + M - N] ^ mix(state[i], state[i + 1]);
        }
        state[N - 1] = state[M - 1] ^ mix(state[N - 1], state[0]);
    }

    private static int mix(int u, int v) {
        int bits = (u & UPPER_MASK) | (v & LOWER_MASK);
        return (bits >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
    }
}
