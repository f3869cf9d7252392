package dev.kiln.bench;

import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.kiln.tensor.Index.slice;
import static dev.kiln.tensor.Torch.manualSeed;
import static dev.kiln.tensor.Torch.randint;
import static dev.kiln.tensor.Torch.randn;

/**
 * Training samples/s of the phone-price MLP in Kiln's eager API, written as the PyTorch user
 * would write it: {@code nn.Sequential(Linear(20,128), ReLU, Linear(128,256), ReLU, Linear(256,4))},
 * {@code CrossEntropyLoss}, and per batch {@code zeroGrad(); loss(net(x), y).backward(); step()},
 * at batch 8 and 64 with SGD(lr=1e-3) and Adam(lr=1e-3). Each case is the median of 5 one-second
 * runs after a 2-second warm-up (C2 compiles the hot paths during it). The batches are row slices
 * (views) of one 1600 x 20 tensor, as {@code x_all[i:i + batch]} in the PyTorch script.
 *
 * <p>Unless {@code --no-torch} (or {@code --batch N}, to measure one batch size only) is given it then runs {@code bench/torch_phone_price.py} (the same
 * workload; its SGD learning rate is passed as 1e-3) with 1 and with 2 torch threads, and prints
 * the ratio Kiln / PyTorch per case. Run from the repository root:
 * <pre>
 * ./mvnw -B -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.kiln.bench.EagerPhonePriceBench
 * </pre>
 * Kiln's GEMM splits products above 2^20 multiply-adds over the common ForkJoinPool (the
 * 64 x 128 x 256 layer at batch 64), so on this machine it may use both cores.
 */
public final class EagerPhonePriceBench {
    private static final int SAMPLES = 1600;
    private static final double LR = 1e-3;

    private EagerPhonePriceBench() {}

    public static void main(String[] args) throws Exception {
        List<String> argv = Arrays.asList(args);
        boolean torch = !argv.contains("--no-torch") && !argv.contains("--batch");
        manualSeed(0);
        Tensor x = randn(SAMPLES, 20);
        Tensor y = randint(0, 4, SAMPLES);
        Map<String, Double> kiln = new HashMap<>();
        // --batch N measures one batch size only (for profiling one case); the torch comparison needs both.
        int only = argv.contains("--batch") ? Integer.parseInt(argv.get(argv.indexOf("--batch") + 1)) : 0;
        for (int batch : only > 0 ? new int[] {only} : new int[] {8, 64}) {
            for (String opt : new String[] {"sgd", "adam"}) {
                double s = measure(batch, opt, x, y);
                kiln.put(batch + opt, s);
                System.out.printf(Locale.ROOT, "kiln-eager batch=%d opt=%s samples_per_s=%.0f%n", batch, opt, s);
            }
        }
        if (!torch) return;
        Process p = new ProcessBuilder("/usr/bin/python3", "bench/torch_phone_price.py", "--lr", Double.toString(LR), "1", "2")
                .redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                boolean best = line.startsWith("torch_best ");
                if (!best && !line.startsWith("torch ")) {
                    System.out.println(line);
                    continue;
                }
                Map<String, String> kv = new HashMap<>();
                for (String part : line.substring(line.indexOf(' ') + 1).split(" ")) kv.put(part.split("=")[0], part.split("=")[1]);
                double t = Double.parseDouble(kv.get("samples_per_s"));
                double k = kiln.get(kv.get("batch") + kv.get("opt"));
                System.out.printf(Locale.ROOT, "%s threads=%s batch=%s opt=%s samples_per_s=%.0f  kiln/torch=%.2fx%n",
                        best ? "torch_best" : "torch", kv.get("threads"), kv.get("batch"), kv.get("opt"), t, k / t);
            }
        }
        if (p.waitFor() != 0) throw new IllegalStateException("torch_phone_price.py exited with " + p.exitValue());
    }

    static Sequential mlp() {
        return new Sequential(new Linear(20, 128), new ReLU(), new Linear(128, 256), new ReLU(), new Linear(256, 4));
    }

    private static double measure(int batch, String opt, Tensor x, Tensor y) {
        manualSeed(0);
        Sequential net = mlp();
        Optimizer<?> optimizer = opt.equals("sgd") ? new SGD(net.parameters(), LR)
                : new Adam(net.parameters(), Adam.options().lr(LR));
        CrossEntropyLoss lossFn = new CrossEntropyLoss();
        List<Tensor[]> batches = new ArrayList<>();
        for (int start = 0; start + batch <= SAMPLES; start += batch) {
            batches.add(new Tensor[] {x.get(slice(start, start + batch)), y.get(slice(start, start + batch))});
        }
        timed(net, optimizer, lossFn, batches, batch, 2.0); // warm-up
        double[] runs = new double[5];
        for (int i = 0; i < runs.length; i++) runs[i] = timed(net, optimizer, lossFn, batches, batch, 1.0);
        Arrays.sort(runs);
        return runs[runs.length / 2];
    }

    /** Full passes over the batches for {@code seconds}; returns samples/s. */
    private static double timed(Sequential net, Optimizer<?> optimizer, CrossEntropyLoss lossFn, List<Tensor[]> batches,
                                int batch, double seconds) {
        long t0 = System.nanoTime(), limit = (long) (seconds * 1e9);
        long done = 0;
        while (System.nanoTime() - t0 < limit) {
            for (Tensor[] b : batches) {
                optimizer.zeroGrad();
                Tensor loss = lossFn.forward(net.forward(b[0]), b[1]);
                loss.backward();
                optimizer.step();
                done += batch;
            }
        }
        return done / ((System.nanoTime() - t0) / 1e9);
    }
}
