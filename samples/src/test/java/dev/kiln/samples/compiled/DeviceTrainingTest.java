package dev.kiln.samples.compiled;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceInfo;
import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiled dense chains trained on an OpenCL device (PoCL in CI) against the same model trained on one CPU core:
 * 20 steps from the same weights on the same batches give the same losses, accuracies and parameters within float
 * rounding (the device sums in other orders). Tolerances: 2e-4 relative on each step's loss, 5e-4 of the
 * parameters' scale at the end. Adam uses eps 1e-3 here: with 1e-8 it scales a gradient of 1e-10 on a unit at
 * the edge of dying into a whole step, so any two summation orders drift apart by up to lr a step.
 */
class DeviceTrainingTest {
    private static final int STEPS = 20;

    private static Device openCl() {
        Device d = Device.available().stream().map(DeviceInfo::device).filter(x -> x.kind() == Device.Kind.OPENCL)
                .findFirst().orElse(null);
        assumeTrue(d != null, "no OpenCL device: apt-get install -y pocl-opencl-icd ocl-icd-libopencl1 (CI does)");
        return d;
    }

    @Test
    void thePhonePriceMlpTrainsOnOpenClAsOnTheCpu() {
        Device device = openCl();
        for (int batch : new int[] {8, 32, 13}) {
            compare(device, () -> KilnPhonePrice.create(5), Loss.crossEntropy(), () -> Optimizer.sgd(0.05, 0.9), batch, 20, 4);
            compare(device, () -> KilnPhonePrice.create(5), Loss.crossEntropy(), () -> Optimizer.of(Adam.options().lr(1e-3).eps(1e-3).weightDecay(1e-2)), batch, 20, 4);
            compare(device, () -> KilnPhonePrice.create(5), Loss.crossEntropy(), () -> Optimizer.of(AdamW.options().lr(1e-3).eps(1e-3).weightDecay(0.1)), batch, 20, 4);
        }
    }

    @Test
    void everyActivationAndABiasFreeLayerTrainOnOpenClAsOnTheCpu() {
        Device device = openCl();
        compare(device, () -> KilnTestDeviceChain.create(3), Loss.crossEntropy(), () -> Optimizer.of(SGD.options(0.1).momentum(0.9).weightDecay(1e-3).nesterov(true)), 7, 13, 5);
        compare(device, () -> KilnTestDeviceChain.create(3), Loss.mse(), () -> Optimizer.of(Adam.options().lr(1e-2).eps(1e-3)), 11, 13, 5);
    }

    @Test
    void theFashionMnistCnnWithDropoutTrainsOnOpenClAsOnTheCpu() {
        Device device = openCl();
        // Conv + ReLU steps, max pooling, Flatten, Linear + ReLU, dropout from the model's own mask stream, Linear.
        compare(device, () -> KilnFashionCnn.create(7, 4), Loss.crossEntropy(), () -> Optimizer.sgd(0.05, 0.9), 4, 784, 10);
        compare(device, () -> KilnFashionCnn.create(7, 4), Loss.crossEntropy(), () -> Optimizer.of(Adam.options().lr(1e-3).eps(1e-3)), 3, 784, 10);
    }

    @Test
    void stridedPaddedConvolutionsBothPoolingsAndAGeluLinearTrainOnOpenClAsOnTheCpu() {
        Device device = openCl();
        compare(device, () -> KilnTestDeviceCnn.create(11), Loss.crossEntropy(), () -> Optimizer.sgd(0.1, 0.9), 5, 3 * 9 * 7, 3);
        compare(device, () -> KilnTestDeviceCnn.create(11), Loss.mse(), () -> Optimizer.of(Adam.options().lr(1e-2).eps(1e-3)), 2, 3 * 9 * 7, 3);
    }

    @Test
    void aModelCreatedOnADeviceTrainsThere() {
        Device device = openCl();
        Trainer t = KilnPhonePrice.create(5, device).trainer(Loss.crossEntropy(), SGD.options(0.1));
        assertEquals(device, t.device());
        float[] x = new float[2 * 20], y = {1, 3};
        t.step(x, y, 2);
        assertEquals(0, t.coresInLastStep(), "a device step");
        assertEquals(Device.CPU, KilnPhonePrice.create(5).to(Device.CPU).trainer(Loss.crossEntropy(), SGD.options(0.1)).device());
    }

    @Test
    void aModelWithoutADeviceProgramSaysWhichLayerBeforeTouchingADevice() {
        Trainer t = KilnTestGraphNet.create(1).trainer(Loss.mse(), SGD.options(0.1));
        DeviceException e = assertThrows(DeviceException.class, () -> t.device(Device.of("opencl:0")));
        assertTrue(e.getMessage().contains("KilnTestGraphNet") && e.getMessage().contains("several inputs"), e.getMessage());
    }

    @Test
    void aDeviceThatCannotStartIsAnErrorNotTheCpu() {
        assumeTrue(Device.available().stream().noneMatch(i -> i.device().kind() == Device.Kind.CUDA), "a CUDA device is present");
        Trainer t = KilnPhonePrice.create(1).trainer(Loss.crossEntropy(), SGD.options(0.1));
        DeviceException e = assertThrows(DeviceException.class, () -> t.device(Device.of("cuda:0")));
        assertTrue(e.getMessage().contains("libcuda"), e.getMessage());
        assertEquals(Device.CPU, t.device(), "the trainer stays where it was");
    }

    @Test
    void batchNormResidualBlocksLayerNormEmbeddingAndLogSoftmaxTrainOnOpenClAsOnTheCpu() {
        Device device = openCl();
        // BatchNorm1d, GELU(tanh), a residual block, LogSoftmax before the loss; BatchNorm2d + ReLU after a convolution;
        // BatchNorm over [N, C, L] with a fused GELU; BatchNorm without running statistics; BatchNorm, dropout, repeats.
        compare(device, () -> KilnTestNet.create(2), Loss.crossEntropy(), () -> Optimizer.sgd(0.05, 0.9), 6, 6, 3);
        compare(device, () -> KilnTestBnCnn.create(2), Loss.crossEntropy(), () -> Optimizer.of(Adam.options().lr(1e-2).eps(1e-3)), 5, 72, 3);
        compare(device, () -> KilnTestBnSequence.create(2), Loss.mse(), () -> Optimizer.sgd(0.05), 4, 15, 2);
        compare(device, () -> KilnTestBnBatchStatistics.create(2), Loss.crossEntropy(), () -> Optimizer.sgd(0.1, 0.9), 7, 6, 2);
        compare(device, () -> KilnTestChain.create(2), Loss.crossEntropy(), () -> Optimizer.sgd(0.05, 0.9), 8, 6, 3);
        // Sequence models take rows of n * t; an Embedding reads token ids from the batch.
        compare(device, () -> KilnTestSeqNet.create(2), Loss.mse(), () -> Optimizer.of(Adam.options().lr(1e-2).eps(1e-3)), 12, 6, 3);
        compareTokens(device, () -> KilnTokenTagger.create(2), () -> Optimizer.sgd(0.1, 0.9), 15, 1, 50, 5);
        compareTokens(device, () -> KilnTestFixedTokens.create(2), () -> Optimizer.of(Adam.options().lr(1e-2).eps(1e-3)), 6, 3, 10, 2);
    }

    @Test
    void anEmbeddingIndexOutOfRangeNamesItsSample() {
        Device device = openCl();
        Trainer t = KilnTestFixedTokens.create(1).trainer(Loss.crossEntropy(), SGD.options(0.1)).device(device);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.step(new float[] {1, 2, 3, 4, 12, 5}, new float[] {0, 1}, 2));
        assertTrue(e.getMessage().contains("12") && e.getMessage().contains("sample 1"), e.getMessage());
    }

    private static void compare(Device device, Supplier<CompiledModel> model, Loss loss, Supplier<Optimizer> opt, int batch,
                                int in, int classes) {
        compare(device, model, loss, opt, batch, in, classes, 0);
    }

    private static void compareTokens(Device device, Supplier<CompiledModel> model, Supplier<Optimizer> opt, int batch, int in,
                                      int tokens, int classes) {
        compare(device, model, Loss.crossEntropy(), opt, batch, in, classes, tokens);
    }

    /** {@code tokens > 0}: inputs are token ids in [0, tokens). */
    private static void compare(Device device, Supplier<CompiledModel> model, Loss loss, Supplier<Optimizer> opt, int batch,
                                int in, int classes, int tokens) {
        CompiledModel cpuModel = model.get(), devModel = model.get();
        Trainer cpu = new Trainer(cpuModel, loss, opt.get()).threads(1);
        Trainer dev = new Trainer(devModel, loss, opt.get()).device(device);
        assertEquals(device, dev.device());
        SplittableRandom r = new SplittableRandom(batch);
        int targets = loss instanceof Loss.Mse ? batch * classes : batch;
        String what = devModel.getClass().getSimpleName() + " " + loss + " " + cpu.optimizer() + " batch " + batch;
        for (int s = 0; s < STEPS; s++) {
            float[] x = new float[batch * in], y = new float[targets];
            for (int i = 0; i < x.length; i++) x[i] = tokens > 0 ? r.nextInt(tokens) : (float) r.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = loss instanceof Loss.Mse ? (float) r.nextGaussian() : r.nextInt(classes);
            float a = cpu.step(x, y, batch), b = dev.step(x, y, batch);
            assertEquals(a, b, 2e-4 * Math.max(1, Math.abs(a)), what + ": loss at step " + s);
            assertEquals(0, dev.coresInLastStep(), "a device step");
        }
        dev.syncToHost();
        float[] p = cpuModel.parameterBuffer(), q = devModel.parameterBuffer();
        double scale = 0;
        for (float v : p) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < p.length; i++) assertEquals(p[i], q[i], 5e-4 * scale, what + ": parameter " + i);
        float[] s = cpuModel.stateBuffer(), t = devModel.stateBuffer();
        for (int i = 0; i < s.length; i++) assertEquals(s[i], t[i], 5e-4 * Math.max(1, Math.abs(s[i])), what + ": running statistic " + i);
    }
}
