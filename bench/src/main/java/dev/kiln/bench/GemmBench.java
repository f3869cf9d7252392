package dev.kiln.bench;

import dev.kiln.backend.cpu.CpuInfo;
import dev.kiln.backend.cpu.Gemm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * float32 square matmul {@code C = A * B} through {@link Gemm#sgemm} beside PyTorch's {@code torch.mm}
 * in the same run, alternating: each round multiplies for half a second in Kiln, then half a
 * second in PyTorch on 1 and on 2 threads ({@code bench/torch_matmul.py --serve}, one process for
 * the whole run), so both sides of each ratio see the same state of a shared machine. Prints the
 * {@code kiln.cpu} line first, then per size each round and the medians: GFLOP/s, the ratio to
 * PyTorch's better thread count (the median of the rounds' own ratios), and Kiln's share of the
 * measured FMA peak of all cores.
 *
 * <pre>
 * ./mvnw -B -ntp -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.kiln.bench.GemmBench [--sizes 64,256] [--rounds 7] [--no-torch]
 * </pre>
 */
public final class GemmBench {
    private GemmBench() {}

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        int[] sizes = Arrays.stream(option(options, "--sizes", "64,256,512,1024,2048").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.parseInt(option(options, "--rounds", "7"));
        double seconds = Double.parseDouble(option(options, "--seconds", "0.5"));
        boolean torch = !options.contains("--no-torch");
        System.out.println("cpu " + cpuModel() + "; load " + load());
        System.out.println(CpuInfo.describe());
        double peakTotal = CpuInfo.fmaPeak()[1];
        Process python = torch ? new ProcessBuilder("/usr/bin/python3", "bench/torch_matmul.py", "--serve")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start() : null;
        try (TorchServer pytorch = python == null ? null : new TorchServer(python)) {
            for (int n : sizes) {
                float[][] abc = operands(n);
                timed(n, abc, 2.0); // warm-up: C2 compiles the kernels and the drivers
                if (pytorch != null) pytorch.gflops(n, 2, 0.5);
                double[] k = new double[rounds], t = new double[rounds], ratio = new double[rounds];
                double[] loads = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    k[r] = timed(n, abc, seconds);
                    if (pytorch != null) {
                        t[r] = Math.max(pytorch.gflops(n, 1, seconds), pytorch.gflops(n, 2, seconds));
                        ratio[r] = k[r] / t[r];
                    }
                    loads[r] = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                    System.out.printf(Locale.ROOT, "round n=%d kiln=%.1f torch_best=%.1f kiln/torch=%.2f load=%.2f%n",
                            n, k[r], t[r], ratio[r], loads[r]);
                }
                check(n, abc);
                System.out.printf(Locale.ROOT,
                        "gemm n=%d kiln=%.1f GFLOP/s torch_best=%.1f GFLOP/s kiln/torch=%.2f (rounds %.2f-%.2f) "
                                + "kiln=%.0f%% of FMA peak %.1f (load %.2f-%.2f, %d rounds)%n",
                        n, median(k), median(t), median(ratio), min(ratio), max(ratio),
                        100 * median(k) / peakTotal, peakTotal, min(loads), max(loads), rounds);
            }
        }
    }

    private static float[][] operands(int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
            b[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return new float[][] {a, b, c};
    }

    /** GFLOP/s of back-to-back products for about {@code seconds}. */
    private static double timed(int n, float[][] abc, double seconds) {
        long t0 = System.nanoTime(), limit = (long) (seconds * 1e9), done = 0;
        int batch = (int) Math.max(1, (1L << 22) / ((long) n * n * n));
        while (System.nanoTime() - t0 < limit) {
            for (int i = 0; i < batch; i++) {
                Gemm.sgemm(false, false, n, n, n, abc[0], 0, n, abc[1], 0, n, abc[2], 0, n, false);
            }
            done += batch;
        }
        return 2.0 * n * n * n * done / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }

    /** Guards against timing a broken kernel: one element against a double dot product. */
    private static void check(int n, float[][] abc) {
        int i = n / 3, j = n / 2;
        double dot = 0;
        for (int p = 0; p < n; p++) dot += (double) abc[0][i * n + p] * abc[1][p * n + j];
        if (Math.abs(dot - abc[2][i * n + j]) > 1e-3 * Math.sqrt(n)) {
            throw new IllegalStateException("C[" + i + "," + j + "] = " + abc[2][i * n + j] + ", expected " + dot);
        }
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static String option(List<String> options, String name, String otherwise) {
        int at = options.indexOf(name);
        if (at < 0) return otherwise;
        if (at + 1 >= options.size()) throw new IllegalArgumentException(name + " needs a value");
        return options.get(at + 1);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }

    /** The PyTorch side: {@code torch_matmul.py --serve}, asked for one timed run at a time. */
    private static final class TorchServer implements AutoCloseable {
        private final Process process;
        private final Writer requests;
        private final BufferedReader answers;

        TorchServer(Process process) {
            this.process = process;
            this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        double gflops(int n, int threads, double seconds) throws IOException {
            requests.write(String.format(Locale.ROOT, "%d %d %.2f%n", n, threads, seconds));
            requests.flush();
            String line = answers.readLine();
            if (line == null || !line.startsWith("gflops=")) {
                throw new IllegalStateException("bench/torch_matmul.py --serve answered " + line
                        + " (is python3-torch installed?)");
            }
            return Double.parseDouble(line.substring("gflops=".length()));
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
}
