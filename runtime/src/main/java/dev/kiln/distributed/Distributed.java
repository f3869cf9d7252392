package dev.kiln.distributed;

import dev.kiln.autograd.GradMode;
import dev.kiln.compiled.Checkpoints;
import dev.kiln.compiled.CompiledModel;
import dev.kiln.nn.Module;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.train.GradientReducer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Data-parallel training over the processes of an {@code mpirun} job (Open MPI, through {@link Mpi}). Each process
 * ("rank") runs the same program; {@link #init()} tells from {@code mpirun}'s environment whether it runs under
 * {@code mpirun} and is a job of one process otherwise, so a program written for several processes also runs alone.
 *
 * <pre>{@code
 * Distributed.run(d -> {                               // MPI_Init; MPI_Abort on any rank's exception; MPI_Finalize
 *     var model = KilnFashionCnn.create(42 + d.rank()); // a seed per rank gives each rank its own dropout stream
 *     d.broadcastParameters(model);                     // rank 0's initial parameters everywhere
 *     var trainer = model.trainer(Loss.crossEntropy(), Optimizer.adam(1e-3)).distributed(d);
 *     trainer.fit(x, y, 5, 64);                         // each batch of 64 split 32 + 32; gradients averaged each step
 * });
 * }</pre>
 *
 * <p>Every rank walks the same shuffled batches; rank r computes rows {@code [n r / size, n (r + 1) / size)} of each
 * batch of n, and one {@code MPI_Allreduce} per step sums the ranks' gradients, each weighted by its share of the
 * rows, into the whole batch's gradient, so the optimizer steps identically on every rank and N ranks train what one
 * process would, to float rounding (the batch size is the global one). BatchNorm's running statistics are averaged at
 * each epoch's end, when the ranks' parameters are also checked to agree.
 *
 * <p>A collective that has not completed within {@link #timeout()} ({@code KILN_MPI_TIMEOUT} seconds or
 * {@code -Dkiln.mpi.timeout}, default 120) makes a watchdog thread print which rank waited in which call, and end the
 * whole job with {@code MPI_Abort}: a rank that hung or died ends the job with an error instead of a hang. MPI's error
 * handler on {@code MPI_COMM_WORLD} is set to return codes, so a failed call throws an {@link MpiException} naming the
 * call, the rank and MPI's message.
 */
public final class Distributed implements GradientReducer, AutoCloseable {
    /** The default collective timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private final Mpi mpi;
    private final int rank, size, threadLevel;
    private final Duration timeout;
    private final String host;
    private Arena arena;
    private MemorySegment buffer = MemorySegment.NULL;

    // What the watchdog watches: the call in progress (null between calls), since when, and which collective it is.
    private volatile String call;
    private volatile String what = "";
    private volatile long callStart, lastEnd;
    private volatile long collectives;
    private volatile boolean finalized, aborting;
    private int epoch = 1, stepInEpoch;
    private long reduceNanos, reduceCount, collectiveCpuNanos;
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private boolean warnedResync;

    private Distributed(Mpi mpi, int rank, int size, int threadLevel, Duration timeout) {
        this.mpi = mpi;
        this.rank = rank;
        this.size = size;
        this.threadLevel = threadLevel;
        this.timeout = timeout;
        this.host = hostName();
        this.lastEnd = System.nanoTime();
    }

    /**
     * Joins the {@code mpirun} job this process belongs to ({@code MPI_Init_thread}, {@code MPI_ERRORS_RETURN}, the
     * watchdog), or, outside {@code mpirun} (see {@link #underMpirun()}), returns a job of one process that needs no MPI
     * library and whose collectives do nothing.
     */
    public static Distributed init() { return init(timeoutFromEnvironment()); }

    /** As {@link #init()} with a collective timeout of {@code timeout}. */
    public static Distributed init(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        if (!underMpirun()) return new Distributed(null, 0, 1, 0, timeout);
        Mpi mpi = Mpi.load();
        if (mpi.isInitialized()) throw new IllegalStateException("MPI is already initialised in this process: call Distributed.init() once");
        int provided = mpi.initThread(Mpi.MPI_THREAD_MULTIPLE);
        mpi.setErrorsReturn();
        int rank = mpi.rank(), size = mpi.size();
        Distributed d = new Distributed(mpi, rank, size, provided, timeout);
        d.arena = Arena.ofShared();
        d.startWatchdog();
        Runtime.getRuntime().addShutdownHook(new Thread(d::onShutdown, "kiln-mpi-shutdown"));
        return d;
    }

    /**
     * Runs {@code body} on every rank between {@link #init()} and {@link #close()}; an exception on any rank is printed
     * with the rank's name and ends the whole job at once ({@code MPI_Abort}), rather than leaving the other ranks waiting
     * in their next collective until the timeout. Alone (no {@code mpirun}) the exception is rethrown.
     */
    public static void run(Body body) throws Exception {
        Distributed d = init();
        try {
            body.run(d);
        } catch (Throwable t) {
            if (d.size == 1) {
                d.close();
                throw t instanceof Exception e ? e : new RuntimeException(t);
            }
            d.fail(t);
        }
        d.close();
    }

    /** The work of one rank, for {@link #run}. */
    @FunctionalInterface
    public interface Body {
        void run(Distributed d) throws Exception;
    }

    /**
     * Whether an MPI launcher started this process: Open MPI's {@code mpirun} sets {@code OMPI_COMM_WORLD_SIZE}, PMIx
     * launchers ({@code srun --mpi=pmix} under Slurm, Open MPI 5's {@code mpirun}) set {@code PMIX_RANK}. {@code KILN_MPI=1}
     * or {@code 0} overrides the guess.
     */
    public static boolean underMpirun() {
        String forced = System.getenv("KILN_MPI");
        if (forced != null && !forced.isBlank()) return !forced.trim().equals("0");
        return set("OMPI_COMM_WORLD_SIZE") || set("PMIX_RANK");
    }

    private static boolean set(String variable) {
        String s = System.getenv(variable);
        return s != null && !s.isBlank();
    }

    private static Duration timeoutFromEnvironment() {
        String v = System.getProperty("kiln.mpi.timeout", System.getenv("KILN_MPI_TIMEOUT"));
        if (v == null || v.isBlank()) return DEFAULT_TIMEOUT;
        try {
            double s = Double.parseDouble(v.trim());
            if (!(s > 0)) throw new NumberFormatException();
            return Duration.ofMillis(Math.round(s * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("KILN_MPI_TIMEOUT / kiln.mpi.timeout must be a positive number of seconds, got '" + v + "'");
        }
    }

    /** This process's rank, from 0. */
    public int rank() { return rank; }

    /** The number of processes in the job. */
    public int size() { return size; }

    /** Whether this is rank 0, the one that logs and saves checkpoints. */
    public boolean isMain() { return rank == 0; }

    @Override public int part() { return rank; }

    @Override public int parts() { return size; }

    /** The collective timeout. */
    public Duration timeout() { return timeout; }

    /** MPI's thread level ({@code MPI_THREAD_MULTIPLE} is 3), 0 outside {@code mpirun}. */
    public int threadLevel() { return threadLevel; }

    /** Seconds this rank has spent in the gradient allreduces so far (waiting for other ranks included). */
    public double reduceSeconds() { return reduceNanos / 1e9; }

    /**
     * Processor seconds the calling thread has spent inside this rank's collectives so far (copies, MPI's own work and
     * its polling while it waits for other ranks); a thread's processor time less this is its computing time.
     */
    public double collectiveCpuSeconds() { return collectiveCpuNanos / 1e9; }

    /** Gradient allreduces so far. */
    public long reduceCount() { return reduceCount; }

    // ---- collectives ----

    /** Copies rank 0's {@code data} into every rank's. */
    public void broadcast(float[] data) {
        if (size == 1 || data.length == 0) return;
        MemorySegment buf = buffer((long) data.length * 4);
        if (rank == 0) MemorySegment.copy(data, 0, buf, JAVA_FLOAT, 0, data.length);
        collective("MPI_Bcast", data.length + " floats from rank 0", () -> mpi.broadcastBytes(buf, (long) data.length * 4, 0));
        MemorySegment.copy(buf, JAVA_FLOAT, 0, data, 0, data.length);
    }

    /** Copies rank 0's parameters and state (running statistics) into every rank's model. */
    public void broadcastParameters(CompiledModel model) {
        broadcast(model.parameterBuffer());
        broadcast(model.stateBuffer());
    }

    /** Copies rank 0's parameters and floating-point buffers into every rank's module (on the CPU). */
    public void broadcastParameters(Module model) {
        if (size == 1) return;
        List<Tensor> tensors = new ArrayList<>(model.parameters());
        for (Tensor b : model.namedBuffers().values()) if (b.isFloatingPoint()) tensors.add(b);
        int total = 0;
        for (Tensor t : tensors) total += t.numel();
        float[] flat = new float[total];
        int off = 0;
        for (Tensor t : tensors) {
            float[] v = t.toFloatArray();
            System.arraycopy(v, 0, flat, off, v.length);
            off += v.length;
        }
        broadcast(flat);
        off = 0;
        try (var ignored = GradMode.noGrad()) {
            for (Tensor t : tensors) {
                int n = t.numel();
                float[] v = java.util.Arrays.copyOfRange(flat, off, off + n);
                t.copy_(Torch.fromArray(v, t.shape().toArray()).to(t.dtype()));
                off += n;
            }
        }
    }

    /** Replaces {@code gradients} with their mean over the ranks (equal shares of the batch). */
    public void averageGradients(float[] gradients) { sumGradients(gradients, 1f / size, null); }

    @Override
    public void sumGradients(float[] gradients, float scale, double[] stats) {
        int extra = stats == null ? 0 : stats.length;
        if (scale != 1f) for (int i = 0; i < gradients.length; i++) gradients[i] *= scale;
        stepInEpoch++;
        if (size == 1) return;
        long t0 = System.nanoTime();
        int count = gradients.length + extra;
        MemorySegment buf = buffer((long) count * 4);
        MemorySegment.copy(gradients, 0, buf, JAVA_FLOAT, 0, gradients.length);
        for (int i = 0; i < extra; i++) buf.setAtIndex(JAVA_FLOAT, gradients.length + i, (float) stats[i]);
        collective("MPI_Allreduce", "the gradients of step " + stepInEpoch + " of epoch " + epoch + ", " + count + " floats",
                () -> mpi.allreduceSumFloats(buf, count));
        MemorySegment.copy(buf, JAVA_FLOAT, 0, gradients, 0, gradients.length);
        for (int i = 0; i < extra; i++) stats[i] = buf.getAtIndex(JAVA_FLOAT, gradients.length + i);
        reduceNanos += System.nanoTime() - t0;
        reduceCount++;
    }

    @Override
    public void sum(double[] values) {
        if (size == 1 || values.length == 0) return;
        MemorySegment buf = buffer((long) values.length * 8);
        MemorySegment.copy(values, 0, buf, JAVA_DOUBLE, 0, values.length);
        collective("MPI_Allreduce", values.length + " doubles", () -> mpi.allreduceSumDoubles(buf, values.length));
        MemorySegment.copy(buf, JAVA_DOUBLE, 0, values, 0, values.length);
    }

    /**
     * Averages {@code state} over the ranks, then checks that every rank's {@code parameters} are bit for bit rank 0's;
     * where some are not (an allreduce whose sums round differently on different ranks), rank 0 says which and its
     * parameters are copied to every rank.
     */
    @Override
    public void endEpoch(float[] parameters, float[] state) {
        String at = "the end of epoch " + epoch;
        epoch++;
        stepInEpoch = 0;
        if (size == 1) return;
        if (state.length > 0) {
            MemorySegment buf = buffer((long) state.length * 4);
            MemorySegment.copy(state, 0, buf, JAVA_FLOAT, 0, state.length);
            collective("MPI_Allreduce", "the running statistics at " + at, () -> mpi.allreduceSumFloats(buf, state.length));
            MemorySegment.copy(buf, JAVA_FLOAT, 0, state, 0, state.length);
            float inv = 1f / size;
            for (int i = 0; i < state.length; i++) state[i] *= inv;
        }
        long mine = hash(parameters);
        MemorySegment h = buffer(8);
        h.set(JAVA_LONG, 0, mine);
        collective("MPI_Bcast", "rank 0's parameter checksum at " + at, () -> mpi.broadcastBytes(h, 8, 0));
        double[] differs = new double[size];
        differs[rank] = h.get(JAVA_LONG, 0) == mine ? 0 : 1;
        sum(differs);
        List<Integer> off = new ArrayList<>();
        for (int r = 0; r < size; r++) if (differs[r] != 0) off.add(r);
        if (!off.isEmpty()) {
            if (rank == 0 && !warnedResync) {
                System.err.println("kiln: the parameters of rank(s) " + off + " differ from rank 0's at " + at
                        + "; copying rank 0's to every rank");
                warnedResync = true;
            }
            broadcast(parameters);
        }
    }

    /** Waits until every rank has called it. */
    public void barrier() {
        if (size == 1) return;
        collective("MPI_Barrier", "a barrier", mpi::barrier);
    }

    // ---- data ----

    /** This rank's contiguous part of {@code order}: elements {@code [n r / size, n (r + 1) / size)}. */
    public int[] shard(int[] order) {
        return java.util.Arrays.copyOfRange(order, GradientReducer.rows(order.length, rank, size), GradientReducer.rows(order.length, rank + 1, size));
    }

    /**
     * The samples this rank trains on in an epoch whose shuffled order is {@code order}, batch by batch: its part of each
     * batch of {@code batchSize} (the last batch may be shorter), as the trainers take them.
     */
    public int[] shard(int[] order, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        int[] out = new int[order.length];
        int k = 0;
        for (int start = 0; start < order.length; start += batchSize) {
            int n = Math.min(batchSize, order.length - start);
            int lo = GradientReducer.rows(n, rank, size), hi = GradientReducer.rows(n, rank + 1, size);
            System.arraycopy(order, start + lo, out, k, hi - lo);
            k += hi - lo;
        }
        return java.util.Arrays.copyOf(out, k);
    }

    // ---- checkpoints ----

    /**
     * Loads a checkpoint into every rank's model: rank 0 reads the file and broadcasts it, so only rank 0's machine
     * needs it. A checkpoint holds only parameters and running statistics (the same on every rank), so one saved by a
     * job of N ranks resumes on M. Where rank 0 cannot read it, every rank throws.
     */
    public void loadCheckpoint(Path path, CompiledModel model) throws IOException {
        String error = null;
        if (rank == 0) {
            try {
                Checkpoints.load(path, model);
            } catch (IOException | RuntimeException e) {
                error = e.getMessage() == null ? e.toString() : e.getMessage();
                if (size == 1) throw e;
            }
        }
        if (size > 1) {
            byte[] msg = error == null ? new byte[0] : error.getBytes(StandardCharsets.UTF_8);
            MemorySegment len = buffer(8);
            len.set(JAVA_LONG, 0, msg.length);
            collective("MPI_Bcast", "checkpoint status", () -> mpi.broadcastBytes(len, 8, 0));
            long n = len.get(JAVA_LONG, 0);
            if (n > 0) {
                MemorySegment m = buffer(n);
                if (rank == 0) MemorySegment.copy(msg, 0, m, JAVA_BYTE, 0, msg.length);
                collective("MPI_Bcast", "checkpoint status", () -> mpi.broadcastBytes(m, n, 0));
                String text = new String(m.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                throw new IOException("rank 0 could not load the checkpoint " + path + ": " + text);
            }
            broadcastParameters(model);
        }
    }

    // ---- ending ----

    /** {@code MPI_Finalize} (every rank calls it after its last collective); a no-op alone or when already done. */
    @Override
    public void close() {
        if (mpi == null || finalized) return;
        collective("MPI_Finalize", "the end of the job", mpi::finalizeMpi);
        finalized = true;
        if (arena != null) arena.close();
    }

    /** Prints {@code t} under this rank's name and ends the whole job ({@code MPI_Abort} with code 1). */
    public void fail(Throwable t) {
        PrintStream err = System.err;
        err.println(prefix() + "failed: " + t);
        t.printStackTrace(err);
        err.flush();
        abort(1);
    }

    /** Ends every process of the job with {@code code} ({@code MPI_Abort}); alone, halts this JVM. */
    public void abort(int code) {
        aborting = true;
        if (mpi == null) Runtime.getRuntime().halt(code);
        Thread backstop = new Thread(() -> {
            sleepQuietly(10_000);
            Runtime.getRuntime().halt(code);
        }, "kiln-mpi-abort-backstop");
        backstop.setDaemon(true);
        backstop.start();
        // MPI_Abort from a thread other than the one blocked in a collective needs MPI_THREAD_MULTIPLE; without it,
        // halting is enough: mpirun ends the job when one of its processes exits with a non-zero status.
        if (threadLevel < Mpi.MPI_THREAD_MULTIPLE) Runtime.getRuntime().halt(code);
        try {
            mpi.abort(code);
        } catch (RuntimeException e) {
            System.err.println(prefix() + "MPI_Abort failed (" + e.getMessage() + "); halting");
        }
        Runtime.getRuntime().halt(code);
    }

    private String prefix() { return "kiln: rank " + rank + " of " + size + " (" + host + ", pid " + ProcessHandle.current().pid() + "): "; }

    // ---- the watchdog ----

    private interface Call {
        void run();
    }

    private void collective(String name, String about, Call body) {
        what = about;
        callStart = System.nanoTime();
        collectives++;
        call = name;
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        try {
            body.run();
        } catch (MpiException e) {
            throw new MpiException(prefix() + e.getMessage() + " (in " + about + ")", e.call(), e.code());
        } finally {
            call = null;
            lastEnd = System.nanoTime();
            collectiveCpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
        }
    }

    private void startWatchdog() {
        long tick = Math.max(50, Math.min(1000, timeout.toMillis() / 10));
        Thread t = new Thread(() -> {
            while (!finalized) {
                sleepQuietly(tick);
                String c = call;
                if (c == null || aborting) continue;
                double waited = (System.nanoTime() - callStart) / 1e9;
                if (waited * 1000 >= timeout.toMillis()) {
                    System.err.printf(Locale.ROOT, "%s%s of %s (collective #%d) has not completed after %.1f s (the timeout, "
                                    + "KILN_MPI_TIMEOUT): another rank died, hung or stopped calling collectives; ending the job%n",
                            prefix(), c, what, collectives, waited);
                    System.err.flush();
                    abort(124);
                }
            }
        }, "kiln-mpi-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /**
     * When mpirun ends this process (because another rank failed or timed out) or the JVM exits without
     * {@link #close()}: says where this rank was, so the job's log shows which rank was not where the others waited.
     */
    private void onShutdown() {
        if (finalized || aborting) return;
        String c = call;
        String where = c != null
                ? String.format(Locale.ROOT, "while in %s of %s (collective #%d) for %.1f s", c, what, collectives,
                (System.nanoTime() - callStart) / 1e9)
                : String.format(Locale.ROOT, "outside MPI, %.1f s after its last collective (#%d, %s)",
                (System.nanoTime() - lastEnd) / 1e9, collectives, what);
        System.err.println(prefix() + "ending without MPI_Finalize " + where);
        System.err.flush();
    }

    // ---- helpers ----

    private MemorySegment buffer(long bytes) {
        if (buffer.byteSize() < bytes) {
            buffer = arena.allocate(Math.max(bytes, buffer.byteSize() * 3 / 2), 64);
        }
        return buffer;
    }

    private static long hash(float[] v) {
        long h = 0xcbf29ce484222325L;
        for (float f : v) h = (h ^ Float.floatToRawIntBits(f)) * 0x100000001b3L;
        return h;
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown host";
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return mpi == null ? "Distributed[1 process, no mpirun]" : "Distributed[rank " + rank + " of " + size + ", " + host + ", " + mpi.library() + "]";
    }
}
