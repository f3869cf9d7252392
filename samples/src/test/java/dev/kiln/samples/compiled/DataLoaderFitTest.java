package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.History;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

/** The compiled trainer fed by an eager DataLoader agrees with the array path on the same batches. */
class DataLoaderFitTest {
    @Test void unshuffledLoaderGivesTheSameTrainingAsTheArrayPath() {
        manualSeed(1);
        Tensor x = randn(40, 20);
        Tensor y = randint(0, 4, 40);
        KilnPhonePrice viaLoader = KilnPhonePrice.create(7), viaArrays = KilnPhonePrice.create(7);
        History a = viaLoader.trainer(Loss.crossEntropy(), SGD.options(0.05)).log(null)
                .fit(new DataLoader(new TensorDataset(x, y), 8), 3);
        // The array fit shuffles with its own stream, so the reference is step() over the same unshuffled batches.
        var trainer = viaArrays.trainer(Loss.crossEntropy(), SGD.options(0.05)).log(null);
        trainer.prepare(8);
        float[] xs = x.toFloatArray(), ys = y.toFloatArray();
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int start = 0; start < 40; start += 8) {
                trainer.step(java.util.Arrays.copyOfRange(xs, start * 20, (start + 8) * 20),
                        java.util.Arrays.copyOfRange(ys, start, start + 8), 8);
            }
        }
        assertArrayEquals(viaArrays.parameterBuffer(), viaLoader.parameterBuffer());
        assertEquals(3, a.epochs());
        assertTrue(a.last("loss") < a.get("loss").getFirst());
    }

    @Test void mismatchedBatchIsAClearError() {
        KilnPhonePrice model = KilnPhonePrice.create(7);
        var loader = new DataLoader(new TensorDataset(randn(8, 19), randint(0, 4, 8)), 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.trainer(Loss.crossEntropy(), SGD.options(0.05)).log(null).fit(loader, 1));
        assertEquals("batch 1 of epoch 1 has 8 samples with 152 input values (expected 160) and 8 target values (expected 8)",
                e.getMessage());
    }
}
