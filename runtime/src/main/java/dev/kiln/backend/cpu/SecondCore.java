package dev.kiln.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One extra core for compiled training steps: a daemon thread that runs one posted task at a time. A
 * training step at batch 8 lasts tens of microseconds, far less than waking a parked thread takes, so
 * the thread spins (yielding after a while, see {@link SpinWait}) between tasks and parks only after
 * {@link #SPIN_NANOS} without work.
 *
 * <p>There is one per JVM. A trainer {@link #tryAcquire acquires} it for a step and releases it after;
 * a trainer that finds it taken (another thread is training) runs that step on one core. Posting
 * and waiting allocate nothing, so a warm step stays allocation-free.
 */
public final class SecondCore {
    /** How long the thread keeps spinning for the next task: several steps' worth, far below a scheduler tick. */
    private static final long SPIN_NANOS = 200_000;

    private static final SecondCore INSTANCE = new SecondCore();

    private final AtomicBoolean owned = new AtomicBoolean();
    private Thread thread;
    private Runnable task;
    private volatile int posted, done;
    private volatile boolean sleeping;
    private volatile Throwable failure;

    private SecondCore() {}

    /** The shared second core if it exists (two or more processors) and nobody else holds it; else null. */
    public static SecondCore tryAcquire() {
        if (Runtime.getRuntime().availableProcessors() < 2) return null;
        SecondCore core = INSTANCE;
        if (!core.owned.compareAndSet(false, true)) return null;
        core.ensureStarted();
        return core;
    }

    public void release() { owned.set(false); }

    /** Starts {@code work} on the second core; the caller must {@link #join} before posting again. */
    void post(Runnable work) {
        task = work;
        posted = posted + 1; // the volatile write publishes task
        if (sleeping) LockSupport.unpark(thread);
    }

    /** Waits for the posted task; rethrows what it threw. */
    void join() {
        int expected = posted;
        for (long t = 0; done != expected; ) t = SpinWait.pause(t);
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    /**
     * Waits for the posted task after this thread's share of the step threw {@code first} (which the caller then
     * rethrows), attaching the second core's exception, if any, to it as suppressed.
     */
    void joinAfter(Throwable first) {
        try {
            join();
        } catch (RuntimeException | Error second) {
            first.addSuppressed(second);
        }
    }

    private synchronized void ensureStarted() {
        if (thread != null) return;
        thread = Thread.ofPlatform().daemon().name("kiln-second-core").start(this::serve);
    }

    private void serve() {
        int seen = done; // not posted: a task may have been posted before this thread got to run
        while (true) {
            awaitPost(seen);
            seen = posted;
            try {
                task.run();
            } catch (Throwable t) {
                failure = t;
            }
            done = seen;
        }
    }

    private void awaitPost(int seen) {
        long since = System.nanoTime();
        while (posted == seen) {
            if (System.nanoTime() - since < SPIN_NANOS) {
                // Spins, then yields (see SpinWait): the next step usually comes within microseconds.
                SpinWait.pause(since);
                continue;
            }
            // Dekker-style handshake with post(): either it sees sleeping and unparks, or we see its post.
            sleeping = true;
            if (posted == seen) LockSupport.park(this);
            sleeping = false;
            since = System.nanoTime();
        }
    }
}
