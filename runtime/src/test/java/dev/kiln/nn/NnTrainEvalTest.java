package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Supplier;

/** Train/eval behaviour: BatchNorm's running statistics against PyTorch, mode propagation, input checks. */
class NnTrainEvalTest {
    private static final Map<String, Supplier<BatchNorm>> RUNNING = Map.of(
            "bn1d", () -> new BatchNorm1d(3),
            "bn1d_cma", () -> new BatchNorm1d(3, 1e-5, null, true, true),
            "bn1d_3d", () -> new BatchNorm1d(2, 1e-5, 0.3, true, true),
            "bn2d", () -> new BatchNorm2d(2));

    @Test void runningStatisticsAfterThreeStepsMatchPyTorch() {
        for (JsonNode c : NnFixture.root().get("running")) {
            String name = c.get("name").asText();
            BatchNorm bn = RUNNING.get(name).get();
            for (int step = 0; step < 3; step++) {
                Tensor out = bn.forward(NnFixture.tensor(c.get("inputs").get(step)));
                NnFixture.assertClose(c.get("outs").get(step), out, name + " step " + step);
            }
            Map<String, Tensor> state = bn.stateDict();
            c.get("state").fields().forEachRemaining(e -> {
                if (e.getKey().equals("num_batches_tracked")) NnFixture.assertExact(e.getValue(), state.get(e.getKey()), name);
                else NnFixture.assertClose(e.getValue(), state.get(e.getKey()), name + " " + e.getKey());
            });
            bn.eval();
            NnFixture.assertClose(c.get("eval_out"), bn.forward(NnFixture.tensor(c.get("eval_input"))), name + " eval");
            assertEquals(3L, bn.numBatchesTracked().longItem(), "eval does not count batches");
        }
    }

    @Test void runningVarUsesTheUnbiasedBatchVariance() {
        BatchNorm1d bn = new BatchNorm1d(1);
        bn.forward(Torch.tensor(new double[][] {{1}, {2}, {3}, {6}}).toFloat());
        // mean 3, unbiased var 14/3: running = 0.9 * init + 0.1 * batch
        assertEquals(0.3, bn.runningMean().item(), 1e-7);
        assertEquals(0.9 + 0.1 * 14.0 / 3, bn.runningVar().item(), 1e-6);
    }

    @Test void evalUsesRunningStatisticsAndTrainUsesTheBatch() {
        BatchNorm1d bn = new BatchNorm1d(2);
        Tensor x = Torch.tensor(new double[][] {{1, 10}, {3, 30}}).toFloat();
        Tensor train = bn.forward(x);
        assertArrayEquals(new double[] {-1, -1, 1, 1}, train.toDoubleArray(), 1e-4);
        bn.eval();
        // running mean (0.2, 2), running var (0.9 + 0.1 * 2, 0.9 + 0.1 * 200)
        double[] eval = bn.forward(x).toDoubleArray();
        assertEquals((1 - 0.2) / Math.sqrt(1.1 + 1e-5), eval[0], 1e-6);
        assertEquals((30 - 2) / Math.sqrt(20.9 + 1e-5), eval[3], 1e-5);
    }

    @Test void modePropagatesToEveryDescendant() {
        Dropout drop = new Dropout(0.5);
        BatchNorm1d bn = new BatchNorm1d(4);
        Sequential inner = new Sequential(bn, drop);
        Sequential outer = new Sequential(new Linear(3, 4), inner);
        assertTrue(drop.isTraining());
        assertSame(outer, outer.eval());
        assertFalse(drop.isTraining());
        assertFalse(bn.isTraining());
        Tensor x = Torch.randn(2, 3);
        assertTrue(outer.forward(x).equal(outer.forward(x)), "eval is deterministic");
        outer.train();
        assertTrue(inner.isTraining() && drop.isTraining() && bn.isTraining());
        assertEquals(2, inner.size());
        assertSame(drop, inner.get(-1));
        assertSame(bn, inner.get(0));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> inner.get(2));
        assertEquals("index 2 is out of range", e.getMessage());
    }

    @Test void batchNormChecksItsInput() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Torch.randn(2, 3, 4, 5)));
        assertEquals("expected 2D or 3D input (got 4D input)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Torch.randn(2, 3, 4)));
        assertEquals("expected 4D input (got 3D input)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Torch.randn(1, 3)));
        assertEquals("Expected more than 1 value per channel when training, got input size torch.Size([1, 3])", e.getMessage());
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.eval();
        assertArrayEquals(new int[] {1, 3}, bn.forward(Torch.randn(1, 3)).shape().toArray(), "one sample is fine in eval");
    }

    @Test void withoutTrackedStatisticsEvalStillNormalisesByTheBatch() {
        BatchNorm1d bn = new BatchNorm1d(2, 1e-5, 0.1, true, false);
        assertNull(bn.runningMean());
        bn.eval();
        Tensor y = bn.forward(Torch.tensor(new double[][] {{1, 10}, {3, 30}}).toFloat());
        assertArrayEquals(new double[] {-1, -1, 1, 1}, y.toDoubleArray(), 1e-4);
    }

    @Test void layerErrorsMatchPyTorch() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LayerNorm(4).forward(Torch.randn(2, 3)));
        assertEquals("Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]", e.getMessage());
        var idx = assertThrows(IndexOutOfBoundsException.class, () -> new Embedding(5, 2).forward(Torch.tensor(new long[] {5})));
        assertEquals("Embedding(5, 2): index out of range in self: index 5 at row 0 of the input (flat position 0), expected in [0, 5)",
                idx.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Embedding(5, 2).forward(Torch.tensor(new double[] {1})));
        var pad = assertThrows(IllegalArgumentException.class, () -> new Embedding(5, 2, 5));
        assertEquals("Padding_idx must be within num_embeddings", pad.getMessage());
        Embedding emb = new Embedding(5, 2, -1);
        assertEquals(4, emb.paddingIdx());
        assertArrayEquals(new double[] {0, 0}, emb.weight().get(4).toDoubleArray(), 0.0);
        var lin = assertThrows(IllegalArgumentException.class, () -> new Linear(3, 2).forward(Torch.randn(4, 5)));
        assertEquals("mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)", lin.getMessage());
    }

    @Test void activationsKeepTheInputDtype() {
        Tensor x = Torch.randn(new int[] {2, 3}, DType.FLOAT64);
        for (Module m : new Module[] {new LeakyReLU(), new GELU(), new Softmax(1), new LogSoftmax(0), new Sigmoid()}) {
            assertEquals(DType.FLOAT64, m.forward(x).dtype(), m.toString());
        }
        Tensor big = Torch.tensor(new double[] {1000, 1000}).toFloat();
        assertArrayEquals(new double[] {0.5, 0.5}, Functional.softmax(big, 0).toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {-Math.log(2), -Math.log(2)}, Functional.logSoftmax(big, 0).toDoubleArray(), 1e-7);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Functional.softmax(big, 1));
        assertEquals("Dimension out of range (expected to be in range of [-1, 0], but got 1)", e.getMessage());
    }
}
