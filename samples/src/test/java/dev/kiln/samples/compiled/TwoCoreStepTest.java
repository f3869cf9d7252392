package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A step whose rows are split between two cores is the one-core step up to float rounding: the same
 * losses, accuracy counts and parameters after many steps, for SGD with momentum and Adam, even and odd
 * batches; a bad target on either core's rows is reported, and the trainer goes on working after it.
 */
class TwoCoreStepTest {
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
            for (int batch : new int[] {16, 17, 64}) {
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
    void theAccuracyCountCoversBothHalves() {
        float[][] d = data(64, 5);
        KilnPhonePrice model = KilnPhonePrice.create(5);
        Trainer split = model.trainer(Loss.crossEntropy(), Optimizer.sgd(0.0)).threads(2);
        Trainer serial = KilnPhonePrice.create(5).trainer(Loss.crossEntropy(), Optimizer.sgd(0.0)).threads(1);
        var a = split.fit(d[0], d[1], 1, 64);
        var b = serial.log(null).fit(d[0], d[1], 1, 64);
        assertEquals(b.last("accuracy"), a.last("accuracy"), 1e-12);
    }

    @Test
    void aBadTargetOnEitherCoreIsReportedAndTheTrainerRecovers() {
        KilnPhonePrice model = KilnPhonePrice.create(1);
        Trainer trainer = model.trainer(Loss.crossEntropy(), Optimizer.sgd(0.01)).threads(2);
        float[] before = model.parameterBuffer().clone();
        // Rows 0 to n/2 - 1 run on this thread, the rest on the second core.
        for (int[] batchAndRow : new int[][] {{16, 1}, {16, 12}, {64, 3}, {64, 50}}) {
            int batch = batchAndRow[0];
            trainer.prepare(batch);
            float[][] d = data(batch, 1);
            float[] y = d[1].clone();
            y[batchAndRow[1]] = 9;
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.step(d[0], y, batch));
            assertEquals("Target 9 is out of bounds.", e.getMessage());
            assertTrue(java.util.Arrays.equals(before, model.parameterBuffer()), "a failed step must not update parameters");
        }
        float[][] d = data(16, 1);
        float loss = trainer.step(d[0], d[1], 16);
        assertTrue(Float.isFinite(loss));
        assertFalse(java.util.Arrays.equals(before, model.parameterBuffer()));
    }
}
