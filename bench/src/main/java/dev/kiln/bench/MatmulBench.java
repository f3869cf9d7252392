package dev.kiln.bench;

import dev.kiln.backend.cpu.CpuInfo;
import dev.kiln.backend.cpu.Gemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.CommandLineOptionException;

/**
 * float32 square matmul C = A * B through {@link Gemm#sgemm}, the figure compared with NumPy's
 * {@code bench/numpy_matmul.py} at the same sizes.
 *
 * <p>JMH reports operations per second; one operation is one n x n x n product, i.e. 2 * n^3
 * floating-point operations, so GFLOP/s = ops/s * 2 * n^3 / 1e9. Running this class's
 * {@link #main} instead of the shaded jar's JMH main prints that conversion after the usual table
 * (it accepts the same JMH options, e.g. {@code -f 1 -wi 2 -i 3 -w 2 -r 2}), with the {@code kiln.cpu} line
 * and each figure's share of the measured FMA peak. {@link GemmBench} times PyTorch beside Kiln in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatmulBench {
    @Param({"64", "256", "512", "1024", "2048"})
    public int n;

    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(42);
        a = new float[n * n];
        b = new float[n * n];
        c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
            b[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
    }

    @TearDown(Level.Trial)
    public void checkResult() {
        // Guard against benchmarking a broken kernel: spot-check one element against a dot product.
        int i = n / 3, j = n / 2;
        double dot = 0;
        for (int p = 0; p < n; p++) dot += (double) a[i * n + p] * b[p * n + j];
        if (Math.abs(dot - c[i * n + j]) > 1e-3 * Math.sqrt(n)) {
            throw new IllegalStateException("C[" + i + "," + j + "] = " + c[i * n + j] + ", expected " + dot);
        }
    }

    @Benchmark
    public float[] sgemm() {
        Gemm.sgemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false);
        return c;
    }

    /** ops/s of one n^3 matmul to GFLOP/s. */
    public static double gflops(int n, double opsPerSecond) {
        return opsPerSecond * 2.0 * n * n * n / 1e9;
    }

    /** Runs this benchmark with the given JMH options and prints GFLOP/s for each size. */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions cli = new CommandLineOptions(args);
        var opts = new org.openjdk.jmh.runner.options.OptionsBuilder()
                .parent(cli)
                .include(MatmulBench.class.getName() + ".sgemm")
                .build();
        var results = new Runner(opts).run();
        String cpu = CpuInfo.describe();
        double peak = CpuInfo.fmaPeak()[1];
        System.out.println(cpu);
        for (RunResult r : results) {
            int size = Integer.parseInt(r.getParams().getParam("n"));
            double ops = r.getPrimaryResult().getScore();
            System.out.printf("MatmulBench n=%d: %.2f ops/s = %.1f GFLOP/s = %.0f%% of the FMA peak %.1f%n",
                    size, ops, gflops(size, ops), 100 * gflops(size, ops) / peak, peak);
        }
    }
}
