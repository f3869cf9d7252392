package dev.kiln.bench;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.samples.compiled.KilnFashionCnn;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training samples/s of the compiled Fashion-MNIST CNN ({@code FashionCnn}) at batch 64 with Adam on random images:
 * the median of 3 runs of 30 steps after a warm-up, by the wall clock and by this thread's CPU time (PyTorch's
 * "1 thread" keeps both cores busy in its convolutions, so the CPU-time rates compare work per core). Unless {@code --no-torch} is given it then runs
 * {@code bench/torch_fashion_cnn.py}, the same network and step in PyTorch at 1 and 2 threads. From the repository root:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.kiln.bench.CompiledCnnBench
 * </pre>
 */
public final class CompiledCnnBench {
    private static final int BATCH = 64, IMAGE = 28 * 28;

    private CompiledCnnBench() {}

    public static void main(String[] args) throws Exception {
        SplittableRandom r = new SplittableRandom(0);
        float[] x = new float[8 * BATCH * IMAGE], y = new float[8 * BATCH];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(10);
        KilnFashionCnn model = KilnFashionCnn.create(0, BATCH);
        Trainer trainer = model.trainer(Loss.crossEntropy(), Adam.options().lr(1e-3));
        trainer.prepare(BATCH);
        float[] xb = new float[BATCH * IMAGE], yb = new float[BATCH];
        steps(trainer, x, y, xb, yb, 60); // warm-up: let C2 compile the kernels
        double[] runs = new double[3], cpu = new double[3];
        var threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < runs.length; i++) {
            long c0 = threads.getCurrentThreadCpuTime();
            runs[i] = steps(trainer, x, y, xb, yb, 30);
            cpu[i] = 30.0 * BATCH / ((threads.getCurrentThreadCpuTime() - c0) / 1e9);
        }
        Arrays.sort(runs);
        Arrays.sort(cpu);
        System.out.printf(Locale.ROOT, "kiln_cnn threads=1 samples_per_s=%.0f cpu_samples_per_s=%.0f load=%.2f%n", runs[1], cpu[1],
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (Arrays.asList(args).contains("--no-torch")) return;
        Process p = new ProcessBuilder("/usr/bin/python3", "bench/torch_fashion_cnn.py").redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(line);
                if (!line.startsWith("torch_cnn ")) continue;
                double t = Double.parseDouble(line.replaceAll(".* samples_per_s=(\\d+) .*", "$1"));
                System.out.printf(Locale.ROOT, "ratio %s kiln/torch=%.2fx%n", line.split(" ")[1], runs[1] / t);
            }
        }
        p.waitFor();
    }

    /** Steps over 8 consecutive batches (copied like a loader would); returns samples/s. */
    private static double steps(Trainer trainer, float[] x, float[] y, float[] xb, float[] yb, int count) {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int b = i % 8;
            System.arraycopy(x, b * BATCH * IMAGE, xb, 0, BATCH * IMAGE);
            System.arraycopy(y, b * BATCH, yb, 0, BATCH);
            trainer.step(xb, yb, BATCH);
        }
        return (double) count * BATCH / ((System.nanoTime() - t0) / 1e9);
    }
}
