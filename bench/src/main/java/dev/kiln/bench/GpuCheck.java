package dev.kiln.bench;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;
import dev.kiln.backend.KernelDialect;
import dev.kiln.backend.cpu.Gemm;
import dev.kiln.backend.cuda.Nvrtc;
import dev.kiln.backend.kernels.KernelLibrary;
import dev.kiln.backend.kernels.Tiles;
import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import dev.kiln.samples.compiled.KilnFashionCnn;
import dev.kiln.samples.compiled.KilnPhonePrice;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * The GPU check that {@code bench/gpu-check.sh} runs on a GPU machine: (1) a self-test of one device (upload and
 * download, the kernel library's GEMM against the CPU's at odd sizes in all four layouts, the compiled phone-price
 * MLP trained 20 steps on the device and on one CPU core), then (2) the workloads timed on that device, then (3) the
 * same workloads in PyTorch ({@code bench/torch_gpu.py}, run after Kiln's timings so the two never share the GPU),
 * and a table (workload, Kiln, PyTorch, ratio, goal) and one JSON line.
 *
 * <p>Workloads: the phone-price MLP (20-128-256-4, cross-entropy) at batch 64 and 1024 with SGD and Adam, in
 * samples/s (each step uploads the batch from the heap and reads the loss back, which synchronises; PyTorch does the
 * same: host batches moved to the GPU and {@code loss.item()} every step); the Fashion-MNIST CNN at batch 64 and 256
 * with Adam (a model the device path cannot run reports "not yet on devices"); SGEMM 4096 via
 * {@link KernelLibrary#gemm} in GFLOP/s (PyTorch with TF32 off). Each figure is the median of several timed windows
 * after a warm-up. Goals on an H100: MLP &ge; 1.5x PyTorch, CNN &ge; 1x, SGEMM &ge; 0.6x cuBLAS.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp 'lib/*' dev.kiln.bench.GpuCheck \
 *     [--device cuda:0] [--quick] [--data DIR] [--python PYTHON|none] [--torch-script bench/torch_gpu.py]
 *     [--torch-device cuda|cpu] [--self-test-only] [--list]
 *     [--nvrtc-check [--cuda-major 13] [--arch compute_90]]
 * </pre>
 * {@code --device} defaults to {@code cuda:0}; {@code --quick} uses tiny sizes and short windows (for PoCL on a machine
 * without a GPU); {@code --data} is the folder with {@code mobile-price/train.csv} and
 * {@code fashion-mnist/t10k-*-idx*-ubyte.gz} (default {@code bench/target/gpu-kit/data}; missing files are replaced by
 * random data of the same shape, and the output says so); {@code --torch-device} defaults to {@code cuda} for a CUDA
 * device and {@code cpu} otherwise; {@code --list} prints {@link Device#available()} and exits;
 * {@code --nvrtc-check} only compiles the kernels with the NVRTC a CUDA context would load (no GPU needed). Exit status: 0 when the
 * self-test passed (goals missed do not fail the run), 1 when it failed, 2 for bad arguments.
 */
public final class GpuCheck {
    private static final int FEATURES = 20, CLASSES = 4, IMAGE = 28 * 28;
    private static final double MLP_GOAL = 1.5, CNN_GOAL = 1.0, GEMM_GOAL = 0.6;

    private final Device device;
    private final boolean quick;
    private final Path data;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Result> results = new LinkedHashMap<>();
    private int passed, failed;
    private boolean opened;
    private String deviceName = "?", driver = "?";

    /** One row of the table: Kiln's figure (or why there is none), PyTorch's, the goal as a ratio. */
    static final class Result {
        final String id, label, unit;
        final double goal;
        Double kiln, torch;
        String kilnNote, torchNote;

        Result(String id, String label, String unit, double goal) {
            this.id = id;
            this.label = label;
            this.unit = unit;
            this.goal = goal;
        }

        Double ratio() { return kiln != null && torch != null && torch > 0 ? kiln / torch : null; }
    }

    private GpuCheck(Device device, boolean quick, Path data) {
        this.device = device;
        this.quick = quick;
        this.data = data;
    }

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        if (options.contains("--help") || options.contains("-h")) {
            System.out.println("usage: GpuCheck [--device cuda:0] [--quick] [--data DIR] [--python PYTHON|none] "
                    + "[--torch-script bench/torch_gpu.py] [--torch-device cuda|cpu] [--self-test-only] [--list] "
                    + "[--nvrtc-check [--cuda-major 13] [--arch compute_90]]");
            return;
        }
        if (options.contains("--list")) {
            for (DeviceInfo d : Device.available()) System.out.println("device " + d);
            return;
        }
        if (options.contains("--nvrtc-check")) {
            System.exit(nvrtcCheck(Integer.parseInt(option(options, "--cuda-major", "13")), option(options, "--arch", "compute_90")));
            return;
        }
        Device device;
        try {
            device = Device.of(option(options, "--device", "cuda:0"));
        } catch (IllegalArgumentException e) {
            System.err.println("GpuCheck: " + e.getMessage());
            System.exit(2);
            return;
        }
        boolean quick = options.contains("--quick");
        Path data = Path.of(option(options, "--data", "bench/target/gpu-kit/data"));
        String python = option(options, "--python", "python3");
        String script = option(options, "--torch-script", "bench/torch_gpu.py");
        String torchDevice = option(options, "--torch-device", device.kind() == Device.Kind.CUDA ? "cuda" : "cpu");

        GpuCheck check = new GpuCheck(device, quick, data);
        check.selfTest();
        if (!options.contains("--self-test-only")) {
            if (check.opened) check.timeKiln();
            else check.notSetUp();
            if (!python.equals("none")) check.runTorch(python, script, torchDevice);
            else check.notes.add("PyTorch not run (--python none): Kiln's figures alone");
            check.printTable(torchDevice);
        }
        check.printJson(torchDevice, !options.contains("--self-test-only"));
        System.exit(check.failed == 0 ? 0 : 1);
    }

    private static String option(List<String> options, String name, String otherwise) {
        int at = options.indexOf(name);
        if (at < 0) return otherwise;
        if (at + 1 >= options.size()) throw new IllegalArgumentException(name + " needs a value");
        return options.get(at + 1);
    }

    // ---------------------------------------------------------------- self-test

    private void selfTest() {
        System.out.println("== self-test on " + device + (quick ? " (quick)" : ""));
        DeviceContext ctx;
        try {
            long t0 = System.nanoTime();
            ctx = Backends.open(device);
            deviceName = ctx.name();
            for (DeviceInfo d : Device.available()) if (d.device().equals(device)) driver = d.driver();
            System.out.printf(Locale.ROOT, "opened %s: %s (%s) in %.2f s%n", device, deviceName, driver, (System.nanoTime() - t0) / 1e9);
            if (device.kind() == Device.Kind.CUDA) {
                // The NVRTC the context loaded: the same search, so the same cached instance.
                var major = java.util.regex.Pattern.compile("CUDA (\\d+)\\.").matcher(driver);
                System.out.println("nvrtc: " + Nvrtc.load(null, major.find() ? Integer.parseInt(major.group(1)) : 13)
                        + ", PTX cache " + System.getProperty("kiln.ptx.cache", "~/.cache/kiln/ptx"));
            }
            t0 = System.nanoTime();
            KernelLibrary lib = KernelLibrary.on(ctx);
            System.out.printf(Locale.ROOT, "kernel library compiled in %.2f s, tiles %s%n", (System.nanoTime() - t0) / 1e9, lib.tiles());
        } catch (RuntimeException e) {
            check("open " + device, false, e.toString());
            return;
        }
        opened = true;
        run("upload/download/copy", () -> roundTrip(ctx));
        int[][] sizes = quick
                ? new int[][] {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {70, 45, 129}}
                : new int[][] {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {64, 64, 64}, {127, 129, 257}, {300, 257, 511}, {1000, 37, 1025}};
        for (int[] s : sizes) {
            for (int layout = 0; layout < 4; layout++) {
                boolean ta = (layout & 2) != 0, tb = (layout & 1) != 0;
                for (boolean acc : new boolean[] {false, true}) {
                    String name = String.format(Locale.ROOT, "gemm %dx%dx%d %s%s%s", s[0], s[1], s[2], ta ? "T" : "N", tb ? "T" : "N",
                            acc ? " accumulate" : "");
                    run(name, () -> gemmVsCpu(ctx, ta, tb, s[0], s[1], s[2], acc));
                }
            }
        }
        float[][] xy = phonePrice();
        for (int batch : new int[] {64, 13}) {
            run("phone-price MLP sgd(0.05, momentum 0.9) batch " + batch + " 20 steps vs CPU",
                    () -> mlpVsCpu(xy, batch, () -> Optimizer.of(SGD.options(0.05).momentum(0.9))));
            run("phone-price MLP adam batch " + batch + " 20 steps vs CPU",
                    () -> mlpVsCpu(xy, batch, () -> Optimizer.of(Adam.options().lr(1e-3).eps(1e-3).weightDecay(1e-2))));
        }
        System.out.printf(Locale.ROOT, "self-test on %s: %d passed, %d failed%n", device, passed, failed);
    }

    /** A check's body: returns a detail for the line, or throws {@link CheckFailed}. */
    private interface Check {
        String run();
    }

    private static final class CheckFailed extends RuntimeException {
        CheckFailed(String message) { super(message, null, false, false); }
    }

    private void run(String name, Check body) {
        try {
            check(name, true, body.run());
        } catch (CheckFailed e) {
            check(name, false, e.getMessage());
        } catch (RuntimeException | Error e) {
            check(name, false, e.toString());
        }
    }

    private void check(String name, boolean ok, String detail) {
        if (ok) passed++;
        else failed++;
        System.out.println("self-test " + (ok ? "PASS " : "FAIL ") + name + (detail == null || detail.isEmpty() ? "" : ": " + detail));
    }

    private String roundTrip(DeviceContext ctx) {
        int n = quick ? 100_003 : 4_000_037;
        SplittableRandom r = new SplittableRandom(1);
        float[] host = new float[n];
        for (int i = 0; i < n; i++) host[i] = (float) r.nextGaussian();
        try (DeviceBuffer a = ctx.allocate(n); DeviceBuffer b = ctx.allocate(n + 11)) {
            ctx.upload(host, 0, a, 0, n); // warm-up: the copy paths' first use
            ctx.download(a, 0, new float[n], 0, n);
            long t0 = System.nanoTime();
            ctx.upload(host, 0, a, 0, n);
            double up = (System.nanoTime() - t0) / 1e9;
            ctx.copy(a, 7, b, 11, n - 7);
            ctx.upload(host, 0, b, 0, 5);
            float[] back = new float[n], back2 = new float[n + 11];
            t0 = System.nanoTime();
            ctx.download(a, 0, back, 0, n);
            double down = (System.nanoTime() - t0) / 1e9;
            ctx.download(b, 0, back2, 0, n + 11);
            for (int i = 0; i < n; i++) {
                if (Float.floatToRawIntBits(back[i]) != Float.floatToRawIntBits(host[i])) throw new CheckFailed("float " + i + " came back as " + back[i] + ", sent " + host[i]);
            }
            for (int i = 0; i < 5; i++) if (back2[i] != host[i]) throw new CheckFailed("partial upload: float " + i);
            for (int i = 7; i < n; i++) if (back2[i + 4] != host[i]) throw new CheckFailed("device copy: float " + i);
            float[] mid = new float[100];
            ctx.download(a, n / 2, mid, 3, 90);
            for (int i = 0; i < 90; i++) if (mid[3 + i] != host[n / 2 + i]) throw new CheckFailed("offset download: float " + i);
            return String.format(Locale.ROOT, "%,d floats bit-exact; upload %.2f GB/s, download %.2f GB/s (heap arrays, staged)",
                    n, 4.0 * n / up / 1e9, 4.0 * n / down / 1e9);
        }
    }

    /** Device GEMM against {@link Gemm#sgemm} with padded leading dimensions, offsets and guard values around C. */
    private String gemmVsCpu(DeviceContext ctx, boolean ta, boolean tb, int m, int n, int k, boolean acc) {
        SplittableRandom r = new SplittableRandom(31L * m + 7L * n + k);
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
        int aOff = 5, bOff = 1, cOff = 9;
        int aRows = ta ? k : m, bRows = tb ? n : k;
        float[] a = random(r, aOff + aRows * lda), b = random(r, bOff + bRows * ldb), c = random(r, cOff + m * ldc + 4);
        float[] cpu = c.clone(), dev = new float[c.length];
        Gemm.sgemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, cpu, cOff, ldc, acc);
        KernelLibrary lib = KernelLibrary.on(ctx);
        try (DeviceBuffer da = ctx.allocate(a.length); DeviceBuffer db = ctx.allocate(b.length); DeviceBuffer dc = ctx.allocate(c.length)) {
            ctx.upload(a, 0, da, 0, a.length);
            ctx.upload(b, 0, db, 0, b.length);
            ctx.upload(c, 0, dc, 0, c.length);
            lib.gemm(ta, tb, m, n, k, da, aOff, lda, db, bOff, ldb, dc, cOff, ldc, acc);
            ctx.download(dc, 0, dev, 0, dev.length);
        }
        // Values are in [-1, 1): a float sum of k products is off by about sqrt(k) ulps; allow k of them.
        double tol = 2e-7 * (k + 8) * 4, worst = 0;
        for (int i = 0; i < c.length; i++) {
            int rel = i - cOff, row = rel / ldc, col = rel % ldc;
            boolean inside = rel >= 0 && row < m && col < n;
            if (!inside) {
                if (Float.floatToRawIntBits(dev[i]) != Float.floatToRawIntBits(c[i])) {
                    throw new CheckFailed("wrote outside C at float " + i + " (row " + row + ", column " + col + ")");
                }
                continue;
            }
            double err = Math.abs((double) dev[i] - cpu[i]);
            if (!(err <= tol)) throw new CheckFailed(String.format(Locale.ROOT, "C[%d][%d] = %s on the device, %s on the CPU (tolerance %.1e)", row, col, dev[i], cpu[i], tol));
            worst = Math.max(worst, err);
        }
        return String.format(Locale.ROOT, "max |device - cpu| %.2e (tolerance %.1e)", worst, tol);
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-1, 1);
        return x;
    }

    /** The compiled phone-price MLP: 20 steps on the device and on one CPU core, loss and parameters compared. */
    private String mlpVsCpu(float[][] xy, int batch, Supplier<Optimizer> opt) {
        KilnPhonePrice cpuModel = KilnPhonePrice.create(5), devModel = KilnPhonePrice.create(5);
        Trainer cpu = new Trainer(cpuModel, Loss.crossEntropy(), opt.get()).threads(1);
        Trainer dev = new Trainer(devModel, Loss.crossEntropy(), opt.get()).device(device);
        int rows = xy[1].length;
        float[] x = new float[batch * FEATURES], y = new float[batch];
        double worstLoss = 0;
        for (int s = 0; s < 20; s++) {
            int start = (s * batch) % (rows - batch);
            System.arraycopy(xy[0], start * FEATURES, x, 0, batch * FEATURES);
            System.arraycopy(xy[1], start, y, 0, batch);
            float a = cpu.step(x, y, batch), b = dev.step(x, y, batch);
            double tol = 2e-4 * Math.max(1, Math.abs(a));
            if (!(Math.abs(a - b) <= tol)) throw new CheckFailed("loss at step " + s + ": " + b + " on the device, " + a + " on the CPU");
            if (dev.coresInLastStep() != 0) throw new CheckFailed("step " + s + " did not run on the device");
            worstLoss = Math.max(worstLoss, Math.abs(a - b));
        }
        dev.device(Device.CPU); // copies the parameters back and frees the device buffers
        float[] p = cpuModel.parameterBuffer(), q = devModel.parameterBuffer();
        double scale = 0, worst = 0;
        for (float v : p) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < p.length; i++) {
            double err = Math.abs(p[i] - q[i]);
            if (!(err <= 5e-4 * scale)) throw new CheckFailed("parameter " + i + ": " + q[i] + " on the device, " + p[i] + " on the CPU");
            worst = Math.max(worst, err);
        }
        return String.format(Locale.ROOT, "max loss difference %.1e, max parameter difference %.1e (of %.2f)", worstLoss, worst, scale);
    }

    /**
     * {@code --nvrtc-check}: loads NVRTC as a CUDA context would for a driver of CUDA {@code cudaMajor} and compiles
     * the kernel library and the phone-price MLP's kernels for {@code arch}, printing the library and the PTX ISA
     * version (a driver older than the NVRTC cannot load its PTX). Needs no GPU. Returns the exit status.
     */
    private static int nvrtcCheck(int cudaMajor, String arch) {
        try {
            long t0 = System.nanoTime();
            Nvrtc nvrtc = Nvrtc.load(null, cudaMajor);
            String lib = nvrtc.compile("kiln-kernels", KernelDialect.withPrelude(Device.Kind.CUDA, KernelLibrary.source(Tiles.GPU)), arch, List.of());
            var kernels = KilnPhonePrice.create(0).devicePlan();
            String model = nvrtc.compile("KilnPhonePrice", KernelDialect.withPrelude(Device.Kind.CUDA, kernels.source()), arch, List.of());
            var version = java.util.regex.Pattern.compile("(?m)^\\.version\\s+(\\S+)").matcher(lib);
            System.out.printf(Locale.ROOT, "nvrtc: %s compiled the kernel library and the phone-price MLP's kernels for %s in %.2f s"
                            + " (%,d + %,d bytes of PTX, PTX ISA %s)%n", nvrtc, arch, (System.nanoTime() - t0) / 1e9, lib.length(),
                    model.length(), version.find() ? version.group(1) : "?");
            if (nvrtc.major() > cudaMajor) {
                System.out.println("nvrtc: WARNING: NVRTC " + nvrtc.version() + " is newer than the driver's CUDA " + cudaMajor
                        + ": the driver will refuse its PTX; set KILN_NVRTC to an NVRTC " + cudaMajor + " (PyTorch's cu" + cudaMajor
                        + " wheels bring one: nvidia/cuda_nvrtc/lib/libnvrtc.so." + cudaMajor + ")");
            }
            return 0;
        } catch (RuntimeException e) {
            System.out.println("nvrtc: FAILED: " + e.getMessage());
            return 1;
        }
    }

    // ---------------------------------------------------------------- timings

    /** The rows of the table when the device did not open: no timings, PyTorch's figures still come. */
    private void notSetUp() {
        for (String[] w : new String[][] {{"mlp_b64_sgd", "MLP b64 sgd"}, {"mlp_b64_adam", "MLP b64 adam"},
                {"mlp_b1024_sgd", "MLP b1024 sgd"}, {"mlp_b1024_adam", "MLP b1024 adam"}}) {
            result(w[0], w[1], "samples/s", MLP_GOAL).kilnNote = "device did not open";
        }
        result("cnn_b64_adam", "CNN b64 adam", "samples/s", CNN_GOAL).kilnNote = "device did not open";
        result("cnn_b256_adam", "CNN b256 adam", "samples/s", CNN_GOAL).kilnNote = "device did not open";
        int size = quick ? 256 : 4096;
        result("sgemm_" + size, "SGEMM " + size, "GFLOP/s", GEMM_GOAL).kilnNote = "device did not open";
        notes.add(device + " did not open (see the self-test): no Kiln timings");
    }

    private void timeKiln() {
        System.out.println("== Kiln on " + device + " (" + deviceName + ")");
        float[][] phone = phonePrice();
        for (int batch : new int[] {64, 1024}) {
            for (String opt : new String[] {"sgd", "adam"}) {
                Result r = result("mlp_b" + batch + "_" + opt, "MLP b" + batch + " " + opt, "samples/s", MLP_GOAL);
                timeTrainer(r, () -> KilnPhonePrice.create(0, batch), opt, phone[0], phone[1], FEATURES, batch);
            }
        }
        float[][] images = null;
        for (int batch : new int[] {64, 256}) {
            Result r = result("cnn_b" + batch + "_adam", "CNN b" + batch + " adam", "samples/s", CNN_GOAL);
            if (images == null) images = fashion();
            timeTrainer(r, () -> KilnFashionCnn.create(0, batch), "adam", images[0], images[1], IMAGE, batch);
        }
        int size = quick ? 256 : 4096;
        Result g = result("sgemm_" + size, "SGEMM " + size, "GFLOP/s", GEMM_GOAL);
        try {
            timeGemm(g, size);
        } catch (RuntimeException e) {
            g.kilnNote = "error: " + e;
            System.out.println("kiln " + g.id + " error: " + e);
        }
    }

    private Result result(String id, String label, String unit, double goal) {
        Result r = new Result(id, label, unit, goal);
        results.put(id, r);
        return r;
    }

    private int windows() { return quick ? 3 : 5; }

    private double windowSeconds() { return quick ? 0.2 : 1.0; }

    private double warmupSeconds() { return quick ? 0.3 : 2.0; }

    /** Median samples/s of {@link #windows()} windows after a warm-up, stepping over consecutive batches of the data. */
    private void timeTrainer(Result r, Supplier<CompiledModel> model, String opt, float[] x, float[] y, int in, int batch) {
        Trainer t;
        try {
            t = new Trainer(model.get(), Loss.crossEntropy(), Optimizer.of(opt.equals("sgd") ? SGD.options(0.01) : Adam.options().lr(1e-3)));
            t.device(device);
        } catch (DeviceException e) {
            String m = String.valueOf(e.getMessage());
            r.kilnNote = m.contains("no device program") ? "not yet on devices" : "error: " + firstLine(m);
            System.out.println("kiln " + r.id + " " + r.kilnNote + (r.kilnNote.startsWith("not yet") ? " (" + firstLine(m) + ")" : ""));
            return;
        }
        try {
            t.prepare(batch);
            int rows = y.length, batches = Math.max(1, rows / batch);
            if (rows < batch) throw new IllegalStateException(rows + " samples for batch " + batch);
            float[] xb = new float[batch * in], yb = new float[batch];
            float[] last = new float[1];
            long t0 = System.nanoTime();
            steps(t, x, y, xb, yb, in, batch, batches, warmupSeconds(), last);
            double warm = (System.nanoTime() - t0) / 1e9;
            double[] rates = new double[windows()];
            for (int i = 0; i < rates.length; i++) rates[i] = steps(t, x, y, xb, yb, in, batch, batches, windowSeconds(), last);
            if (!Float.isFinite(last[0])) throw new IllegalStateException("the loss became " + last[0]);
            r.kiln = median(rates);
            System.out.printf(Locale.ROOT, "kiln %s samples_per_s=%.0f windows=%s warmup_s=%.1f last_loss=%.4f%n", r.id, r.kiln,
                    format(rates), warm, last[0]);
        } catch (RuntimeException e) {
            r.kilnNote = "error: " + firstLine(String.valueOf(e));
            System.out.println("kiln " + r.id + " " + r.kilnNote);
        } finally {
            t.device(Device.CPU); // frees the step's device buffers before the next workload
        }
    }

    /** Steps for at least {@code seconds} (each step reads the loss back, so the device is idle at the end). */
    private static double steps(Trainer t, float[] x, float[] y, float[] xb, float[] yb, int in, int batch, int batches,
                                double seconds, float[] last) {
        long t0 = System.nanoTime(), limit = (long) (seconds * 1e9), done = 0;
        int b = 0;
        while (System.nanoTime() - t0 < limit) {
            System.arraycopy(x, b * batch * in, xb, 0, batch * in);
            System.arraycopy(y, b * batch, yb, 0, batch);
            last[0] = t.step(xb, yb, batch);
            done += batch;
            b = (b + 1) % batches;
        }
        return done / ((System.nanoTime() - t0) / 1e9);
    }

    /** SGEMM n x n x n, NN layout, no accumulate: median GFLOP/s of windows of back-to-back calls, each ended by finish. */
    private void timeGemm(Result r, int n) {
        DeviceContext ctx = Backends.open(device);
        KernelLibrary lib = KernelLibrary.on(ctx);
        SplittableRandom rng = new SplittableRandom(4);
        float[] a = random(rng, n * n), b = random(rng, n * n);
        try (DeviceBuffer da = ctx.allocate((long) n * n); DeviceBuffer db = ctx.allocate((long) n * n); DeviceBuffer dc = ctx.allocate((long) n * n)) {
            ctx.upload(a, 0, da, 0, n * n);
            ctx.upload(b, 0, db, 0, n * n);
            for (int i = 0; i < 3; i++) lib.gemm(false, false, n, n, n, da, 0, n, db, 0, n, dc, 0, n, false);
            ctx.finish();
            long t0 = System.nanoTime();
            lib.gemm(false, false, n, n, n, da, 0, n, db, 0, n, dc, 0, n, false);
            ctx.finish();
            double one = (System.nanoTime() - t0) / 1e9;
            int reps = (int) Math.max(1, Math.min(1000, Math.round(windowSeconds() / 2 / one)));
            double[] rates = new double[windows()];
            for (int w = 0; w < rates.length; w++) {
                t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) lib.gemm(false, false, n, n, n, da, 0, n, db, 0, n, dc, 0, n, false);
                ctx.finish();
                rates[w] = 2.0 * n * n * n * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            // Spot-check the result: 16 elements against a double-precision dot product.
            float[] c = new float[n * n];
            ctx.download(dc, 0, c, 0, n * n);
            SplittableRandom pick = new SplittableRandom(9);
            double worst = 0;
            for (int s = 0; s < 16; s++) {
                int i = pick.nextInt(n), j = pick.nextInt(n);
                double dot = 0;
                for (int p = 0; p < n; p++) dot += (double) a[i * n + p] * b[p * n + j];
                worst = Math.max(worst, Math.abs(dot - c[i * n + j]));
            }
            double tol = 2e-7 * (n + 8) * 4;
            if (!(worst <= tol)) throw new IllegalStateException(String.format(Locale.ROOT, "SGEMM %d result off by %.2e (tolerance %.1e)", n, worst, tol));
            r.kiln = median(rates);
            System.out.printf(Locale.ROOT, "kiln %s gflops=%.1f windows=%s reps_per_window=%d max_err=%.1e%n", r.id, r.kiln, format(rates), reps, worst);
        }
    }

    // ---------------------------------------------------------------- PyTorch

    private void runTorch(String python, String script, String torchDevice) {
        List<String> command = new ArrayList<>(List.of(python, script, "--device", torchDevice, "--data", data.toString()));
        if (quick) command.add("--quick");
        System.out.println("== PyTorch: " + String.join(" ", command));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    System.out.println(line);
                    parseTorchLine(line);
                }
            }
            int rc = p.waitFor();
            if (rc != 0) notes.add("bench/torch_gpu.py exited with status " + rc);
        } catch (IOException e) {
            notes.add("PyTorch not run: " + python + " could not start (" + e.getMessage() + "): Kiln's figures alone");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String torchInfo = "";

    /** {@code torch result id=... value=...}, {@code torch skip id=... reason=...}, {@code torch info ...}, {@code torch unavailable reason=...}. */
    private void parseTorchLine(String line) {
        if (!line.startsWith("torch ")) return;
        Map<String, String> kv = keyValues(line.substring(6));
        String kind = line.substring(6).split(" ", 2)[0];
        switch (kind) {
            case "info" -> torchInfo = line.substring("torch info ".length());
            case "unavailable" -> notes.add("PyTorch unavailable: " + kv.getOrDefault("reason", "?") + ": Kiln's figures alone");
            case "result" -> {
                Result r = results.get(kv.get("id"));
                if (r != null) r.torch = Double.parseDouble(kv.get("value"));
            }
            case "skip" -> {
                Result r = results.get(kv.get("id"));
                if (r != null) r.torchNote = kv.getOrDefault("reason", "skipped");
            }
            default -> { }
        }
    }

    /** {@code a=1 b=two words c=3}: a value runs to the next {@code key=}. */
    static Map<String, String> keyValues(String s) {
        Map<String, String> kv = new LinkedHashMap<>();
        var m = java.util.regex.Pattern.compile("(\\w+)=(.*?)(?=\\s+\\w+=|$)").matcher(s);
        while (m.find()) kv.put(m.group(1), m.group(2).strip());
        return kv;
    }

    // ---------------------------------------------------------------- report

    private void printTable(String torchDevice) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Kiln on %s (%s) vs PyTorch %s%n", device, deviceName, torchInfo.isEmpty() ? "(not run)" : torchInfo);
        String fmt = "%-16s %-22s %-22s %-8s %-8s %s%n";
        System.out.printf(Locale.ROOT, fmt, "workload", "Kiln", "PyTorch", "ratio", "goal", "");
        for (Result r : results.values()) {
            Double ratio = r.ratio();
            String verdict = ratio == null ? "" : ratio >= r.goal ? "met" : "not met";
            System.out.printf(Locale.ROOT, fmt, r.label, figure(r.kiln, r.kilnNote, r.unit), figure(r.torch, r.torchNote, r.unit),
                    ratio == null ? "-" : String.format(Locale.ROOT, "%.2fx", ratio), String.format(Locale.ROOT, ">=%.1fx", r.goal), verdict);
        }
        if (!torchDevice.equals("cuda") || device.kind() != Device.Kind.CUDA) {
            System.out.println("note: the goals are for Kiln on an H100 against PyTorch on CUDA; this run compares " + device
                    + " with PyTorch on " + torchDevice + ", a test of the check rather than a measurement");
        }
        for (String n : notes) System.out.println("note: " + n);
        if (failed > 0) System.out.println("note: the self-test FAILED (" + failed + " checks): the figures above may be of wrong results");
    }

    private static String figure(Double v, String note, String unit) {
        if (v != null) return String.format(Locale.ROOT, v < 100 ? "%.1f %s" : "%,.0f %s", v, unit);
        return note == null ? "-" : note.length() > 22 ? note.substring(0, 19) + "..." : note;
    }

    private void printJson(String torchDevice, boolean timed) {
        StringBuilder sb = new StringBuilder("{\"gpu_check\":{");
        sb.append("\"device\":").append(json(device.toString())).append(",\"device_name\":").append(json(deviceName))
                .append(",\"driver\":").append(json(driver)).append(",\"quick\":").append(quick)
                .append(",\"java\":").append(json(System.getProperty("java.vm.version") + " " + System.getProperty("java.home")))
                .append(",\"self_test\":{\"passed\":").append(passed).append(",\"failed\":").append(failed).append('}');
        if (timed) {
            sb.append(",\"torch\":{\"device\":").append(json(torchDevice)).append(",\"info\":").append(json(torchInfo)).append('}');
            sb.append(",\"workloads\":[");
            boolean first = true;
            for (Result r : results.values()) {
                if (!first) sb.append(',');
                first = false;
                Double ratio = r.ratio();
                sb.append("{\"id\":").append(json(r.id)).append(",\"unit\":").append(json(r.unit))
                        .append(",\"kiln\":").append(num(r.kiln)).append(",\"torch\":").append(num(r.torch))
                        .append(",\"ratio\":").append(num(ratio)).append(",\"goal\":").append(r.goal)
                        .append(",\"met\":").append(ratio == null ? "null" : String.valueOf(ratio >= r.goal));
                if (r.kilnNote != null) sb.append(",\"kiln_note\":").append(json(r.kilnNote));
                if (r.torchNote != null) sb.append(",\"torch_note\":").append(json(r.torchNote));
                sb.append('}');
            }
            sb.append("],\"notes\":[");
            for (int i = 0; i < notes.size(); i++) sb.append(i == 0 ? "" : ",").append(json(notes.get(i)));
            sb.append(']');
        }
        sb.append("}}");
        System.out.println(sb);
    }

    private static String num(Double v) {
        return v == null || !Double.isFinite(v) ? "null" : String.format(Locale.ROOT, "%.4g", v);
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : String.valueOf(s).toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    // ---------------------------------------------------------------- data

    private float[][] phoneCache;

    /**
     * The phone-price training set (2000 rows, 20 standardised features, labels 0..3) from
     * {@code data/mobile-price/train.csv}, or random rows of the same shape when the file is missing.
     */
    private float[][] phonePrice() {
        if (phoneCache != null) return phoneCache;
        Path csv = data.resolve("mobile-price/train.csv");
        float[] x, y;
        if (Files.isRegularFile(csv)) {
            try {
                List<String> lines = Files.readAllLines(csv).stream().skip(1).filter(l -> !l.isBlank()).toList();
                x = new float[lines.size() * FEATURES];
                y = new float[lines.size()];
                for (int r = 0; r < lines.size(); r++) {
                    String[] f = lines.get(r).strip().split(",");
                    for (int j = 0; j < FEATURES; j++) x[r * FEATURES + j] = Float.parseFloat(f[j]);
                    y[r] = Float.parseFloat(f[FEATURES]);
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read " + csv + ": " + e, e);
            }
            standardise(x, y.length);
            System.out.println("data: " + csv + " (" + y.length + " rows)");
        } else {
            notes.add("no " + csv + ": the MLP trained on random data of the same shape (2000 x 20, 4 classes)");
            SplittableRandom r = new SplittableRandom(0);
            x = new float[2000 * FEATURES];
            y = new float[2000];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = r.nextInt(CLASSES);
        }
        return phoneCache = new float[][] {x, y};
    }

    private static void standardise(float[] x, int rows) {
        for (int j = 0; j < FEATURES; j++) {
            double sum = 0, sq = 0;
            for (int r = 0; r < rows; r++) sum += x[r * FEATURES + j];
            double mean = sum / rows;
            for (int r = 0; r < rows; r++) sq += Math.pow(x[r * FEATURES + j] - mean, 2);
            double sd = Math.sqrt(sq / rows);
            for (int r = 0; r < rows; r++) x[r * FEATURES + j] = (float) ((x[r * FEATURES + j] - mean) / (sd > 0 ? sd : 1));
        }
    }

    /**
     * Fashion-MNIST images scaled to [0, 1] and their labels: the 10,000 test images the kit carries
     * ({@code data/fashion-mnist/t10k-*}; the training set's 60,000 do not fit the kit, and throughput does not depend on
     * which images), or 2,048 random images of the same shape when the files are missing.
     */
    private float[][] fashion() {
        Path images = data.resolve("fashion-mnist/t10k-images-idx3-ubyte.gz"), labels = data.resolve("fashion-mnist/t10k-labels-idx1-ubyte.gz");
        if (Files.isRegularFile(images) && Files.isRegularFile(labels)) {
            try {
                byte[] img = idx(images, 0x803), lab = idx(labels, 0x801);
                float[] x = new float[img.length], y = new float[lab.length];
                for (int i = 0; i < img.length; i++) x[i] = (img[i] & 0xff) / 255f;
                for (int i = 0; i < lab.length; i++) y[i] = lab[i];
                if (x.length != y.length * IMAGE) throw new IOException(img.length + " pixels for " + lab.length + " labels");
                System.out.println("data: " + images + " (" + lab.length + " images)");
                return new float[][] {x, y};
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + images + ": " + e, e);
            }
        }
        notes.add("no " + images + ": the CNN trained on random images of the same shape (28 x 28, 10 classes)");
        SplittableRandom r = new SplittableRandom(0);
        float[] x = new float[2048 * IMAGE], y = new float[2048];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(10);
        return new float[][] {x, y};
    }

    /** The payload of a gzipped IDX file with the given magic number. */
    private static byte[] idx(Path file, int magic) throws IOException {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            int m = in.readInt();
            if (m != magic) throw new IOException(file + ": magic " + Integer.toHexString(m) + ", expected " + Integer.toHexString(magic));
            long count = 1;
            for (int d = 0; d < (magic & 0xff); d++) count *= in.readInt();
            return in.readNBytes(Math.toIntExact(count));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String format(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.0f", v[i]));
        return sb.append(']').toString();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
