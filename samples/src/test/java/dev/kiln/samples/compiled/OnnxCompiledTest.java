package dev.kiln.samples.compiled;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.io.Onnx;
import dev.kiln.io.OnnxCheck;
import dev.kiln.io.onnx.OnnxProto.ModelProto;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every compiled sample model and the test models with BatchNorm, LayerNorm, Embedding, residual blocks, repeats,
 * pooling variants and several inputs and outputs, exported to ONNX and run by onnxruntime on random inputs: the
 * outputs match the model's eval-mode forward within {@link OnnxCheck#TOLERANCE}. BatchNorm layers are exported with
 * running statistics moved by a few training-mode batches, and every one-dimensional parameter (biases, gamma, beta)
 * is perturbed, so no layer passes by being the identity.
 */
class OnnxCompiledTest {
    @TempDir Path dir;

    /** A model, the shape of its input after N, and the vocabulary when the input holds token ids. */
    record Case(String name, Supplier<CompiledModel> create, int[] shape, int vocabulary) {
        @Override
        public String toString() { return name; }
    }

    static Stream<Arguments> models() {
        return Stream.of(
                // the samples
                new Case("PhonePrice", () -> KilnPhonePrice.create(42), new int[] {20}, 0),
                new Case("PhonePriceTanh", () -> KilnPhonePriceTanh.create(42), new int[] {20}, 0),
                new Case("Line", () -> KilnLine.create(42), new int[] {1}, 0),
                new Case("FashionCnn", () -> KilnFashionCnn.create(42), new int[] {1, 28, 28}, 0),
                new Case("TokenTagger", () -> KilnTokenTagger.create(42), new int[] {7}, 50),
                // BatchNorm, residual blocks, repeats, LayerNorm, Embedding, pooling and activation variants
                new Case("TestNet", () -> KilnTestNet.create(3), new int[] {6}, 0),
                new Case("TestChain", () -> KilnTestChain.create(3), new int[] {6}, 0),
                new Case("TestBnCnn", () -> KilnTestBnCnn.create(3), new int[] {2, 6, 6}, 0),
                new Case("TestBnSequence", () -> KilnTestBnSequence.create(3), new int[] {3, 5}, 0),
                new Case("TestBnBatchStatistics", () -> KilnTestBnBatchStatistics.create(3), new int[] {6}, 0),
                new Case("TestSeqNet", () -> KilnTestSeqNet.create(3), new int[] {4, 6}, 0),
                new Case("TestFixedTokens", () -> KilnTestFixedTokens.create(3), new int[] {3}, 10),
                new Case("TestConvNoFlatten", () -> KilnTestConvNoFlatten.create(3), new int[] {1, 4, 4}, 0),
                new Case("TestDeviceCnn", () -> KilnTestDeviceCnn.create(3), new int[] {3, 9, 7}, 0),
                new Case("TestDeviceChain", () -> KilnTestDeviceChain.create(3), new int[] {13}, 0),
                new Case("TestDeepChain", () -> KilnTestDeepChain.create(3), new int[] {24}, 0),
                new Case("TestWideRegressor", () -> KilnTestWideRegressor.create(3), new int[] {30}, 0),
                new Case("Generator", () -> KilnGenerator.create(3), new int[] {4}, 0),
                new Case("Discriminator", () -> KilnDiscriminator.create(3), new int[] {6}, 0))
                .map(Arguments::of);
    }

    private static Tensor sample(Case c, int n) {
        int[] shape = new int[c.shape().length + 1];
        shape[0] = n;
        System.arraycopy(c.shape(), 0, shape, 1, c.shape().length);
        return c.vocabulary() > 0 ? Torch.randint(0, c.vocabulary(), shape).to(DType.FLOAT32) : Torch.randn(shape);
    }

    /** The model's Tensor forward ({@code forward(Tensor)}, which every single-input model has). */
    private static Tensor forward(CompiledModel model, Tensor x) throws Exception {
        return (Tensor) model.getClass().getMethod("forward", Tensor.class).invoke(model, x);
    }

    /** Moves BatchNorm's running statistics and perturbs every bias, gamma and beta. */
    private static void perturb(CompiledModel model, Case c) throws Exception {
        model.train(true);
        for (int i = 0; i < 3; i++) forward(model, c.vocabulary() > 0 ? sample(c, 8) : sample(c, 8).mul(2.0).add(0.5));
        for (var e : model.stateDict().entrySet()) {
            if (e.getValue().dim() == 1 && !e.getKey().startsWith("running", e.getKey().lastIndexOf('.') + 1)) {
                e.getValue().copy_(e.getValue().add(Torch.randn(e.getValue().size(0)).mul(0.5)));
            }
        }
        model.train(false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void exportedModelRunsInOnnxRuntimeAsInKiln(Case c) throws Exception {
        Torch.manualSeed(11);
        CompiledModel model = c.create().get();
        perturb(model, c);
        Path file = dir.resolve(c.name() + ".onnx");
        Onnx.export(file, model);
        for (int n : new int[] {1, 5}) {
            Tensor x = sample(c, n);
            Tensor expected = forward(model, x);
            OnnxCheck.assertClose(expected, OnnxCheck.run(file, c.vocabulary() > 0 ? x.to(DType.INT64) : x), c.name() + " batch " + n);
        }
    }

    @Test
    void aSequenceModelTakesAnyLength() throws Exception {
        var model = KilnTokenTagger.create(42).eval();
        Path file = dir.resolve("tagger.onnx");
        Onnx.export(file, model);
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
        var dims = proto.getGraph().getInput(0).getType().getTensorType().getShape().getDimList();
        assertEquals(List.of("N", "T"), dims.stream().map(d -> d.getDimParam()).toList());
        assertEquals(7 /* INT64 */, proto.getGraph().getInput(0).getType().getTensorType().getElemType());
        for (int t : new int[] {1, 4, 9}) {
            Tensor ids = Torch.randint(0, 50, 2, t);
            OnnxCheck.assertClose(model.forward(ids.to(DType.FLOAT32)), OnnxCheck.run(file, ids), "T = " + t);
        }
    }

    @Test
    void aGraphModelKeepsItsInputsAndOutputs() throws Exception {
        Torch.manualSeed(5);
        var model = KilnTestGraphNet.create(3).eval();
        Path file = dir.resolve("graph.onnx");
        Onnx.export(file, model);
        Tensor x = Torch.randn(4, 5, 3), adj = Torch.rand(4, 5, 5);
        List<Tensor> expected = model.forward(x, adj);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("input", x);
        inputs.put("adj", adj);
        var outputs = OnnxCheck.run(file, inputs);
        assertEquals(2, outputs.size());
        OnnxCheck.assertClose(expected.get(0), outputs.get(0), "nodes");
        OnnxCheck.assertClose(expected.get(1), outputs.get(1), "graph");
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(List.of("nodes", "graph"), proto.getGraph().getOutputList().stream().map(v -> v.getName()).toList());
    }

    @Test
    void weightsKeepTheirStateDictKeys() throws Exception {
        ModelProto proto = Onnx.toProto(KilnTestChain.create(1));
        List<String> names = proto.getGraph().getInitializerList().stream().map(t -> t.getName()).toList();
        for (String key : List.of("fc1.weight", "bn.running_mean", "cells.0.fc.weight", "cells.1.fc.bias", "out.bias")) {
            assertEquals(true, names.contains(key), key + " in " + names);
        }
    }
}
