package dev.kiln.samples;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.Plots;

import java.nio.file.Path;
import java.util.Locale;

import static dev.kiln.tensor.Torch.*;

/**
 * The course's linear regression (part 4): data y = 2x + 3 + noise, a one-input linear model
 * trained with mini-batch SGD on the mean squared error, written with tensors and autograd only.
 *
 * <p>Run: {@code ./mvnw -B -ntp -pl samples -am package -DskipTests && ./mvnw -B -ntp -pl samples exec:exec}
 * (the README's main-job command). Writes {@code linear-regression.png} and ends with one JSON line.
 */
public final class LinearRegression {
    static final double TRUE_W = 2.0, TRUE_B = 3.0;

    /** What training produced. */
    record Result(double w, double b, double loss, Tensor x, Tensor y) {}

    public static void main(String[] args) throws Exception {
        Path png = Path.of(args.length > 0 ? args[0] : "target/linear-regression.png");
        Result r = train(42, 500, 16, 30, 0.01);
        System.out.printf(Locale.ROOT, "learned weight %.4f (true %.1f), bias %.4f (true %.1f), final MSE %.4f%n",
                r.w, TRUE_W, r.b, TRUE_B, r.loss);
        Plots.scatterWithLine(png, "Linear regression: y = 2x + 3 + noise", r.x.toDoubleArray(), r.y.toDoubleArray(), r.w, r.b);
        System.out.println("wrote " + png.toAbsolutePath());
        System.out.printf(Locale.ROOT, "{\"sample\":\"linear-regression\",\"w\":%.6f,\"b\":%.6f,\"loss\":%.6f}%n", r.w, r.b, r.loss);
    }

    static Result train(long seed, int samples, int batchSize, int epochs, double lr) {
        manualSeed(seed);
        Tensor x = rand(samples, 1).mul(10.0).sub(5.0);               // x in [-5, 5)
        Tensor y = x.mul(TRUE_W).add(TRUE_B).add(randn(samples, 1).mul(0.5));
        // nn.Linear(1, 1)'s default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) = U(-1, 1) for both.
        Tensor w = uniform(empty(1, 1), -1, 1).requiresGrad_();
        Tensor b = uniform(empty(1), -1, 1).requiresGrad_();
        double epochLoss = Double.NaN;
        for (int epoch = 0; epoch < epochs; epoch++) {
            Tensor order = randperm(samples);
            double total = 0;
            int batches = 0;
            for (int start = 0; start < samples; start += batchSize) {
                Tensor idx = order.narrow(0, start, Math.min(batchSize, samples - start));
                Tensor xb = x.get(idx), yb = y.get(idx);
                Tensor loss = xb.matmul(w.t()).add(b).sub(yb).pow(2L).mean();
                loss.backward();
                try (var ignored = GradMode.noGrad()) {   // SGD step, then clear the gradients
                    w.sub_(w.grad().mul(lr));
                    b.sub_(b.grad().mul(lr));
                    w.grad().zero_();
                    b.grad().zero_();
                }
                total += loss.item();
                batches++;
            }
            epochLoss = total / batches;
        }
        return new Result(w.item(), b.item(), epochLoss, x, y);
    }
}
