package dev.kiln.samples.compiled;

import com.sun.management.ThreadMXBean;

import java.lang.management.ManagementFactory;

/** Heap bytes a warm training step allocates on the calling thread, by the JVM's per-thread allocation counter. */
final class WarmAllocation {
    private WarmAllocation() {}

    /**
     * The fewest bytes that 20 runs of {@code step} allocated in any window, each after 40 more runs, over at least 30
     * windows and at most 20 seconds: vectors stay boxed until C2 has compiled the kernels (a second or two), so the
     * question is whether one clean window comes.
     */
    static long ofSteps(Runnable step) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId(), best = Long.MAX_VALUE, deadline = System.nanoTime() + 20_000_000_000L;
        for (int window = 0; best > 0 && (window < 30 || System.nanoTime() < deadline); window++) {
            for (int i = 0; i < 40; i++) step.run();
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 20; i++) step.run();
            best = Math.min(best, mx.getThreadAllocatedBytes(tid) - before);
        }
        return best;
    }
}
