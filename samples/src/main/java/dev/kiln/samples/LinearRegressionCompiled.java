package dev.kiln.samples;

import dev.kiln.compiled.Loss;
import dev.kiln.optim.SGD;
import dev.kiln.samples.compiled.KilnLine;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.History;
import dev.kiln.train.Plots;

import java.nio.file.Path;
import java.util.Locale;

import static dev.kiln.tensor.Torch.manualSeed;
import static dev.kiln.tensor.Torch.rand;
import static dev.kiln.tensor.Torch.randn;

/**
 * The course's linear regression with the compiled {@code Line} model: the same data as
 * {@link LinearRegression} (y = 2x + 3 + noise, seed 42), mini-batch SGD on the fused MSE loss.
 *
 * <p>Run: {@code ./mvnw -B -ntp -pl samples -am -DskipTests package exec:exec -Dsample.main=dev.kiln.samples.LinearRegressionCompiled}
 */
public final class LinearRegressionCompiled {
    private LinearRegressionCompiled() {}

    /** The learned line and the last epoch's mean loss. */
    record Fit(double w, double b, double loss, Tensor x, Tensor y) {}

    public static void main(String[] args) throws Exception {
        Fit f = fit(42, 500, 16, 30, 0.01);
        System.out.printf(Locale.ROOT, "learned weight %.4f (true 2.0), bias %.4f (true 3.0), final MSE %.4f%n", f.w, f.b, f.loss);
        Path png = Path.of(args.length > 0 ? args[0] : "target/linear-regression-compiled.png");
        Plots.scatterWithLine(png, "Compiled linear regression: y = 2x + 3 + noise", f.x.toDoubleArray(), f.y.toDoubleArray(), f.w, f.b);
        System.out.println("wrote " + png.toAbsolutePath());
        System.out.printf(Locale.ROOT, "{\"sample\":\"linear-regression-compiled\",\"w\":%.6f,\"b\":%.6f,\"loss\":%.6f}%n", f.w, f.b, f.loss);
    }

    static Fit fit(long seed, int samples, int batchSize, int epochs, double lr) {
        manualSeed(seed);
        Tensor x = rand(samples, 1).mul(10.0).sub(5.0);
        Tensor y = x.mul(2.0).add(3.0).add(randn(samples, 1).mul(0.5));
        KilnLine model = KilnLine.create(seed);
        History h = model.trainer(Loss.mse(), SGD.options(lr)).shuffleSeed(seed).log(null).fit(x, y, epochs, batchSize);
        var state = model.stateDict();
        return new Fit(state.get("fc.weight").item(), state.get("fc.bias").item(), h.last("loss"), x, y);
    }
}
