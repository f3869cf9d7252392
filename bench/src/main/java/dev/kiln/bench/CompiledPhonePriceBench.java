package dev.kiln.bench;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import dev.kiln.samples.compiled.KilnPhonePrice;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training samples/s of the compiled phone-price MLP (20-128-256-4, fused softmax-CE, one-loop
 * optimizer) at batch 8 and 64 with SGD and Adam, against PyTorch 1.13 on the same machine in the same run.
 *
 * <p>Per case it first prints Kiln on one core (the median of 5 one-second runs after a warm-up, by the wall clock and
 * by this thread's CPU time). Then come {@link #ROUNDS} paired rounds: one second of Kiln on two cores (the trainer's
 * default, the figure the ratios use), then one second each of PyTorch on 1 and on 2 threads, asked of
 * {@code bench/torch_phone_price.py --serve}. This machine is shared, and its speed changes by up to 2x from one
 * minute to the next; runs minutes apart would compare Kiln in one state of the machine with PyTorch in another, so
 * each round's ratio compares runs a second apart and the summary is the median of the rounds' ratios, against
 * PyTorch on one thread and against its better thread count in that round ("threading tuned").
 * {@code --no-torch} measures Kiln alone; {@code --case 8/sgd} runs one case only and {@code --rounds 15} takes more
 * rounds (an odd count), for repeated runs of one case. Run from the repository root:
 * <pre>
 * ./mvnw -B -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.kiln.bench.CompiledPhonePriceBench
 * </pre>
 */
public final class CompiledPhonePriceBench {
    private static final int SAMPLES = 1600;
    /** Paired rounds per case unless {@code --rounds} says otherwise: an odd count, for a plain median. */
    private static final int ROUNDS = 7;

    private CompiledPhonePriceBench() {}

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean torch = !options.contains("--no-torch");
        String only = option(options, "--case", null);
        int rounds = Integer.parseInt(option(options, "--rounds", String.valueOf(ROUNDS)));
        if (rounds < 1 || rounds % 2 == 0) throw new IllegalArgumentException("--rounds wants an odd count, for a plain median: " + rounds);
        SplittableRandom r = new SplittableRandom(0);
        float[] x = new float[SAMPLES * 20], y = new float[SAMPLES];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(4);
        Process python = torch ? new ProcessBuilder("/usr/bin/python3", "bench/torch_phone_price.py", "--serve")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start() : null;
        try (TorchServer pytorch = python == null ? null : new TorchServer(python)) {
            for (int batch : new int[] {8, 64}) {
                for (String opt : new String[] {"sgd", "adam"}) {
                    if (only != null && !only.equals(batch + "/" + opt)) continue;
                    double[] one = median(trainer(batch, opt, 1), batch, x, y);
                    System.out.printf(Locale.ROOT, "kiln  batch=%d opt=%s threads=1 samples_per_s=%.0f cpu_samples_per_s=%.0f%n",
                            batch, opt, one[0], one[1]);
                    if (pytorch == null) {
                        double[] two = median(trainer(batch, opt, 2), batch, x, y);
                        System.out.printf(Locale.ROOT, "kiln  batch=%d opt=%s threads=2 samples_per_s=%.0f cpu_samples_per_s=%.0f%n",
                                batch, opt, two[0], two[1]);
                    } else {
                        pairedRounds(trainer(batch, opt, 2), pytorch, batch, opt, x, y, rounds);
                    }
                }
            }
        }
    }

    /** The value after {@code name} in the arguments, or {@code otherwise}. */
    private static String option(List<String> options, String name, String otherwise) {
        int at = options.indexOf(name);
        if (at < 0) return otherwise;
        if (at + 1 >= options.size()) throw new IllegalArgumentException(name + " needs a value");
        return options.get(at + 1);
    }

    /** {@code rounds} rounds of Kiln on two cores against PyTorch on 1 and 2 threads; prints each and the medians. */
    private static void pairedRounds(Trainer kiln, TorchServer pytorch, int batch, String opt, float[] x, float[] y,
                                     int rounds) throws IOException {
        float[] xb = new float[batch * 20], yb = new float[batch];
        timed(kiln, x, y, xb, yb, batch, 4.0); // warm-up: C2 needs a few seconds for all the kernel tiles
        double[] k = new double[rounds], t1 = new double[rounds], tBest = new double[rounds];
        double[] vsOne = new double[rounds], vsBest = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            k[i] = timed(kiln, x, y, xb, yb, batch, 1.0)[0];
            t1[i] = pytorch.samplesPerSecond(batch, opt, 1, 1.0);
            tBest[i] = Math.max(t1[i], pytorch.samplesPerSecond(batch, opt, 2, 1.0));
            vsOne[i] = k[i] / t1[i];
            vsBest[i] = k[i] / tBest[i];
            System.out.printf(Locale.ROOT, "round batch=%d opt=%s kiln_2_cores=%.0f torch_1_thread=%.0f torch_best=%.0f kiln/torch_best=%.1fx load=%.2f%n",
                    batch, opt, k[i], t1[i], tBest[i], vsBest[i], ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
        System.out.printf(Locale.ROOT, "kiln  batch=%d opt=%s threads=2 samples_per_s=%.0f (median of %d rounds)%n", batch, opt, middle(k), rounds);
        System.out.printf(Locale.ROOT, "torch batch=%d opt=%s threads=1 samples_per_s=%.0f best_thread_count_samples_per_s=%.0f%n",
                batch, opt, middle(t1), middle(tBest));
        System.out.printf(Locale.ROOT, "ratio batch=%d opt=%s vs=torch_1_thread kiln/torch=%.1fx (median of the rounds' ratios, from %.1fx to %.1fx)%n",
                batch, opt, middle(vsOne), min(vsOne), max(vsOne));
        System.out.printf(Locale.ROOT, "ratio batch=%d opt=%s vs=torch_best kiln/torch=%.1fx (median of the rounds' ratios, from %.1fx to %.1fx)%n",
                batch, opt, middle(vsBest), min(vsBest), max(vsBest));
    }

    private static double middle(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElseThrow(); }

    private static double max(double[] v) { return Arrays.stream(v).max().orElseThrow(); }

    private static Trainer trainer(int batch, String opt, int threads) {
        KilnPhonePrice model = KilnPhonePrice.create(0, batch);
        Trainer trainer = model.trainer(Loss.crossEntropy(), opt.equals("sgd") ? SGD.options(0.01) : Adam.options().lr(1e-3))
                .threads(threads);
        trainer.prepare(batch);
        return trainer;
    }

    /** The PyTorch side: {@code torch_phone_price.py --serve}, asked for one timed run at a time. */
    private static final class TorchServer implements AutoCloseable {
        private final Process process;
        private final Writer requests;
        private final BufferedReader answers;

        TorchServer(Process process) {
            this.process = process;
            this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        double samplesPerSecond(int batch, String opt, int threads, double seconds) throws IOException {
            requests.write(String.format(Locale.ROOT, "%d %s %d %.1f%n", batch, opt, threads, seconds));
            requests.flush();
            String line = answers.readLine();
            if (line == null || !line.startsWith("samples_per_s=")) {
                throw new IllegalStateException("bench/torch_phone_price.py --serve answered " + line + " (is python3-torch installed?)");
            }
            return Double.parseDouble(line.substring("samples_per_s=".length()));
        }

        @Override
        public void close() throws IOException {
            requests.close();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Median wall-clock and CPU-time samples/s of five one-second runs after a warm-up. */
    private static double[] median(Trainer trainer, int batch, float[] x, float[] y) {
        float[] xb = new float[batch * 20], yb = new float[batch];
        timed(trainer, x, y, xb, yb, batch, 4.0); // warm-up: C2 needs a few seconds for all the kernel tiles
        double[] wall = new double[5], cpu = new double[5];
        for (int i = 0; i < wall.length; i++) {
            double[] r = timed(trainer, x, y, xb, yb, batch, 1.0);
            wall[i] = r[0];
            cpu[i] = r[1];
        }
        return new double[] {middle(wall), middle(cpu)};
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
