package dev.kiln.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The persistent helper threads of the parallel GEMMs: one daemon thread per extra core, started
 * on first use and kept for the life of the JVM, so a product never creates a thread.
 *
 * <p>A call posts one job and runs it on the calling thread too; each helper that sees the job in
 * time joins in. The job is written to claim its work from shared counters, so a helper that
 * arrives late finds less to do, and the caller, once its own share is done, closes the job to
 * newcomers and waits only for helpers already inside. Between jobs a helper spins for a short
 * while ({@link #SPIN_NANOS}), so back-to-back products (a training step's layers, a benchmark
 * loop) find it awake, then parks.
 *
 * <p>One job runs at a time. A call that finds the pool busy (a product on another thread, or a
 * product nested in a helper's work) runs its job on its own thread alone, which the claiming
 * design makes correct: the caller simply claims every unit itself.
 */
final class GemmPool {
    /** How long an idle helper polls for the next job before parking: long enough to bridge the gaps in a loop of products. */
    static final long SPIN_NANOS = 200_000;

    private static volatile GemmPool shared;

    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job current;

    private GemmPool(int helpers) {
        workers = new Worker[helpers];
        for (int i = 0; i < helpers; i++) {
            workers[i] = new Worker(this, i);
            workers[i].start();
        }
    }

    /** The shared pool with one helper per core beyond the first, started on first use. */
    static GemmPool get() {
        GemmPool p = shared;
        if (p == null) {
            synchronized (GemmPool.class) {
                p = shared;
                if (p == null) {
                    shared = p = new GemmPool(Math.max(0, Runtime.getRuntime().availableProcessors() - 1));
                }
            }
        }
        return p;
    }

    /** Helper threads in this pool: the most extra threads {@link #run} can add to the caller. */
    int helpers() {
        return workers.length;
    }

    /**
     * Runs {@code work} on the calling thread and on up to {@code threads - 1} helpers at once,
     * returning when every thread that entered has left it. {@code work} must claim its units
     * itself, so that one thread alone completes it.
     */
    void run(int threads, Runnable work) {
        int helpers = Math.min(threads - 1, workers.length);
        if (helpers <= 0 || !busy.compareAndSet(false, true)) {
            work.run();
            return;
        }
        Job job = new Job(work, helpers);
        try {
            current = job;
            for (int i = 0; i < helpers; i++) {
                if (workers[i].parked) LockSupport.unpark(workers[i]);
            }
            work.run();
        } finally {
            job.closeAndAwait();
            current = null;
            busy.set(false);
        }
        Throwable failure = job.failure;
        if (failure instanceof RuntimeException e) throw e;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    /**
     * Waits until {@code (counter & mask) == 0}: spinning for up to {@link #WAIT_SPIN_NANOS}, then
     * yielding the processor, so that on a machine with more runnable threads than cores the thread
     * being waited for (perhaps on this very core) gets to run.
     */
    static void awaitZero(AtomicInteger counter, int mask) {
        if ((counter.get() & mask) == 0) return;
        long start = System.nanoTime();
        while ((counter.get() & mask) != 0) {
            if (System.nanoTime() - start < WAIT_SPIN_NANOS) Thread.onSpinWait(); else Thread.yield();
        }
    }

    /** How long a thread waiting on another spins before yielding. */
    static final long WAIT_SPIN_NANOS = 20_000;

    /** One posted job: the work, how many helpers may still enter, and who is inside. */
    private static final class Job {
        /** High bit: closed to newcomers. Low bits: helpers inside. */
        private static final int CLOSED = 1 << 30;
        final Runnable work;
        final AtomicInteger state = new AtomicInteger();
        final AtomicInteger seats;
        volatile Throwable failure;

        Job(Runnable work, int seats) {
            this.work = work;
            this.seats = new AtomicInteger(seats);
        }

        boolean enter() {
            if (seats.getAndDecrement() <= 0) return false;
            for (int s; ((s = state.get()) & CLOSED) == 0; ) {
                if (state.compareAndSet(s, s + 1)) return true;
            }
            return false;
        }

        void leave() {
            state.decrementAndGet();
        }

        void closeAndAwait() {
            state.getAndUpdate(s -> s | CLOSED);
            awaitZero(state, ~CLOSED);
        }
    }

    private static final class Worker extends Thread {
        private final GemmPool pool;
        volatile boolean parked;

        Worker(GemmPool pool, int index) {
            super("kiln-gemm-" + (index + 1));
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job last = null;
            long idleSince = System.nanoTime();
            while (true) {
                Job job = pool.current;
                if (job != null && job != last) {
                    last = job;
                    if (job.enter()) {
                        try {
                            job.work.run();
                        } catch (Throwable t) {
                            job.failure = t;
                        } finally {
                            job.leave();
                        }
                    }
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    // Re-check after publishing `parked`: a job posted meanwhile saw parked == false or will unpark us.
                    Job again = pool.current;
                    if (again == null || again == last) LockSupport.park(this);
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
