package dev.kiln.backend.cpu;

/**
 * The wait of one core for the other inside a split step: a spin, since a step of tens of microseconds cannot
 * afford a wake-up, that turns into {@link Thread#yield} once the wait has lasted {@link #YIELD_AFTER_NANOS}. On a
 * two-processor machine the thread being waited for may have been preempted by a third one (the JIT compiler while
 * it warms up, a GC thread); spinning on would then hold a processor that thread could use, and steps that
 * normally take 50 µs were measured at 13 ms.
 */
final class SpinWait {
    /** Far beyond a normal wait (the other core finishing its half of a phase), far below a scheduler time slice. */
    static final long YIELD_AFTER_NANOS = 20_000;

    private SpinWait() {}

    /**
     * One check of a wait that began at {@code since} (0 on the first call): pauses or yields, and returns the start
     * to pass to the next call. Use as {@code for (long t = 0; !done(); ) t = SpinWait.pause(t);}.
     */
    static long pause(long since) {
        if (since == 0) {
            Thread.onSpinWait();
            return System.nanoTime();
        }
        if (System.nanoTime() - since > YIELD_AFTER_NANOS) Thread.yield();
        else Thread.onSpinWait();
        return since;
    }
}
