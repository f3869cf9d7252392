package dev.kiln.backend.cpu;

/**
 * Where {@link FeatureSplitStep} cuts each layer's output features between its two cores: by their measured speeds,
 * not in fixed halves. The two processors of a virtual machine often run at different speeds for seconds at a time
 * (one of them sharing a physical core with another guest, say); with fixed halves the faster core then waits for the
 * slower one at every meeting of every step.
 *
 * <p>Each core reports how long it was busy in a step: its work, less its waits at the meetings. Every {@link #WINDOW}
 * steps the first core's share moves towards the faster core by {@link #GAIN} times the relative difference of the two
 * busy times, and each layer's cut is that share of its features, in whole vectors of eight. Layers narrower than
 * {@link #MIN_BALANCED_WIDTH} keep their halves.
 *
 * <p>The cut decides how each layer's input gradient is grouped into the two cores' partial sums, so a step's last
 * bits depend on it, and with it on the machine's timing: two-core runs agree with each other and with one-core runs
 * to float rounding, not bit for bit.
 */
public final class CoreBalance {
    /** Steps per measurement: a few milliseconds, well inside the seconds a difference in speed lasts. */
    static final int WINDOW = 32;
    /**
     * The share moves by this times {@code (busy1 - busy0) / (busy0 + busy1)}: with cores of equal speed that is all
     * the way to equal busy times, and a core busy 10% longer than the other hands over about 2.4% of the features.
     */
    private static final double GAIN = 0.5;
    /** The first core's share stays within these bounds, so that neither core's cache has to hold most of a layer. */
    static final double MIN_SHARE = 0.3, MAX_SHARE = 0.7;
    /** Output features from which a layer's cut follows the share; narrower layers are halved. */
    static final int MIN_BALANCED_WIDTH = 16;

    private final int[] widths, split;
    private double share = 0.5;
    /** Per core, its busy nanoseconds over the current window; core 1's is written by that core before the join. */
    private final long[] busy = new long[2];
    private int steps;
    private boolean pinned;

    CoreBalance(int[] widths) {
        this.widths = widths.clone();
        this.split = new int[widths.length];
        place();
    }

    /** Core 0 owns output features {@code [0, split(l))} of layer l in this step, core 1 the rest. */
    int split(int layer) { return split[layer]; }

    /** The first core's share of each balanced layer's features. */
    double share() { return share; }

    /** Pins the first core's share (for tests and measurements); {@code NaN} follows the cores' speeds again. */
    void pin(double share) {
        pinned = !Double.isNaN(share);
        this.share = pinned ? share : 0.5;
        busy[0] = busy[1] = 0;
        steps = 0;
        place();
    }

    /** A core's busy time in the step just run; each core reports its own. */
    void record(int core, long busyNanos) {
        busy[core] += busyNanos;
    }

    /**
     * Before a step, on the first core: moves the share once a window is complete. The first core then posts the
     * step, which publishes the new cut to the second.
     */
    void nextStep() {
        if (pinned || ++steps < WINDOW) return;
        long total = busy[0] + busy[1];
        if (total > 0) {
            share = Math.min(MAX_SHARE, Math.max(MIN_SHARE, share + GAIN * (busy[1] - busy[0]) / total));
            place();
        }
        busy[0] = busy[1] = 0;
        steps = 0;
    }

    private void place() {
        for (int l = 0; l < widths.length; l++) split[l] = splitAt(widths[l], share);
    }

    /** Whole vectors of eight features on each side where the layer is wide enough, else the first core's half. */
    private static int splitAt(int width, double share) {
        if (width < MIN_BALANCED_WIDTH) return width / 2;
        return Math.min(width - 8, Math.max(8, (int) (width * share) & ~7));
    }
}
