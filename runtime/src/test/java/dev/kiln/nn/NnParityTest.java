package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Replays the layer cases of nn.json: loads PyTorch's state, runs forward in the recorded mode,
 * backpropagates sum(out * W) and compares output, input gradient, parameter gradients and the
 * state afterwards (BatchNorm's running statistics). Also the module reprs and state-dict keys.
 */
class NnParityTest {
    /** The same names as LAYERS and ACTIVATIONS in make_nn_fixtures.py. */
    static final Map<String, Supplier<Module>> MODULES = Map.ofEntries(
            Map.entry("linear", () -> new Linear(4, 3)),
            Map.entry("linear_nobias", () -> new Linear(4, 3, false)),
            Map.entry("linear_3d", () -> new Linear(4, 3)),
            Map.entry("flatten", Flatten::new),
            Map.entry("dropout", () -> new Dropout(0.3)),
            Map.entry("bn1d_2d", () -> new BatchNorm1d(3)),
            Map.entry("bn1d_3d", () -> new BatchNorm1d(3)),
            Map.entry("bn2d", () -> new BatchNorm2d(3)),
            Map.entry("bn1d_noaffine", () -> new BatchNorm1d(3, 1e-5, 0.1, false, true)),
            Map.entry("bn1d_notrack", () -> new BatchNorm1d(3, 1e-5, 0.1, true, false)),
            Map.entry("layernorm", () -> new LayerNorm(4)),
            Map.entry("layernorm_2d", () -> new LayerNorm(3, 4)),
            Map.entry("layernorm_noaffine", () -> new LayerNorm(new int[] {4}, 1e-5, false)),
            Map.entry("embedding", () -> new Embedding(10, 3)),
            Map.entry("embedding_pad", () -> new Embedding(10, 3, 0)),
            Map.entry("sequential", () -> new Sequential(new Linear(4, 6), new ReLU(), new BatchNorm1d(6), new Dropout(0.5),
                    new Linear(6, 2), new LogSoftmax(1))),
            Map.entry("custom", NnCustomNetworkTest.CustomNet::new),
            Map.entry("sigmoid", Sigmoid::new),
            Map.entry("tanh", Tanh::new),
            Map.entry("relu", ReLU::new),
            Map.entry("leaky_relu", LeakyReLU::new),
            Map.entry("leaky_relu_0.2", () -> new LeakyReLU(0.2)),
            Map.entry("softmax_1", () -> new Softmax(1)),
            Map.entry("softmax_0", () -> new Softmax(0)),
            Map.entry("log_softmax_1", () -> new LogSoftmax(1)),
            Map.entry("log_softmax_-1", () -> new LogSoftmax(-1)),
            Map.entry("gelu", GELU::new),
            Map.entry("gelu_tanh", () -> new GELU(GeluApproximation.TANH)));

    @TestFactory
    Stream<DynamicTest> layersMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : NnFixture.root().get("layers")) {
            String name = c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name + (c.get("train").asBoolean() ? " train" : " eval"), () -> replay(c)));
        }
        assertTrue(tests.size() > 60, "expected every layer and activation case, got " + tests.size());
        return tests.stream();
    }

    private static void replay(JsonNode c) {
        String name = c.get("name").asText();
        Supplier<Module> factory = MODULES.get(name.split("@")[0]);
        assertNotNull(factory, "no Java module for fixture " + name);
        Module m = factory.get();
        m.loadStateDict(NnFixture.state(c.get("state")));
        m.train(c.get("train").asBoolean());
        Tensor x = NnFixture.tensor(c.get("input"));
        if (x.isFloatingPoint()) x.requiresGrad_();
        if (c.has("seed")) Torch.manualSeed(c.get("seed").asLong());
        Tensor out = m.forward(x);
        // softmax of values near 1000 in float32: PyTorch's float rounding leaves ~1 ulp of 1.
        NnFixture.assertClose(c.get("out"), out, name + " out");
        out.mul(NnFixture.tensor(c.get("W"))).sum().backward();
        if (c.has("grad_input")) NnFixture.assertClose(c.get("grad_input"), x.grad(), name + " grad_input");
        Map<String, Tensor> params = m.namedParameters();
        c.get("grads").fields().forEachRemaining(e ->
                NnFixture.assertClose(e.getValue(), params.get(e.getKey()).grad(), name + " grad " + e.getKey()));
        // Parameters PyTorch left without a gradient (the padding row aside, all get one) must match too.
        assertEquals(c.get("grads").size(), params.values().stream().filter(p -> p.grad() != null).count(), name + " grads");
        Map<String, Tensor> after = m.stateDict();
        c.get("state_after").fields().forEachRemaining(e -> {
            Tensor actual = after.get(e.getKey());
            if (actual.dtype() == DType.INT64) NnFixture.assertExact(e.getValue(), actual, name + " " + e.getKey());
            else NnFixture.assertClose(e.getValue(), actual, name + " state " + e.getKey());
        });
    }

    @Test void stateDictKeysMatchPyTorch() {
        JsonNode keys = NnFixture.root().get("keys");
        Sequential seq = new Sequential(new Linear(4, 8), new ReLU(), new Dropout(), new BatchNorm1d(8), new Linear(8, 2));
        assertEquals(strings(keys.get("sequential")), List.copyOf(seq.stateDict().keySet()));
        assertEquals(strings(keys.get("sequential_parameters")), List.copyOf(seq.namedParameters().keySet()));
        assertEquals(strings(keys.get("custom")), List.copyOf(new NnCustomNetworkTest.CustomNet().stateDict().keySet()));
    }

    @Test void reprsMatchPyTorch() {
        Map<String, Supplier<Module>> modules = Map.ofEntries(
                Map.entry("linear", () -> new Linear(20, 128)),
                Map.entry("linear_nobias", () -> new Linear(3, 1, false)),
                Map.entry("sequential", () -> new Sequential(new Linear(4, 8), new ReLU(), new Dropout(), new BatchNorm1d(8), new Linear(8, 2))),
                Map.entry("flatten", Flatten::new),
                Map.entry("flatten_0_2", () -> new Flatten(0, 2)),
                Map.entry("dropout", Dropout::new),
                Map.entry("dropout_0.25", () -> new Dropout(0.25)),
                Map.entry("bn1d", () -> new BatchNorm1d(3)),
                Map.entry("bn2d_cma_noaffine", () -> new BatchNorm2d(16, 1e-5, null, false, true)),
                Map.entry("bn1d_eps_notrack", () -> new BatchNorm1d(4, 1e-3, 0.1, true, false)),
                Map.entry("layernorm", () -> new LayerNorm(4)),
                Map.entry("layernorm_2d", () -> new LayerNorm(new int[] {3, 4}, 1e-6, false)),
                Map.entry("embedding", () -> new Embedding(10, 3)),
                Map.entry("embedding_pad", () -> new Embedding(10, 3, -1)),
                Map.entry("sigmoid", Sigmoid::new),
                Map.entry("tanh", Tanh::new),
                Map.entry("relu", ReLU::new),
                Map.entry("leaky_relu", LeakyReLU::new),
                Map.entry("leaky_relu_0.2", () -> new LeakyReLU(0.2)),
                Map.entry("softmax", () -> new Softmax(1)),
                Map.entry("log_softmax", () -> new LogSoftmax(-1)),
                Map.entry("gelu", GELU::new),
                Map.entry("gelu_tanh", () -> new GELU(GeluApproximation.TANH)),
                Map.entry("custom", NnCustomNetworkTest.CustomNet::new));
        JsonNode reprs = NnFixture.root().get("reprs");
        assertEquals(reprs.size(), modules.size());
        reprs.fields().forEachRemaining(e -> assertEquals(e.getValue().asText(), modules.get(e.getKey()).get().toString(), e.getKey()));
    }

    @Test void erfMatchesGlibcWithinTwoUlps() {
        for (JsonNode p : NnFixture.root().get("erf")) {
            double x = p.get(0).asDouble(), expected = p.get(1).asDouble();
            double got = Erf.erf(x);
            assertTrue(Math.abs(got - expected) <= 2 * Math.ulp(expected), "erf(" + x + ") = " + got + ", expected " + expected);
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
