package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.backend.Device;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.DeviceTesting;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static dev.kiln.tensor.DeviceTesting.assertClose;
import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eager Fashion-MNIST CNN (the samples' {@code FashionMnistCnn.model()}: two Conv2d-BatchNorm2d-ReLU-MaxPool2d
 * blocks, Flatten, Linear-ReLU-Dropout-Linear) trained on an OpenCL device (PoCL in CI; skipped without one) by adding
 * one {@code .to(device)}, against the same program on the CPU: 10 steps from the same seed on the same 28x28 batches.
 * The dropout layer is put in eval mode for the comparison, as device masks come from the device's own stream.
 *
 * <p>Tolerances: losses within {@link #LOSS_RTOL} relative at every step; parameters within 2e-5 of the largest
 * parameter magnitude; the BatchNorm running statistics within {@link #STATS_RTOL} relative (plus {@link #STATS_ATOL});
 * and the eval-mode logits afterwards within {@link #STATS_RTOL}. The device sums convolutions in GEMM tiles and
 * BatchNorm statistics in float trees, the CPU in other orders and partly in double, so the two drift by rounding
 * only. Measured on PoCL: losses 1e-7 (Adam) and 4e-6 (SGD) relative apart at worst, parameters 8e-8 (Adam) and
 * 1.4e-6 (SGD) of the largest.
 *
 * <p>Adam is the sample's optimizer, here with lr 1e-4 and without the convolutions' biases. Each bias feeds a
 * BatchNorm2d, so its true gradient is 0 and what both devices compute is rounding noise (checked below 1e-5), which
 * Adam normalises into steps of about lr in unrelated directions (3e-3 apart after 10 steps at lr 1e-3, and the
 * running means with them), as it would between PyTorch's CPU and CUDA. At the sample's lr 1e-3 these random
 * batches also make the first steps chaotic (the loss jumps from 2.26 to 3.74), and rounding differences of 1e-7 grew
 * to 1e-4 within 5 steps in one of two otherwise equal runs. SGD, which scales noise by lr, trains every parameter.
 */
class EagerDeviceCnnTest {
    private static final int STEPS = 10, BATCH = 16;
    private static final double LOSS_RTOL = 1e-4, STATS_RTOL = 1e-4, STATS_ATOL = 1e-6;
    /** The convolutions' biases, each followed by a BatchNorm2d that subtracts it again. */
    private static final List<String> BIASES_BEFORE_BATCH_NORM = List.of("0.bias", "4.bias");

    /** As {@code FashionMnistCnn.model()} in the samples. */
    static Sequential fashionMnistCnn() {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.3),
                new Linear(128, 10));
    }

    @Test
    void adam() {
        compare("Adam(lr=1e-4)", (model, params) -> new Adam(trainedByAdam(model), Adam.options().lr(1e-4)), 2e-5);
    }

    @Test
    void sgdWithMomentum() {
        compare("SGD(lr=0.05, momentum=0.9)", (model, params) -> new SGD(params, SGD.options(0.05).momentum(0.9)), 2e-5);
    }

    /** Every parameter but the convolutions' biases (see the class comment). */
    private static List<Tensor> trainedByAdam(Sequential model) {
        List<Tensor> out = new java.util.ArrayList<>();
        model.namedParameters().forEach((k, v) -> {
            if (!BIASES_BEFORE_BATCH_NORM.contains(k)) out.add(v);
        });
        return out;
    }

    @Test
    void withDropoutActiveItTrainsOnTheDevice() {
        Device dev = DeviceTesting.device();
        manualSeed(0);
        Sequential model = fashionMnistCnn();
        model.to(dev);
        var opt = new Adam(model.parameters(), Adam.options().lr(1e-3));
        var loss = new CrossEntropyLoss();
        manualSeed(21);
        Tensor x = randn(BATCH, 1, 28, 28), y = labels(x);
        double first = 0, last = 0;
        for (int step = 0; step < STEPS; step++) {
            last = step(model, opt, loss, x.to(dev), y.to(dev));
            if (step == 0) first = last;
            assertTrue(Double.isFinite(last), "loss at step " + step);
        }
        assertTrue(last < first, "one batch, ten steps: the loss falls from " + first + " to " + last);
    }

    private static void compare(String what, BiFunction<Sequential, List<Tensor>, Optimizer<?>> optimizer,
                                double paramTol) {
        Device dev = DeviceTesting.device();
        manualSeed(0);
        Sequential cpu = fashionMnistCnn();
        manualSeed(0);
        Sequential onDevice = fashionMnistCnn();
        onDevice.to(dev);  // the one line that moves training to the device
        cpu.get(11).eval();  // dropout off on both: device masks are not the CPU's
        onDevice.get(11).eval();
        Optimizer<?> cpuOpt = optimizer.apply(cpu, cpu.parameters());
        Optimizer<?> devOpt = optimizer.apply(onDevice, onDevice.parameters());
        var loss = new CrossEntropyLoss();
        manualSeed(7);
        double worstLoss = 0;
        for (int step = 0; step < STEPS; step++) {
            Tensor x = randn(BATCH, 1, 28, 28), y = labels(x);
            double c = step(cpu, cpuOpt, loss, x, y), d = step(onDevice, devOpt, loss, x.to(dev), y.to(dev));
            worstLoss = Math.max(worstLoss, Math.abs(d - c) / Math.abs(c));
            int s = step;
            assertTrue(Math.abs(d - c) <= LOSS_RTOL * Math.abs(c),
                    () -> what + " step " + s + ": loss " + d + " on " + dev + ", " + c + " on the CPU");
        }
        double scale = 0, worst = 0;
        Map<String, Tensor> cpuParams = cpu.namedParameters();
        for (var e : onDevice.namedParameters().entrySet()) {
            assertEquals(dev, e.getValue().device(), e.getKey());
            float[] d = e.getValue().toFloatArray(), c = cpuParams.get(e.getKey()).toFloatArray();
            if (BIASES_BEFORE_BATCH_NORM.contains(e.getKey())) {
                // BatchNorm removes their effect: their gradients are rounding noise on both devices.
                double noise = e.getValue().grad().cpu().abs().max().item(), cpuNoise = cpu.namedParameters()
                        .get(e.getKey()).grad().abs().max().item();
                assertTrue(noise < 1e-5 && cpuNoise < 1e-5, e.getKey() + " gradients " + noise + ", " + cpuNoise);
            }
            for (int i = 0; i < c.length; i++) {
                scale = Math.max(scale, Math.abs(c[i]));
                worst = Math.max(worst, Math.abs(d[i] - c[i]));
            }
        }
        double max = worst, of = scale;
        System.out.printf("%s: losses %.2e relative apart at worst, parameters %.2e of the largest%n", what,
                worstLoss, worst / scale);
        assertTrue(worst <= paramTol * scale, () -> what + ": parameters differ by up to " + max + " (largest "
                + of + ")");
        Map<String, Tensor> cpuBuffers = cpu.namedBuffers();
        for (var e : onDevice.namedBuffers().entrySet()) {
            assertEquals(dev, e.getValue().device(), e.getKey());
            if (e.getKey().endsWith("num_batches_tracked")) {
                assertEquals(STEPS, e.getValue().longItem(), e.getKey());
            } else {
                assertClose(what + ": " + e.getKey(), cpuBuffers.get(e.getKey()), e.getValue(), STATS_RTOL, STATS_ATOL);
            }
        }
        cpu.eval();
        onDevice.eval();
        Tensor x = randn(BATCH, 1, 28, 28);
        try (var ignored = GradMode.noGrad()) {
            assertClose(what + ": eval logits", cpu.forward(x), onDevice.forward(x.to(dev)), STATS_RTOL, 1e-5);
        }
    }

    /** A learnable rule: which of ten pixels in the image's middle row is brightest. */
    private static Tensor labels(Tensor x) {
        return x.flatten(1, -1).narrow(1, 14 * 28 + 9, 10).argmax(1);
    }

    private static double step(Sequential model, Optimizer<?> opt, CrossEntropyLoss loss, Tensor x, Tensor y) {
        opt.zeroGrad();
        Tensor l = loss.forward(model.forward(x), y);
        l.backward();
        opt.step();
        return l.item();
    }
}
