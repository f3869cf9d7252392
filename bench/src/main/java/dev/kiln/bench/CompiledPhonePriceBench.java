package dev.kiln.bench;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.samples.compiled.KilnPhonePrice;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training samples/s of the compiled phone-price MLP (20-128-256-4, fused softmax-CE, one-loop
 * optimizer) at batch 8 and 64 with SGD and Adam, on one core and on two (the default; the ratios use it): the
 * median of 5 one-second runs after a warm-up, by the wall clock and by this thread's CPU time (with two cores
 * the wall clock is the figure that counts). Unless {@code --no-torch} is given it then runs {@code bench/torch_phone_price.py}
 * (1 and 2 threads) on the same machine and prints the ratio per case against PyTorch on one thread and
 * against its best thread count. Run from the repository root:
 * <pre>
 * ./mvnw -B -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.kiln.bench.CompiledPhonePriceBench
 * </pre>
 */
public final class CompiledPhonePriceBench {
    private static final int SAMPLES = 1600;

    private CompiledPhonePriceBench() {}

    public static void main(String[] args) throws Exception {
        boolean torch = !Arrays.asList(args).contains("--no-torch");
        SplittableRandom r = new SplittableRandom(0);
        float[] x = new float[SAMPLES * 20], y = new float[SAMPLES];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(4);
        Map<String, Double> kiln = new HashMap<>();
        for (int batch : new int[] {8, 64}) {
            for (String opt : new String[] {"sgd", "adam"}) {
                for (int threads : new int[] {1, 2}) {
                    double[] s = measure(batch, opt, threads, x, y);
                    if (threads == 2) kiln.put(batch + opt, s[0]);
                    System.out.printf(Locale.ROOT, "kiln  batch=%d opt=%s threads=%d samples_per_s=%.0f cpu_samples_per_s=%.0f load=%.2f%n",
                            batch, opt, threads, s[0], s[1], ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                }
            }
        }
        if (!torch) return;
        Process p = new ProcessBuilder("/usr/bin/python3", "bench/torch_phone_price.py").redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(line);
                boolean best = line.startsWith("torch_best ");
                if (!best && !line.startsWith("torch ")) continue;
                Map<String, String> kv = new HashMap<>();
                for (String part : line.substring(line.indexOf(' ') + 1).split(" ")) kv.put(part.split("=")[0], part.split("=")[1]);
                if (!best && !kv.get("threads").equals("1")) continue;
                double t = Double.parseDouble(kv.get("samples_per_s"));
                double k = kiln.get(kv.get("batch") + kv.get("opt"));
                System.out.printf(Locale.ROOT, "ratio batch=%s opt=%s vs=%s kiln/torch=%.1fx%n", kv.get("batch"), kv.get("opt"),
                        best ? "torch_best(threads=" + kv.get("threads") + ")" : "torch_1_thread", k / t);
            }
        }
        p.waitFor();
    }

    /**
     * Median wall-clock and CPU-time samples/s of five one-second runs, on one core or two (the trainer's default:
     * each core computes half of the batch's rows).
     */
    private static double[] measure(int batch, String opt, int threads, float[] x, float[] y) {
        KilnPhonePrice model = KilnPhonePrice.create(0, batch);
        Trainer trainer = model.trainer(Loss.crossEntropy(), opt.equals("sgd") ? Optimizer.sgd(0.01) : Optimizer.adam(1e-3))
                .threads(threads);
        trainer.prepare(batch);
        float[] xb = new float[batch * 20], yb = new float[batch];
        timed(trainer, x, y, xb, yb, batch, 4.0); // warm-up: C2 needs a few seconds for all the kernel tiles
        double[] wall = new double[5], cpu = new double[5];
        for (int i = 0; i < wall.length; i++) {
            double[] r = timed(trainer, x, y, xb, yb, batch, 1.0);
            wall[i] = r[0];
            cpu[i] = r[1];
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        return new double[] {wall[2], cpu[2]};
    }

    /** Steps over consecutive batches (copied like a loader would) for {@code seconds}; returns wall and CPU samples/s. */
    private static double[] timed(Trainer trainer, float[] x, float[] y, float[] xb, float[] yb, int batch, double seconds) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime(), limit = (long) (seconds * 1e9);
        long done = 0;
        while (System.nanoTime() - t0 < limit) {
            for (int start = 0; start + batch <= SAMPLES; start += batch) {
                System.arraycopy(x, start * 20, xb, 0, batch * 20);
                System.arraycopy(y, start, yb, 0, batch);
                trainer.step(xb, yb, batch);
                done += batch;
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9, cpu = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
        return new double[] {done / wall, done / cpu};
    }
}
