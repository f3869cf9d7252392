package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.nn.init.FanMode;
import dev.kiln.nn.init.Init;
import dev.kiln.nn.init.Nonlinearity;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Seeded initialisation against PyTorch, bit for bit: each init function, and each layer's
 * default reset (the draws of several layers built in a row, then the generator's next draws).
 */
class NnInitTest {
    private static final Map<String, Consumer<Tensor>> INITS = Map.ofEntries(
            Map.entry("uniform", Init::uniform_),
            Map.entry("uniform_-0.5_2", w -> Init.uniform_(w, -0.5, 2.0)),
            Map.entry("normal", Init::normal_),
            Map.entry("normal_1_0.5", w -> Init.normal_(w, 1.0, 0.5)),
            Map.entry("constant_0.3", w -> Init.constant_(w, 0.3)),
            Map.entry("zeros", Init::zeros_),
            Map.entry("ones", Init::ones_),
            Map.entry("xavier_uniform", Init::xavierUniform_),
            Map.entry("xavier_uniform_gain2", w -> Init.xavierUniform_(w, 2.0)),
            Map.entry("xavier_normal", Init::xavierNormal_),
            Map.entry("xavier_normal_tanh", w -> Init.xavierNormal_(w, Init.calculateGain(Nonlinearity.TANH))),
            Map.entry("kaiming_uniform", Init::kaimingUniform_),
            Map.entry("kaiming_uniform_a0.1_fanout_relu", w -> Init.kaimingUniform_(w, 0.1, FanMode.FAN_OUT, Nonlinearity.RELU)),
            Map.entry("kaiming_uniform_sqrt5", w -> Init.kaimingUniform_(w, Math.sqrt(5))),
            Map.entry("kaiming_normal", Init::kaimingNormal_),
            Map.entry("kaiming_normal_a0.2_fanout", w -> Init.kaimingNormal_(w, 0.2, FanMode.FAN_OUT, Nonlinearity.LEAKY_RELU)),
            Map.entry("kaiming_normal_tanh", w -> Init.kaimingNormal_(w, 0, FanMode.FAN_IN, Nonlinearity.TANH)));

    private static final Map<String, Supplier<Module>> LAYERS = Map.ofEntries(
            Map.entry("linear_20_128", () -> new Linear(20, 128)),
            Map.entry("linear_3_1", () -> new Linear(3, 1)),
            Map.entry("linear_nobias_5_7", () -> new Linear(5, 7, false)),
            Map.entry("sequential_3_linears", () -> new Sequential(new Linear(3, 3), new Linear(3, 2), new Linear(2, 2))),
            Map.entry("embedding_10_3", () -> new Embedding(10, 3)),
            Map.entry("embedding_4_3", () -> new Embedding(4, 3)),
            Map.entry("embedding_pad", () -> new Embedding(6, 4, 1)),
            Map.entry("batchnorm1d_4", () -> new BatchNorm1d(4)),
            Map.entry("batchnorm2d_3", () -> new BatchNorm2d(3)),
            Map.entry("layernorm_5", () -> new LayerNorm(5)),
            Map.entry("custom", NnCustomNetworkTest.CustomNet::new));

    @Test void everyInitFunctionDrawsWhatPyTorchDraws() {
        JsonNode inits = NnFixture.root().get("inits");
        int n = 0;
        for (JsonNode c : inits.get("cases")) {
            Consumer<Tensor> init = INITS.get(c.get("name").asText());
            assertNotNull(init, c.get("name").asText());
            Torch.manualSeed(11);
            Tensor w = Torch.empty(NnFixture.shape(c.get("out")));
            init.accept(w);
            NnFixture.assertExact(c.get("out"), w, c.get("name").asText() + " " + c.get("shape"));
            n++;
        }
        assertEquals(INITS.size() * 3, n);
    }

    @Test void defaultResetsMatchPyTorchBitForBit() {
        for (JsonNode c : NnFixture.root().get("defaults")) {
            String name = c.get("name").asText();
            Torch.manualSeed(c.get("seed").asLong());
            Module m = LAYERS.get(name).get();
            Map<String, Tensor> state = m.stateDict();
            assertEquals(NnParityTest.strings(fieldNames(c.get("state"))), java.util.List.copyOf(state.keySet()), name);
            c.get("state").fields().forEachRemaining(e -> NnFixture.assertExact(e.getValue(), state.get(e.getKey()), name + " " + e.getKey()));
            // The generator must have advanced exactly as far as PyTorch's did.
            double[] next = Torch.rand(3).toDoubleArray();
            for (int i = 0; i < 3; i++) assertEquals(c.get("next_rand").get(i).asDouble(), next[i], 0.0, name + " next draw");
        }
    }

    @Test void gainsAndFansMatchPyTorch() {
        JsonNode inits = NnFixture.root().get("inits");
        JsonNode gains = inits.get("gains");
        for (Nonlinearity n : Nonlinearity.values()) {
            assertEquals(gains.get(n.name().toLowerCase()).asDouble(), Init.calculateGain(n), 0.0, n.name());
        }
        assertEquals(gains.get("leaky_relu_0.2").asDouble(), Init.calculateGain(Nonlinearity.LEAKY_RELU, 0.2), 0.0);
        assertEquals(gains.get("leaky_relu_sqrt5").asDouble(), Init.calculateGain(Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 0.0);
        for (JsonNode f : inits.get("fans")) {
            int[] shape = new int[f.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = f.get("shape").get(i).asInt();
            Init.Fans fans = Init.calculateFanInAndFanOut(Torch.empty(shape));
            assertArrayEquals(new int[] {f.get("fans").get(0).asInt(), f.get("fans").get(1).asInt()}, new int[] {fans.fanIn(), fans.fanOut()});
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Init.xavierUniform_(Torch.empty(5)));
        assertEquals("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", e.getMessage());
    }

    @Test void initialisersOverwriteParametersWithoutRecordingAGraph() {
        Linear l = new Linear(3, 2);
        assertTrue(l.weight().requiresGrad());
        Init.constant_(l.weight(), 0.5);
        Init.normal_(l.bias());
        assertTrue(l.weight().isLeaf());
        assertTrue(l.bias().isLeaf());
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, l.weight().toDoubleArray());
        // Zero-element tensors are left alone, as PyTorch does (with a warning).
        Tensor empty = Torch.empty(0, 3);
        assertFalse(Init.kaimingUniform_(empty).numel() > 0);
    }

    private static JsonNode fieldNames(JsonNode obj) {
        var arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        obj.fieldNames().forEachRemaining(arr::add);
        return arr;
    }
}
