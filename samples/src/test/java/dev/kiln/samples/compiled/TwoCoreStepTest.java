package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A step split between two cores, by each layer's output features (batches up to 32 of this dense chain) or by the
 * batch's rows (larger ones), is the one-core step up to float rounding: the same losses, accuracy counts and
 * parameters after many steps, for SGD with momentum and Adam, even and odd batches; a bad target on either core's
 * rows is reported, and the trainer goes on working after it as if the failed steps had not happened.
 */
class TwoCoreStepTest {
    /** What a split step runs on: one core where the machine has only one. */
    private static final int CORES = Math.min(2, Runtime.getRuntime().availableProcessors());

    private static float[][] data(int samples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[samples * 20], y = new float[samples];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(4);
        return new float[][] {x, y};
    }

    @Test
    void splitStepsFollowTheOneCoreSteps() {
        for (Supplier<Optimizer> opt : java.util.List.<Supplier<Optimizer>>of(() -> Optimizer.sgd(0.05, 0.9), () -> Optimizer.adam(1e-3))) {
            for (int batch : new int[] {5, 8, 17, 32, 33, 64}) {
                KilnPhonePrice one = KilnPhonePrice.create(3), two = KilnPhonePrice.create(3);
                Trainer serial = one.trainer(Loss.crossEntropy(), opt.get()).threads(1);
                Trainer split = two.trainer(Loss.crossEntropy(), opt.get()).threads(2);
                serial.prepare(batch);
                split.prepare(batch);
                float[][] d = data(batch * 30, batch);
                float[] xb = new float[batch * 20], yb = new float[batch];
                for (int s = 0; s < 30; s++) {
                    System.arraycopy(d[0], s * batch * 20, xb, 0, batch * 20);
                    System.arraycopy(d[1], s * batch, yb, 0, batch);
                    float a = serial.step(xb, yb, batch), b = split.step(xb, yb, batch);
                    assertEquals(a, b, 1e-5 * Math.abs(a), "loss at step " + s + ", batch " + batch);
                    assertEquals(CORES, split.coresInLastStep(), "batch " + batch);
                }
                float[] p1 = one.parameterBuffer(), p2 = two.parameterBuffer();
                double maxDiff = 0, maxAbs = 0;
                for (int i = 0; i < p1.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(p1[i] - p2[i]));
                    maxAbs = Math.max(maxAbs, Math.abs(p1[i]));
                }
                // Momentum carries the rounding of each step into the next, so 30 steps drift a little further apart.
                assertTrue(maxDiff < 1e-4 * maxAbs, "parameters differ by " + maxDiff + " after 30 steps, batch " + batch);
                // The gradient buffer holds the whole batch's gradient after a split step, as after a one-core step.
                float[] g1 = one.gradientBuffer(), g2 = two.gradientBuffer();
                for (int i = 0; i < g1.length; i += 97) assertEquals(g1[i], g2[i], 1e-6 + 1e-4 * Math.abs(g1[i]), "gradient " + i);
            }
        }
    }

    @Test
    void theFeatureSplitAppliesEachLayersActivation() {
        // Tanh layers go through the generated scalar rules of the block epilogue and backward, not the ReLU kernels.
        KilnPhonePriceTanh one = KilnPhonePriceTanh.create(7), two = KilnPhonePriceTanh.create(7);
        Trainer serial = one.trainer(Loss.crossEntropy(), SGD.options(0.1)).threads(1);
        Trainer split = two.trainer(Loss.crossEntropy(), SGD.options(0.1)).threads(2);
        serial.prepare(8);
        split.prepare(8);
        float[][] d = data(8 * 20, 7);
        float[] xb = new float[8 * 20], yb = new float[8];
        for (int s = 0; s < 20; s++) {
            System.arraycopy(d[0], s * 8 * 20, xb, 0, 8 * 20);
            System.arraycopy(d[1], s * 8, yb, 0, 8);
            float a = serial.step(xb, yb, 8), b = split.step(xb, yb, 8);
            assertEquals(a, b, 1e-5 * Math.abs(a), "loss at step " + s);
            assertEquals(CORES, split.coresInLastStep());
        }
        float[] p1 = one.parameterBuffer(), p2 = two.parameterBuffer();
        for (int i = 0; i < p1.length; i++) assertEquals(p1[i], p2[i], 1e-5, "parameter " + i);
    }

    @Test
    void aTwoLayerChainWithANarrowOutputSplitsToo() {
        // MSE over 2 outputs and LeakyReLU's rule, on a chain whose split has no meeting inside the backward pass.
        KilnTestWideRegressor one = KilnTestWideRegressor.create(3), two = KilnTestWideRegressor.create(3);
        Trainer serial = one.trainer(Loss.mse(), Adam.options().lr(1e-3)).threads(1);
        Trainer split = two.trainer(Loss.mse(), Adam.options().lr(1e-3)).threads(2);
        serial.prepare(8);
        split.prepare(8);
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[8 * 30], y = new float[8 * 2];
        for (int s = 0; s < 25; s++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = x[i] - 0.5f * x[i + 5];
            float a = serial.step(x, y, 8), b = split.step(x, y, 8);
            assertEquals(a, b, 1e-5 * Math.abs(a), "loss at step " + s);
            assertEquals(CORES, split.coresInLastStep());
        }
        float[] p1 = one.parameterBuffer(), p2 = two.parameterBuffer();
        for (int i = 0; i < p1.length; i++) assertEquals(p1[i], p2[i], 2e-5, "parameter " + i);
        assertFalse(java.util.Arrays.equals(KilnTestWideRegressor.create(3).parameterBuffer(), p2), "the split steps trained");
    }

    @Test
    void theAccuracyCountCoversBothHalves() {
        float[][] d = data(64, 5);
        for (int batch : new int[] {8, 64}) {
            Trainer split = KilnPhonePrice.create(5).trainer(Loss.crossEntropy(), SGD.options(0.0)).threads(2).log(null);
            Trainer serial = KilnPhonePrice.create(5).trainer(Loss.crossEntropy(), SGD.options(0.0)).threads(1).log(null);
            var a = split.fit(d[0], d[1], 1, batch);
            var b = serial.fit(d[0], d[1], 1, batch);
            assertEquals(b.last("accuracy"), a.last("accuracy"), 1e-12, "batch " + batch);
        }
    }

    @Test
    void aBadTargetOnEitherCoreIsReportedAndTheTrainerRecovers() {
        KilnPhonePrice model = KilnPhonePrice.create(1), reference = KilnPhonePrice.create(1);
        Trainer trainer = model.trainer(Loss.crossEntropy(), Adam.options().lr(1e-2)).threads(2);
        float[] before = model.parameterBuffer().clone();
        // Feature split (8, 16): both cores see every row. Row split (64): rows 0 to 31 on this thread, the rest on the other.
        for (int[] batchAndRow : new int[][] {{8, 0}, {8, 7}, {16, 12}, {64, 3}, {64, 50}}) {
            int batch = batchAndRow[0];
            trainer.prepare(batch);
            float[][] d = data(batch, 1);
            float[] y = d[1].clone();
            y[batchAndRow[1]] = 9;
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.step(d[0], y, batch));
            assertEquals("Target 9 is out of bounds: row " + batchAndRow[1] + " of the batch; the classes are [0, 4)", e.getMessage());
            assertTrue(java.util.Arrays.equals(before, model.parameterBuffer()), "a failed step must not update parameters");
        }
        // Adam's bias correction counts steps: the failed ones must not have counted.
        Trainer serial = reference.trainer(Loss.crossEntropy(), Adam.options().lr(1e-2)).threads(1);
        for (int batch : new int[] {8, 64}) {
            float[][] d = data(batch, 2);
            serial.prepare(batch);
            float loss = trainer.step(d[0], d[1], batch);
            assertEquals(serial.step(d[0], d[1], batch), loss, 1e-5 * Math.abs(loss));
            float[] p = model.parameterBuffer(), q = reference.parameterBuffer();
            // A miscounted step would change the first updates by several times lr (1e-2); rounding, amplified by
            // Adam's division by small second moments, stays far below that.
            for (int i = 0; i < p.length; i += 31) assertEquals(q[i], p[i], 1e-5, "parameter " + i + " after a good step of " + batch);
        }
        assertFalse(java.util.Arrays.equals(before, model.parameterBuffer()));
    }
}
