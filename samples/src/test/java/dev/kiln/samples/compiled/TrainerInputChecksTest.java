package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.SplittableRandom;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The compiled trainer refuses what it would otherwise reinterpret or cast, naming the argument, the expected and the actual value. */
class TrainerInputChecksTest {
    private static Trainer classifier() {
        return KilnPhonePrice.create(1).trainer(Loss.crossEntropy(), SGD.options(0.01)).log(null);
    }

    private static String fails(Class<? extends Throwable> type, Executable e) {
        return assertThrows(type, e).getMessage();
    }

    private static float[] labels(int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = i % 4;
        return y;
    }

    @Test
    void theGeneratedModelExposesItsShapes() {
        assertArrayEquals(new int[] {20}, KilnPhonePrice.create(1).inputShape());
        assertArrayEquals(new int[] {4}, KilnPhonePrice.create(1).outputShape());
        assertArrayEquals(new int[] {1, 4, 4}, KilnTestConvNoFlatten.create(1).inputShape());
        assertArrayEquals(new int[] {2, 4, 3}, KilnTestConvNoFlatten.create(1).outputShape());
        assertNull(KilnTokenTagger.create(1).inputShape(), "a sequence model's rows are not samples");
    }

    @Test
    void aTensorOfTheWrongShapeIsRefused() {
        Trainer t = classifier();
        assertEquals("x has shape [2000, 30] but KilnPhonePrice takes [N, 20]",
                fails(IllegalArgumentException.class, () -> t.fit(zeros(2000, 30), zeros(2000), 1, 32)));
        // Transposed data has the right number of floats.
        assertEquals("x has shape [20, 64] but KilnPhonePrice takes [N, 20]",
                fails(IllegalArgumentException.class, () -> t.fit(zeros(20, 64), zeros(64), 1, 32)));
        assertEquals("y has shape [64, 4] but CrossEntropy on KilnPhonePrice's output [N, 4] takes [N] (class indices)",
                fails(IllegalArgumentException.class, () -> t.fit(zeros(64, 20), zeros(64, 4), 1, 32)));
        assertEquals("x has 64 samples (shape [64, 20]) but y has 32 (shape [32])",
                fails(IllegalArgumentException.class, () -> t.fit(zeros(64, 20), zeros(32), 1, 32)));
        var cnn = KilnFashionCnn.create(1).trainer(Loss.crossEntropy(), SGD.options(0.01)).log(null);
        assertEquals("x has shape [8, 28, 28] but KilnFashionCnn takes [N, 1, 28, 28] (or [N, 784] flattened)",
                fails(IllegalArgumentException.class, () -> cnn.fit(zeros(8, 28, 28), zeros(8), 1, 8)));
    }

    @Test
    void rowsOfTheWrongLengthBlameX() {
        // 2000 rows of 30 floats read as 3000 samples of 20 used to blame the 2000 labels.
        assertEquals("x has 60000 floats (KilnPhonePrice takes 20 a sample, so 3000 samples) but y has 2000 floats (1 a sample, "
                        + "so 2000 samples): if x holds 2000 rows, each has 30 floats where 20 are expected",
                fails(IllegalArgumentException.class, () -> classifier().fit(new float[60000], labels(2000), 1, 32)));
        assertEquals("x has 1990 floats (KilnPhonePrice takes 20 a sample, and that is not a whole number of samples) but y has "
                        + "100 floats (1 a sample, so 100 samples)",
                fails(IllegalArgumentException.class, () -> classifier().fit(new float[1990], labels(100), 1, 32)));
    }

    @Test
    void labelsMustBeClassIndices() {
        float[] x = new float[64 * 20];
        float[] fractional = labels(64), nan = labels(64), high = labels(64), negative = labels(64);
        fractional[17] = 1.5f;
        nan[3] = Float.NaN;
        high[40] = 4;
        negative[0] = -1;
        String rule = ": cross-entropy takes class indices, whole numbers in [0, 4) for KilnPhonePrice's 4 outputs";
        assertEquals("y[17], the label of sample 17, is 1.5" + rule,
                fails(IllegalArgumentException.class, () -> classifier().fit(x, fractional, 1, 32)));
        assertEquals("y[3], the label of sample 3, is NaN" + rule,
                fails(IllegalArgumentException.class, () -> classifier().fit(x, nan, 1, 32)));
        assertEquals("y[40], the label of sample 40, is 4.0" + rule,
                fails(IllegalArgumentException.class, () -> classifier().fit(x, high, 1, 32)));
        assertEquals("y[0], the label of sample 0, is -1.0" + rule,
                fails(IllegalArgumentException.class, () -> classifier().evaluate(x, negative)));
    }

    @Test
    void aLoaderBatchWithABadLabelNamesEpochBatchAndRow() {
        manualSeed(1);
        Tensor y = randint(0, 4, 32).toFloat();
        y.set(7.0, 21);
        var loader = new DataLoader(new TensorDataset(randn(32, 20), y), 8);
        assertEquals("label 7.0 at epoch 1, batch 3, row 5 of the batch: cross-entropy takes class indices, whole numbers in "
                        + "[0, 4) for KilnPhonePrice's 4 outputs",
                fails(IllegalArgumentException.class, () -> classifier().fit(loader, 2)));
    }

    @Test
    void epochsAndLearningRatesAreChecked() {
        float[] x = new float[64 * 20];
        assertEquals("epochs must be at least 1, got 0", fails(IllegalArgumentException.class, () -> classifier().fit(x, labels(64), 0, 32)));
        assertEquals("epochs must be at least 1, got -3", fails(IllegalArgumentException.class,
                () -> classifier().fit(new DataLoader(new TensorDataset(zeros(8, 20), zeros(8)), 8), -3)));
        assertEquals("lr (learning rate) must be a finite number >= 0, got -0.1",
                fails(IllegalArgumentException.class, () -> Optimizer.sgd(-0.1)));
        assertEquals("lr (learning rate) must be a finite number >= 0, got NaN",
                fails(IllegalArgumentException.class, () -> Optimizer.adam(Double.NaN)));
        assertEquals("lr (learning rate) must be a finite number >= 0, got Infinity",
                fails(IllegalArgumentException.class, () -> Optimizer.adam(1e-3).setLr(Double.POSITIVE_INFINITY)));
        assertEquals("lrSchedule must give a finite learning rate >= 0, but gave NaN for epoch 2 (its argument 1)",
                fails(IllegalArgumentException.class, () -> classifier().lrSchedule(e -> e == 0 ? 0.1 : Double.NaN).fit(x, labels(64), 3, 32)));
    }

    @Test
    void aClassifierWhoseOutputIsNotNByClassesFailsWhenTheTrainerIsBuilt() {
        assertEquals("cross-entropy needs the model's output to be [N, classes] but KilnTestConvNoFlatten produces [N, 2, 4, 3]: "
                        + "add a @Flatten layer before the last @Linear (a @Linear acts on the last dimension only)",
                fails(IllegalArgumentException.class,
                        () -> KilnTestConvNoFlatten.create(1).trainer(Loss.crossEntropy(), SGD.options(0.01))));
        // A regression on the same output is fine.
        KilnTestConvNoFlatten.create(1).trainer(Loss.mse(), SGD.options(0.01));
    }

    @Test
    void validDataStillTrains() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[64 * 20];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        classifier().fit(fromArray(x, 64, 20), fromArray(labels(64), 64), 2, 16);
        classifier().fit(fromArray(x, 64, 20), fromArray(labels(64), 64, 1), 1, 16);
        var line = KilnLine.create(1).trainer(Loss.mse(), SGD.options(0.01)).log(null);
        line.fit(zeros(16, 1), zeros(16, 1), 1, 8);
        line.fit(zeros(16, 1), zeros(16), 1, 8);
    }
}
