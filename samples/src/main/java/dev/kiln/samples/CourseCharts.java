package dev.kiln.samples;

import dev.kiln.autograd.GradMode;
import dev.kiln.nn.Functional;
import dev.kiln.optim.SGD;
import dev.kiln.optim.lr.CosineAnnealingLR;
import dev.kiln.optim.lr.ExponentialLR;
import dev.kiln.optim.lr.LRScheduler;
import dev.kiln.optim.lr.LinearLR;
import dev.kiln.optim.lr.MultiStepLR;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.Plots;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static dev.kiln.tensor.Torch.linspace;
import static dev.kiln.tensor.Torch.manualSeed;
import static dev.kiln.tensor.Torch.randn;
import static dev.kiln.tensor.Torch.tensor;
import static dev.kiln.tensor.Torch.zeros;

/**
 * The course's charts (parts 5 and 7), drawn with Kiln itself:
 * <ul>
 *   <li>each activation and its derivative over {@code linspace(-10, 10, 1000)}; the derivative is
 *       what autograd gives for {@code f(x).sum().backward()}, not a hand-written formula, so the
 *       charts double as a visual check of the backward kernels;</li>
 *   <li>the learning rate per epoch of each scheduler over 100 epochs of {@code SGD(lr=0.1)};</li>
 *   <li>the exponentially weighted moving average (beta 0.9) that momentum, RMSprop and Adam are
 *       built on, against the noisy series it smooths.</li>
 * </ul>
 * Run: {@code ./mvnw -B -ntp -pl samples -am -DskipTests package exec:exec -Dsample.main=dev.kiln.samples.CourseCharts}
 * (writes {@code samples/target/charts/}; a directory argument overrides it). Ends with one JSON line.
 */
public final class CourseCharts {
    static final int EPOCHS = 100;
    static final double BASE_LR = 0.1;
    /** Points at which the derivatives are read back from autograd and reported. */
    static final double[] PROBES = {-3, 0, 2};

    private CourseCharts() {}

    /** An element-wise activation, by the name used in file names and reported keys. */
    record Activation(String name, String title, UnaryOperator<Tensor> f) {}

    static final List<Activation> ACTIVATIONS = List.of(
            new Activation("sigmoid", "Sigmoid", Tensor::sigmoid),
            new Activation("tanh", "Tanh", Tensor::tanh),
            new Activation("relu", "ReLU", Tensor::relu),
            new Activation("leaky_relu", "LeakyReLU(0.01)", x -> Functional.leakyRelu(x, 0.01)),
            new Activation("gelu", "GELU", Functional::gelu));

    /** A scheduler by name; built on a fresh SGD(lr=0.1) each time so runs do not share state. */
    record Schedule(String name, String title, Function<SGD, LRScheduler> make) {}

    static final List<Schedule> SCHEDULES = List.of(
            new Schedule("steplr", "StepLR(step_size=20, gamma=0.5)", o -> new StepLR(o, 20, 0.5)),
            new Schedule("multisteplr", "MultiStepLR([20, 50, 80], gamma=0.5)", o -> new MultiStepLR(o, List.of(20, 50, 80), 0.5)),
            new Schedule("exponentiallr", "ExponentialLR(gamma=0.95)", o -> new ExponentialLR(o, 0.95)),
            new Schedule("cosineannealinglr", "CosineAnnealingLR(T_max=50)", o -> new CosineAnnealingLR(o, 50)),
            // Warm-up: from 0.1 x the base rate up to the full rate over 20 epochs, then held.
            new Schedule("linearlr", "LinearLR warm-up (0.1 -> 1.0 over 20 epochs)", o -> new LinearLR(o, 0.1, 1.0, 20)));

    /** What was written, and the numbers read back (derivatives at {@link #PROBES}, rate per epoch). */
    record Result(List<Path> files, Map<String, Double> derivatives, Map<String, double[]> schedules) {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/charts");
        Result r = run(dir);
        for (Path f : r.files) System.out.println("wrote " + f.toAbsolutePath());
        StringBuilder json = new StringBuilder("{\"sample\":\"course-charts\",\"files\":[");
        for (int i = 0; i < r.files.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(r.files.get(i).toString().replace("\\", "\\\\")).append('"');
        }
        json.append("],\"autograd_derivatives\":{");
        int i = 0;
        for (var e : r.derivatives.entrySet()) {
            json.append(i++ == 0 ? "" : ",").append(String.format(Locale.ROOT, "\"%s\":%.6g", e.getKey(), e.getValue()));
        }
        json.append("}}");
        System.out.println(json);
    }

    static Result run(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        Map<String, Double> derivatives = new LinkedHashMap<>();
        for (Activation a : ACTIVATIONS) {
            double[] d = derivative(a.f, PROBES);
            files.add(activationChart(dir, a, d));
            for (int i = 0; i < PROBES.length; i++) derivatives.put(key(a.name, PROBES[i]), d[i]);
        }
        files.add(softmaxChart(dir));
        Map<String, double[]> schedules = new LinkedHashMap<>();
        for (Schedule s : SCHEDULES) {
            double[] lr = rates(s);
            schedules.put(s.name, lr);
            Path png = dir.resolve("lr-" + s.name + ".png");
            Plots.lines(png, s.title + " on SGD(lr=0.1)", "epoch", "learning rate", Plots.indices(EPOCHS), Map.of("lr", lr));
            files.add(png);
        }
        Path all = dir.resolve("lr-all.png");
        Plots.lines(all, "Learning-rate schedules on SGD(lr=0.1)", "epoch", "learning rate", Plots.indices(EPOCHS), schedules);
        files.add(all);
        files.add(ewmaChart(dir));
        return new Result(files, derivatives, schedules);
    }

    static String key(String name, double x) {
        return name + "'(" + (x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x)) + ")";
    }

    /** f and the autograd derivative of f over linspace(-10, 10, 1000), on one chart. */
    private static Path activationChart(Path dir, Activation a, double[] atProbes) throws IOException {
        Tensor x = linspace(-10, 10, 1000).requiresGrad_();
        Tensor y = a.f.apply(x);
        // Element-wise f: d(sum_j f(x_j))/dx_i = f'(x_i), so one backward gives the whole curve.
        y.sum().backward();
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put(a.title, y.detach().toDoubleArray());
        series.put(a.title + "' (autograd)", x.grad().toDoubleArray());
        Path png = dir.resolve("activation-" + a.name + ".png");
        functionChart(png, a.title + " and its derivative", x.detach().toDoubleArray(), series,
                "autograd at x = -3, 0, 2", PROBES, atProbes);
        return png;
    }

    /**
     * Plots.lines plus the autograd derivative at the probe points as markers. Besides showing the
     * values reported in the JSON line, the markers give the x axis round ticks: XChart 3.8.8 puts
     * the ticks of an equally spaced x series on data values, and linspace(-10, 10, 1000) has none
     * that are round (-4.9949951171875, 0.010010719299316, ...); the extra x values end that.
     * Plots has no scatter-over-lines chart, hence this copy of its chart setup and atomic write.
     */
    private static void functionChart(Path png, String title, double[] x, Map<String, double[]> series,
                                      String probeName, double[] probeX, double[] probeY) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(600).title(title).xAxisTitle("x").yAxisTitle("y").build();
        for (var e : series.entrySet()) chart.addSeries(e.getKey(), x, e.getValue()).setMarker(SeriesMarkers.NONE);
        chart.getStyler().setMarkerSize(8);
        chart.addSeries(probeName, probeX, probeY).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".chart", ".png");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** f'(p) for each probe point p, read from x.grad after f(x).sum().backward(). */
    static double[] derivative(UnaryOperator<Tensor> f, double[] points) {
        float[] p = new float[points.length];
        for (int i = 0; i < p.length; i++) p[i] = (float) points[i];
        Tensor x = tensor(p).requiresGrad_();
        f.apply(x).sum().backward();
        return x.grad().toDoubleArray();
    }

    /**
     * Softmax is not element-wise: its outputs sum to 1, so the gradient of the sum of outputs is
     * zero everywhere (drawn, as the course's point). The curve worth seeing is the Jacobian's
     * diagonal ds_i/dx_i = s_i (1 - s_i), obtained here with one backward pass per component (a
     * one-hot output gradient, graph retained), i.e. still from autograd.
     */
    private static Path softmaxChart(Path dir) throws IOException {
        int n = 1000;
        Tensor x = linspace(-10, 10, n).requiresGrad_();
        Tensor s = Functional.softmax(x, 0);
        s.sum().backward(null, true);
        double[] sumGrad = x.grad().toDoubleArray();
        double[] diagonal = new double[n];
        float[] oneHot = new float[n];
        for (int i = 0; i < n; i++) {
            x.setGrad(null);
            oneHot[i] = 1f;
            s.backward(tensor(oneHot), true);
            oneHot[i] = 0f;
            diagonal[i] = x.grad().toDoubleArray()[i];
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("softmax(x)_i", s.detach().toDoubleArray());
        series.put("d softmax_i / d x_i (autograd)", diagonal);
        series.put("d sum(softmax) / d x_i (autograd, = 0)", sumGrad);
        Path png = dir.resolve("activation-softmax.png");
        // A check drawn on the chart: the closed form s(1 - s), s = e^t / sum_j e^(x_j), at t = 6, 8, 10.
        double[] grid = x.detach().toDoubleArray(), at = {6, 8, 10}, closed = new double[at.length];
        double z = 0;
        for (double g : grid) z += Math.exp(g);
        for (int i = 0; i < at.length; i++) closed[i] = Math.exp(at[i]) / z * (1 - Math.exp(at[i]) / z);
        functionChart(png, "Softmax over x = linspace(-10, 10, 1000) and its derivative", grid, series,
                "closed form s(1 - s) at x = 6, 8, 10", at, closed);
        return png;
    }

    /**
     * The rate in force during each epoch: read the group's lr, take an (empty) optimizer step,
     * then the scheduler step, the order PyTorch requires.
     */
    static double[] rates(Schedule s) {
        Tensor w = zeros(1).requiresGrad_();
        SGD sgd = new SGD(List.of(w), BASE_LR);
        LRScheduler scheduler = s.make.apply(sgd);
        double[] lr = new double[EPOCHS];
        for (int e = 0; e < EPOCHS; e++) {
            lr[e] = sgd.paramGroups().get(0).lr();
            sgd.step();
            scheduler.step();
        }
        return lr;
    }

    /**
     * The course's optimiser idea: v_t = beta v_{t-1} + (1 - beta) x_t with beta = 0.9 averages
     * roughly the last 1 / (1 - beta) = 10 values. Starting from v_0 = 0 it lags low for the first
     * steps; dividing by (1 - beta^t) (Adam's bias correction) removes that, so both are drawn.
     */
    private static Path ewmaChart(Path dir) throws IOException {
        int n = 200;
        double beta = 0.9;
        manualSeed(0);
        double[] noise;
        try (var ignored = GradMode.noGrad()) {
            noise = randn(n).toDoubleArray();
        }
        double[] t = Plots.indices(n), raw = new double[n], ewma = new double[n], corrected = new double[n];
        double v = 0;
        for (int i = 0; i < n; i++) {
            raw[i] = 10 + 5 * Math.sin(2 * Math.PI * i / n) + 2 * noise[i];
            v = beta * v + (1 - beta) * raw[i];
            ewma[i] = v;
            corrected[i] = v / (1 - Math.pow(beta, i + 1));
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("noisy series", raw);
        series.put("EWMA, beta = 0.9", ewma);
        series.put("EWMA, bias-corrected", corrected);
        Path png = dir.resolve("ewma.png");
        Plots.lines(png, "Exponentially weighted moving average (beta = 0.9)", "t", "value", t, series);
        return png;
    }
}
