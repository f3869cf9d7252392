package dev.kiln.nn;

import dev.kiln.backend.Device;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.DeviceTesting;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.History;
import dev.kiln.train.Trainer;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eager phone-price MLP trained on an OpenCL device (PoCL in CI) by adding one {@code .to(device)}, against
 * the same program on the CPU: 20 steps from the same seed on the same batches give the same losses within 1e-4
 * relative, and parameters within {@link #PARAM_TOL} of the largest parameter. The device sums in other orders
 * and rounds in float where the CPU sometimes uses double, so the two drift apart by float rounding only: on PoCL
 * the losses differed by at most 1 ulp (about 1e-7 relative) and the parameters by 1e-7 to 7e-7 of the largest.
 */
class EagerDeviceTrainingTest {
    private static final int STEPS = 20, BATCH = 32;
    private static final double LOSS_RTOL = 1e-4;
    /** Largest parameter difference allowed, relative to the largest parameter magnitude. */
    private static final double PARAM_TOL = 1e-5;

    private static Sequential phonePriceMlp() {
        manualSeed(42);
        return new Sequential(new Linear(20, 128), new ReLU(), new Linear(128, 256), new ReLU(), new Linear(256, 4));
    }

    @Test
    void sgdWithMomentum() {
        compare("SGD(momentum=0.9)", params -> new SGD(params, SGD.options(0.05).momentum(0.9)));
    }

    @Test
    void sgdWithNesterovAndWeightDecay() {
        compare("SGD(nesterov, weight_decay)", params -> new SGD(params,
                SGD.options(0.05).momentum(0.9).nesterov(true).weightDecay(1e-2)));
    }

    @Test
    void adam() {
        compare("Adam", params -> new Adam(params, Adam.options().lr(1e-3)));
    }

    @Test
    void adamW() {
        compare("AdamW", params -> new AdamW(params, AdamW.options().lr(1e-3)));
    }

    @Test
    void theTrainerMovesEachBatchToTheModelsDevice() {
        Device dev = DeviceTesting.device();
        manualSeed(3);
        Tensor x = randn(96, 20), y = x.narrow(1, 0, 4).argmax(1);
        History[] histories = new History[2];
        for (int run = 0; run < 2; run++) {
            Sequential model = phonePriceMlp();
            if (run == 1) model.to(dev);
            var adam = new Adam(model.parameters(), Adam.options().lr(1e-3));
            manualSeed(5);  // the same shuffles
            var loader = new DataLoader(new TensorDataset(x, y), 32, true);
            histories[run] = new Trainer(model, new CrossEntropyLoss(), adam).progress(false)
                    .output(new PrintStream(OutputStream.nullOutputStream())).fit(loader, 3, new DataLoader(
                            new TensorDataset(x, y), 48));
            for (Tensor p : model.parameters()) assertEquals(run == 1 ? dev : Device.CPU, p.device());
        }
        for (String metric : List.of("loss", "accuracy", "val_loss", "val_accuracy")) {
            List<Double> cpu = histories[0].get(metric), onDev = histories[1].get(metric);
            for (int e = 0; e < cpu.size(); e++) {
                double c = cpu.get(e), d = onDev.get(e);
                assertTrue(Math.abs(d - c) <= LOSS_RTOL * Math.abs(c), metric + " of epoch " + (e + 1) + ": " + d
                        + " on " + dev + ", " + c + " on the CPU");
            }
        }
    }

    @Test
    void aClassIdOutOfRangeIsNamedOnADeviceToo() {
        Device dev = DeviceTesting.device();
        Sequential model = phonePriceMlp();
        model.to(dev);
        Tensor x = randn(8, 20), y = tensor(new long[] {0, 1, 2, 3, 0, 7, 2, 1});
        var trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1)).progress(false)
                .output(new PrintStream(OutputStream.nullOutputStream()));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> trainer.fit(new DataLoader(new TensorDataset(x, y), 8), 1, null));
        assertTrue(e.getMessage().contains("y row 5 of the batch holds class 7, outside [0, 4)"), e.getMessage());
    }

    private static void compare(String what, Function<List<Tensor>, Optimizer<?>> optimizer) {
        Device dev = DeviceTesting.device();
        Sequential cpu = phonePriceMlp(), onDevice = phonePriceMlp();
        onDevice.to(dev);  // the one line that moves training to the device; optimizers are built after it
        Optimizer<?> cpuOpt = optimizer.apply(cpu.parameters()), devOpt = optimizer.apply(onDevice.parameters());
        var loss = new CrossEntropyLoss();
        manualSeed(7);
        for (int step = 0; step < STEPS; step++) {
            Tensor x = randn(BATCH, 20), y = x.narrow(1, 0, 4).argmax(1);  // a learnable rule
            double cpuLoss = step(cpu, cpuOpt, loss, x, y);
            double devLoss = step(onDevice, devOpt, loss, x.to(dev), y.to(dev));
            int s = step;
            assertTrue(Math.abs(devLoss - cpuLoss) <= LOSS_RTOL * Math.abs(cpuLoss),
                    () -> what + " step " + s + ": loss " + devLoss + " on " + dev + ", " + cpuLoss + " on the CPU");
            if (step == STEPS - 1) {
                Tensor cpuCorrect = cpu.forward(x).argmax(1).eq(y).sum();
                Tensor devCorrect = onDevice.forward(x.to(dev)).argmax(1).eq(y.to(dev)).sum();
                assertEquals(dev, devCorrect.device());
                assertEquals(cpuCorrect.longItem(), devCorrect.longItem(), what + ": correct predictions");
            }
        }
        var cpuParams = cpu.namedParameters();
        double scale = 0, worst = 0;
        for (var e : onDevice.namedParameters().entrySet()) {
            assertEquals(dev, e.getValue().device(), e.getKey());
            float[] d = e.getValue().toFloatArray(), c = cpuParams.get(e.getKey()).toFloatArray();
            for (int i = 0; i < c.length; i++) {
                scale = Math.max(scale, Math.abs(c[i]));
                worst = Math.max(worst, Math.abs(d[i] - c[i]));
            }
        }
        double max = worst, of = scale;
        assertTrue(worst <= PARAM_TOL * scale, () -> what + ": parameters differ by up to " + max + " (largest "
                + of + ")");
    }

    private static double step(Sequential model, Optimizer<?> opt, CrossEntropyLoss loss, Tensor x, Tensor y) {
        opt.zeroGrad();
        Tensor l = loss.forward(model.forward(x), y);
        l.backward();
        opt.step();
        return l.item();
    }
}
