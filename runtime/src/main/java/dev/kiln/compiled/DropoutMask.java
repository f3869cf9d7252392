package dev.kiln.compiled;

/**
 * Dropout masks from a SplitMix64 stream owned by the model. PyTorch's dropout draws from its own
 * Philox/MT stream, so masks differ from PyTorch's for the same seed; only the distribution matches.
 */
public final class DropoutMask {
    /** SplitMix64's increment: draw i (from 1) of a stream at state S mixes S + i * GAMMA. */
    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public DropoutMask(long seed) { this.state = seed; }

    /**
     * The stream's position: a device kernel given it computes the same masks as {@link #fill} would from here
     * (the stream is counter-based, so draw i depends only on this state and i).
     */
    public long state() { return state; }

    /** Advances the stream as if {@code draws} values had been drawn (after a device filled that many masks). */
    public void skip(long draws) {
        if (draws < 0) throw new IllegalArgumentException("cannot skip back " + draws + " draws");
        state += draws * GAMMA;
    }

    /** Fills {@code mask[off, off+len)} with 0 (probability p) or 1/(1-p), the inverted-dropout scale. */
    public void fill(float[] mask, int off, int len, float p) {
        float scale = 1f / (1f - p);
        for (int i = 0; i < len; i++) mask[off + i] = nextFloat() < p ? 0f : scale;
    }

    private float nextFloat() {
        long z = (state += GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) * 0x1.0p-24f;
    }
}
