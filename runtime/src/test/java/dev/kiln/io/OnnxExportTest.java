package dev.kiln.io;

import dev.kiln.autograd.GradMode;
import dev.kiln.io.onnx.OnnxProto.ModelProto;
import dev.kiln.nn.AvgPool2d;
import dev.kiln.nn.BatchNorm1d;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.GELU;
import dev.kiln.nn.GRU;
import dev.kiln.nn.GeluApproximation;
import dev.kiln.nn.LayerNorm;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.LeakyReLU;
import dev.kiln.nn.Linear;
import dev.kiln.nn.LogSoftmax;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.Module;
import dev.kiln.nn.RNN;
import dev.kiln.nn.RNNBase;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.RnnNonlinearity;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Sigmoid;
import dev.kiln.nn.Softmax;
import dev.kiln.nn.Tanh;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eager models exported to ONNX, loaded in onnxruntime and run on random inputs: every exportable layer, against
 * Kiln's eval-mode forward within {@link OnnxCheck#TOLERANCE}.
 */
class OnnxExportTest {
    @TempDir Path dir;

    @BeforeEach
    void seed() {
        Torch.manualSeed(7);
    }

    /** Exports, runs both on {@code x} (batch 3) in eval mode, compares. */
    private void check(Module model, Tensor x, int... inputShape) throws Exception {
        Path file = dir.resolve("model.onnx");
        Onnx.export(file, model, inputShape);
        model.eval();
        Tensor expected;
        try (var ignored = GradMode.noGrad()) {
            expected = model.forward(x);
        }
        OnnxCheck.assertClose(expected, OnnxCheck.run(file, x), model.getClass().getSimpleName());
    }

    /** Running statistics away from 0 and 1, and gamma, beta away from 1 and 0: a few training batches, then random affine. */
    private static void train(Module model, int... batchShape) {
        model.train();
        try (var ignored = GradMode.noGrad()) {
            for (int i = 0; i < 3; i++) model.forward(Torch.randn(batchShape).mul(2.0).add(0.5));
        }
        randomAffine(model);
    }

    private static void randomAffine(Module model) {
        try (var ignored = GradMode.noGrad()) {
            for (var e : model.namedParameters().entrySet()) {
                if (e.getKey().endsWith("weight") && e.getValue().dim() == 1) e.getValue().copy_(Torch.rand(e.getValue().size(0)).add(0.5));
                if (e.getKey().endsWith("bias") && e.getValue().dim() == 1) e.getValue().copy_(Torch.randn(e.getValue().size(0)));
            }
        }
    }

    @Test
    void mlpWithEveryActivation() throws Exception {
        var model = new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 8), new Sigmoid(), new Linear(8, 8), new Tanh(),
                new Linear(8, 8, false), new LeakyReLU(0.2), new Linear(8, 5), new GELU(), new Linear(5, 5),
                new GELU(GeluApproximation.TANH), new Dropout(0.5), new Linear(5, 4));
        check(model, Torch.randn(3, 6), 6);
        for (Module act : new Module[] {new ReLU(), new Sigmoid(), new Tanh(), new LeakyReLU(0.2), new GELU(),
                new GELU(GeluApproximation.TANH), new Softmax(1), new LogSoftmax(-1)}) {
            check(new Sequential(new Linear(6, 4), act), Torch.randn(3, 6).mul(3.0), 6);
        }
    }

    @Test
    void cnnWithBatchNormPoolingAndFlatten() throws Exception {
        var model = new Sequential(
                new Conv2d(2, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 6, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2, true),
                new AvgPool2d(new int[] {2}, new int[] {2}, new int[] {1}, false, false, null),
                new Conv2d(6, 6, 1, 1, 0, 1, 3, false),
                new MaxPool2d(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 1}, true),
                new Flatten(), new Linear(6 * 3 * 2, 8), new BatchNorm1d(8), new Dropout(0.3), new Linear(8, 3));
        train(model, 5, 2, 12, 10);
        check(model, Torch.randn(3, 2, 12, 10), 2, 12, 10);
    }

    @Test
    void poolingWithCeilModeAndPaddingCountsLikePyTorch() throws Exception {
        check(new Sequential(new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, true, null)), Torch.randn(3, 2, 6, 7), 2, 6, 7);
        check(new Sequential(new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, false, null)), Torch.randn(3, 2, 6, 7), 2, 6, 7);
        check(new Sequential(new AvgPool2d(new int[] {2}, null, new int[] {0}, true, true, null)), Torch.randn(3, 1, 5, 5), 1, 5, 5);
        check(new Sequential(new MaxPool2d(new int[] {2}, new int[] {2}, new int[] {1}, new int[] {1}, true)), Torch.randn(3, 2, 5, 6), 2, 5, 6);
    }

    @Test
    void batchNormWithoutRunningStatisticsOrAffineMap() throws Exception {
        var noStats = new Sequential(new Linear(5, 4), new BatchNorm1d(4, 1e-3, 0.1, true, false), new Linear(4, 2));
        train(noStats, 6, 5);
        check(noStats, Torch.randn(3, 5), 5);
        var plain = new Sequential(new Conv2d(1, 3, 3), new BatchNorm2d(3, 1e-5, 0.1, false, true));
        train(plain, 4, 1, 5, 5);
        check(plain, Torch.randn(3, 1, 5, 5), 1, 5, 5);
        var neither = new Sequential(new Conv2d(1, 3, 3), new BatchNorm2d(3, 1e-5, 0.1, false, false));
        check(neither, Torch.randn(3, 1, 5, 5), 1, 5, 5);
        var sequence = new Sequential(new BatchNorm1d(3));
        train(sequence, 4, 3, 5);
        check(sequence, Torch.randn(3, 3, 5), 3, 5);
    }

    @Test
    void tokensThroughEmbeddingLayerNormAndLinearOnEveryStep() throws Exception {
        var model = new Sequential(new Embedding(10, 4, 0), new LayerNorm(4), new Linear(4, 6), new GELU(),
                new LayerNorm(new int[] {5, 6}, 1e-3, false), new Linear(6, 3), new Softmax(-1));
        randomAffine(model);
        Tensor ids = Torch.randint(0, 10, 3, 5);
        check(model, ids, 5);
        ModelProto proto = Onnx.toProto(model, 5);
        assertEquals(7 /* INT64 */, proto.getGraph().getInput(0).getType().getTensorType().getElemType());
    }

    @Test
    void recurrentLayersStackedBidirectionalAndBatchFirst() throws Exception {
        var batchFirst = RNNBase.options().batchFirst(true);
        check(new Sequential(new LSTM(4, 6, batchFirst.numLayers(2).bidirectional(true).dropout(0.2)), new Linear(12, 3)),
                Torch.randn(3, 5, 4), 5, 4);
        check(new Sequential(new GRU(4, 5, batchFirst.numLayers(2)), new Tanh(), new Linear(5, 2)), Torch.randn(3, 5, 4), 5, 4);
        check(new Sequential(new RNN(4, 5, RnnNonlinearity.RELU, batchFirst.bidirectional(true))), Torch.randn(3, 5, 4), 5, 4);
        check(new Sequential(new RNN(4, 5, RnnNonlinearity.TANH, batchFirst.bias(false))), Torch.randn(3, 5, 4), 5, 4);
        // Sequence first: the symbolic first dimension is then the sequence, the batch is fixed by the shape given.
        check(new Sequential(new GRU(4, 5, RNNBase.options().bidirectional(true)), new Linear(10, 2)), Torch.randn(6, 3, 4), 3, 4);
        check(new LSTM(4, 3, RNNBase.options().numLayers(3).bias(false)), Torch.randn(2, 3, 4), 3, 4);
    }

    @Test
    void flattenOfSomeDimensionsOnlyReshapes() throws Exception {
        check(new Sequential(new Flatten(2, 3), new Linear(20, 2)), Torch.randn(3, 2, 4, 5), 2, 4, 5);
        check(new Sequential(new Flatten(1, 2), new Linear(5, 2)), Torch.randn(3, 2, 4, 5), 2, 4, 5);
        check(new Sequential(new Flatten(-2, -1)), Torch.randn(3, 2, 4, 5), 2, 4, 5);
    }

    @Test
    void aSingleLayerExportsAsWellAsASequential() throws Exception {
        check(new Linear(3, 2), Torch.randn(4, 3), 3);
    }

    @Test
    void theFileHasASymbolicBatchOpsetAndNamedWeights() throws Exception {
        var model = new Sequential(new Linear(20, 8), new ReLU(), new Linear(8, 4));
        Path file = dir.resolve("mlp.onnx");
        Onnx.export(file, model, 20);
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(Onnx.IR_VERSION, proto.getIrVersion());
        assertEquals(Onnx.OPSET, proto.getOpsetImport(0).getVersion());
        var input = proto.getGraph().getInput(0);
        assertEquals("input", input.getName());
        assertEquals("N", input.getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals(20, input.getType().getTensorType().getShape().getDim(1).getDimValue());
        assertEquals("output", proto.getGraph().getOutput(0).getName());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"),
                proto.getGraph().getInitializerList().stream().map(t -> t.getName()).toList());
        // Batches of any size run.
        for (int n : new int[] {1, 5}) {
            Tensor x = Torch.randn(n, 20);
            OnnxCheck.assertClose(model.forward(x), OnnxCheck.run(file, x), "batch " + n);
        }
        assertTrue(model.isTraining(), "export restores the mode");
    }

    /** A Module whose forward is Java code. */
    static final class Gate extends Module {
        @Override
        public Tensor forward(Tensor input) { return input.mul(input.sigmoid()); }
    }

    @Test
    void anUnsupportedLayerIsNamedAndNothingIsWritten() throws Exception {
        Path file = dir.resolve("bad.onnx");
        var model = new Sequential(new Linear(4, 4), new Sequential(new ReLU(), new Gate()));
        var e = assertThrows(IllegalArgumentException.class, () -> Onnx.export(file, model, 4));
        assertTrue(e.getMessage().contains("layer 1.1 (Gate)"), e.getMessage());
        assertFalse(Files.exists(file));
        var divisor = new Sequential(new AvgPool2d(new int[] {2}, null, new int[] {0}, false, true, 3));
        e = assertThrows(IllegalArgumentException.class, () -> Onnx.export(file, divisor, 1, 4, 4));
        assertTrue(e.getMessage().contains("layer 0 (AvgPool2d)"), e.getMessage());
        assertFalse(Files.exists(file));
    }
}
