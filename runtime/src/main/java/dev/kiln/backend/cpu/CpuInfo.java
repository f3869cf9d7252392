package dev.kiln.backend.cpu;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@code kiln.cpu} report: the shape the CPU kernels picked at start-up ({@link CpuShape}) and
 * this machine's measured float32 FMA peak, the ceiling GEMM figures are judged against. Benchmarks
 * print {@link #describe()}; {@code -Dkiln.cpu.verbose=true} prints it to standard error when the
 * GEMM first runs.
 *
 * <p>The peak is measured, not looked up: a loop of independent FMAs on registers only (no loads),
 * on the JVM's preferred species, first on one core and then on every core at once (the best of a
 * few runs, each thread's rate over its own CPU time, so that other processes sharing the cores
 * lower it less). It takes a few tenths of a second, so it runs only when asked for, once per JVM.
 */
public final class CpuInfo {
    private static final boolean VERBOSE = Boolean.getBoolean("kiln.cpu.verbose");
    private static volatile String line;
    private static volatile double[] peak;

    private CpuInfo() {}

    /**
     * One line for logs and benchmark output, e.g. {@code kiln.cpu vector=512b lanes=16 registers=32
     * cores=2 tile=12x32 kc=256 mc=480 nc=2048 fma_peak=215.3 GFLOP/s/core 421.0 total ...}.
     */
    public static String describe() {
        String l = line;
        if (l == null) {
            synchronized (CpuInfo.class) {
                l = line;
                if (l == null) {
                    CpuShape s = CpuShape.current();
                    double[] p = fmaPeak();
                    l = String.format(Locale.ROOT,
                            "kiln.cpu vector=%db lanes=%d registers=%d cores=%d tile=%s (%dx%d vectors) kc=%d mc=%d nc=%d"
                                    + " l1d=%dK l2=%dK flags=%s scalar=%b fma_peak=%.1f GFLOP/s/core %.1f GFLOP/s total (%d threads)",
                            s.vectorBits(), s.floatLanes(), s.registers(), s.cores(), s.tile(), s.mr(), s.vectors(),
                            s.kc(), s.mc(), s.nc(), s.l1d() >> 10, s.l2() >> 10,
                            s.flags().isEmpty() ? "?" : s.flags(), Gemm.SCALAR, p[0], p[1], (int) p[2]);
                    line = l;
                }
            }
        }
        return l;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean REPORTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** Prints {@link #describe()} to standard error once per JVM, if {@code -Dkiln.cpu.verbose=true}. */
    static void reportIfVerbose() {
        if (VERBOSE && REPORTED.compareAndSet(false, true)) System.err.println(describe());
    }

    /**
     * The measured float32 FMA peak in GFLOP/s (2 flops per lane per FMA): {@code [per core, all
     * cores together, threads used]}. Measured once per JVM.
     */
    public static double[] fmaPeak() {
        double[] p = peak;
        if (p == null) {
            synchronized (CpuInfo.class) {
                p = peak;
                if (p == null) peak = p = measurePeak();
            }
        }
        return p.clone();
    }

    private static double[] measurePeak() {
        // Warm-up: enough calls for C2 to compile the loop as a method, not only on-stack.
        float sink = 0;
        for (int i = 0; i < 200; i++) sink += fmaLoop(2_000);
        double one = 0;
        for (int r = 0; r < 5; r++) one = Math.max(one, timedGflops(10_000_000L));
        int threads = Runtime.getRuntime().availableProcessors();
        double total = one;
        if (threads > 1) {
            double[] each = new double[threads];
            Thread[] helpers = new Thread[threads - 1];
            for (int round = 0; round < 3; round++) {
                java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
                for (int t = 0; t < helpers.length; t++) {
                    int id = t + 1;
                    helpers[t] = new Thread(() -> {
                        await(start);
                        each[id] = timedGflops(10_000_000L);
                    }, "kiln-fma-peak");
                    helpers[t].start();
                }
                await(start);
                each[0] = timedGflops(10_000_000L);
                for (Thread h : helpers) {
                    try {
                        h.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                double sum = 0;
                for (double e : each) sum += e;
                total = round == 0 ? sum : Math.max(total, sum);
            }
        }
        if (sink == 42) System.out.print(""); // keep the warm-up's result alive
        return new double[] {one, total, threads};
    }

    private static void await(java.util.concurrent.CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 12;

    /**
     * GFLOP/s of one run of the loop over the thread's own CPU time where the JVM can tell it (so
     * that other processes taking turns on the core do not read as a slower core), else wall time.
     */
    private static double timedGflops(long iterations) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        long t0 = cpu ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        float r = fmaLoop(iterations);
        double seconds = ((cpu ? threads.getCurrentThreadCpuTime() : System.nanoTime()) - t0) / 1e9;
        if (r == 42) System.out.print("");
        return iterations * CHAINS * S.length() * 2.0 / seconds / 1e9;
    }

    /** Twelve independent FMA chains on registers: enough to cover two FMA units' four-cycle latency. */
    private static float fmaLoop(long iterations) {
        FloatVector x = FloatVector.broadcast(S, 0.999f), y = FloatVector.broadcast(S, 1e-3f);
        FloatVector a0 = y, a1 = y, a2 = y, a3 = y, a4 = y, a5 = y, a6 = y, a7 = y, a8 = y, a9 = y, a10 = y, a11 = y;
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
