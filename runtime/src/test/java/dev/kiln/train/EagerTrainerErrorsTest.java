package dev.kiln.train;

import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The eager trainer's errors name the epoch, the batch and the row at fault. */
class EagerTrainerErrorsTest {
    private static Trainer trainer(Sequential model) {
        return new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1)).progress(false)
                .output(new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void aClassIndexOutOfRangeNamesEpochBatchAndRow() {
        manualSeed(1);
        Tensor y = randint(0, 4, 16);
        y.set(4L, 11);
        var loader = new DataLoader(new TensorDataset(randn(16, 5), y), 8);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> trainer(new Sequential(new Linear(5, 4))).fit(loader, 2, null));
        assertEquals("Target 4 is out of bounds: epoch 1, batch 2, row 3 of the batch (classes [0, 4))", e.getMessage());
        assertEquals("Target 4 is out of bounds.", e.getCause().getMessage(), "PyTorch's words stay in the cause");
    }

    @Test
    void anEmbeddingIndexOutOfRangeNamesTheLayerTheValueAndTheRow() {
        manualSeed(1);
        Tensor x = randint(0, 10, 8, 3);
        x.set(12L, 5, 1);
        var loader = new DataLoader(new TensorDataset(x, randint(0, 2, 8)), 8);
        var model = new Sequential(new Embedding(10, 3), new Flatten(), new Linear(9, 2));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> trainer(model).fit(loader, 1, null));
        assertEquals("Embedding '0' (10, 3): index out of range in self: index 12 at row 5 of the input (flat position 16), "
                + "expected in [0, 10): epoch 1, batch 1", e.getMessage());
    }

    @Test
    void aNaNLossNamesTheRowHoldingIt() {
        manualSeed(1);
        Tensor x = randn(16, 5);
        x.set(Double.NaN, 9, 2);
        var loader = new DataLoader(new TensorDataset(x, randint(0, 4, 16)), 8);
        var e = assertThrows(IllegalStateException.class, () -> trainer(new Sequential(new Linear(5, 4))).fit(loader, 1, null));
        assertEquals("loss is NaN at epoch 1, batch 2: x row 1 of the batch holds NaN (at element 2 of the row)", e.getMessage());
    }
}
