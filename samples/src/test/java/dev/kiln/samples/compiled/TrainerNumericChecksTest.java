package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Trainer;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiled trainer checks the loss of every step: non-finite inputs or targets and a diverging learning rate stop
 * training with the epoch, the batch and, where one holds it, the sample at fault, instead of returning NaN weights.
 */
class TrainerNumericChecksTest {
    private static float[][] classification(int samples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[samples * 20], y = new float[samples];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < samples; i++) y[i] = r.nextInt(4);
        return new float[][] {x, y};
    }

    private static Trainer classifier(int threads) {
        return KilnPhonePrice.create(1).trainer(Loss.crossEntropy(), Adam.options().lr(1e-3)).threads(threads).log(null);
    }

    @ParameterizedTest(name = "threads {0}")
    @ValueSource(ints = {1, 2})
    void aNaNInputNamesItsSampleAndInput(int threads) {
        float[][] d = classification(256, 1);
        d[0][37 * 20 + 5] = Float.NaN;
        var e = assertThrows(IllegalStateException.class, () -> classifier(threads).fit(d[0], d[1], 3, 16));
        assertTrue(e.getMessage().matches("loss is NaN at epoch 1, batch \\d+: x of sample 37 \\(row \\d+ of the batch\\) holds NaN at input 5"),
                e.getMessage());
    }

    @Test
    void anInfiniteInputIsFoundToo() {
        float[][] d = classification(64, 2);
        d[0][3 * 20] = Float.POSITIVE_INFINITY;
        var e = assertThrows(IllegalStateException.class, () -> classifier(1).fit(d[0], d[1], 1, 64));
        assertEquals("loss is NaN at epoch 1, batch 1: x of sample 3 (row " + rowOf(e.getMessage()) + " of the batch) holds Infinity at input 0",
                e.getMessage());
    }

    private static String rowOf(String message) {
        return message.replaceAll(".*\\(row (\\d+) of the batch\\).*", "$1");
    }

    @Test
    void aNaNRegressionTargetNamesItsSample() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[100], y = new float[100];
        for (int i = 0; i < 100; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
            y[i] = 2 * x[i] + 3;
        }
        y[12] = Float.NaN;
        var e = assertThrows(IllegalStateException.class,
                () -> KilnLine.create(1).trainer(Loss.mse(), SGD.options(0.01)).log(null).fit(x, y, 5, 10));
        assertTrue(e.getMessage().matches("loss is NaN at epoch 1, batch \\d+: y of sample 12 \\(row \\d+ of the batch\\) holds NaN at target 0"),
                e.getMessage());
    }

    @Test
    void aDivergingLearningRateSaysSo() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[200], y = new float[200];
        for (int i = 0; i < 200; i++) {
            x[i] = (float) r.nextDouble(-5, 5);
            y[i] = 2 * x[i] + 3;
        }
        var model = KilnLine.create(1);
        var e = assertThrows(IllegalStateException.class,
                () -> model.trainer(Loss.mse(), SGD.options(10)).log(null).fit(x, y, 50, 10));
        assertTrue(e.getMessage().matches("loss is (Infinity|NaN) at epoch \\d+, batch \\d+: training diverged with finite inputs and "
                + "targets \\(lower the learning rate 10\\.0, or standardise the features\\)"), e.getMessage());
    }

    @Test
    void allNaNLabelsAreRefusedInsteadOfScoringAccuracyOne() {
        float[][] d = classification(32, 5);
        java.util.Arrays.fill(d[1], Float.NaN);
        var e = assertThrows(IllegalArgumentException.class, () -> classifier(1).fit(d[0], d[1], 1, 8));
        assertTrue(e.getMessage().startsWith("y[0], the label of sample 0, is NaN: cross-entropy takes class indices"), e.getMessage());
    }

    @Test
    void aLoaderBatchWithANaNNamesTheRowOfTheBatch() {
        manualSeed(2);
        Tensor x = randn(32, 20);
        x.set(Double.NaN, 13, 4);
        var loader = new DataLoader(new TensorDataset(x, randint(0, 4, 32).toFloat()), 8);
        var e = assertThrows(IllegalStateException.class, () -> classifier(1).fit(loader, 1));
        assertEquals("loss is NaN at epoch 1, batch 2: x of row 5 of the batch holds NaN at input 4", e.getMessage());
    }
}
