package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.Safetensors;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * nn.RNN / nn.LSTM / nn.GRU against PyTorch 1.13 (fixtures/rnn.json, written by
 * runtime/src/test/python/make_rnn_fixtures.py): outputs, final states and the gradients of a fixed scalar loss with
 * respect to the input, the initial states and every parameter, with the fixture's weights loaded through
 * loadStateDict; the default initialisation after manualSeed, bit for bit; reprs; a PyTorch state dict read from
 * safetensors.
 */
class RnnParityTest {
    /** float32: |a - e| <= 1e-5 + 1e-5 |e|; float64 to 1e-10. */
    private static final double F32_TOL = 1e-5;
    private static final double F64_TOL = 1e-10;

    private static JsonNode root;

    static synchronized JsonNode root() {
        if (root == null) {
            try (InputStream in = RnnParityTest.class.getResourceAsStream("/fixtures/rnn.json")) {
                if (in == null) fail("fixtures/rnn.json missing: run runtime/src/test/python/make_rnn_fixtures.py");
                root = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** The module a fixture's {"mode", "args"} describe, built through the public constructors. */
    static RNNBase build(String mode, JsonNode args) {
        RNNBase.Options o = RNNBase.options()
                .numLayers(args.path("num_layers").asInt(1))
                .bias(args.path("bias").asBoolean(true))
                .batchFirst(args.path("batch_first").asBoolean(false))
                .dropout(args.path("dropout").asDouble(0))
                .bidirectional(args.path("bidirectional").asBoolean(false))
                .dtype(args.has("dtype") ? ConvFixtures.dtype(args.get("dtype").asText()) : DType.FLOAT32);
        int in = args.get("input_size").asInt(), hidden = args.get("hidden_size").asInt();
        return switch (mode) {
            case "RNN" -> new RNN(in, hidden, args.path("nonlinearity").asText("tanh").equals("relu")
                    ? RnnNonlinearity.RELU : RnnNonlinearity.TANH, o);
            case "LSTM" -> new LSTM(in, hidden, o);
            case "GRU" -> new GRU(in, hidden, o);
            default -> throw new IllegalArgumentException(mode);
        };
    }

    static Map<String, Tensor> state(JsonNode dict, DType dtype) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        dict.fields().forEachRemaining(e -> out.put(e.getKey(), ConvFixtures.tensor(e.getValue(), dtype)));
        return out;
    }

    @TestFactory
    Stream<DynamicTest> layersMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root().get("layers")) tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> replay(c)));
        return tests.stream();
    }

    private static void replay(JsonNode c) {
        String where = c.get("name").asText();
        DType dtype = ConvFixtures.dtype(c.get("dtype").asText());
        double tol = dtype == DType.FLOAT64 ? F64_TOL : F32_TOL;
        RNNBase m = build(c.get("mode").asText(), c.get("args"));
        m.loadStateDict(state(c.get("state_dict"), dtype));
        m.train(c.get("train").asBoolean());
        Tensor x = ConvFixtures.tensor(c.get("input"), dtype).requiresGrad_();
        Tensor h0 = c.has("h0") ? ConvFixtures.tensor(c.get("h0"), dtype).requiresGrad_() : null;
        Tensor c0 = c.has("c0") ? ConvFixtures.tensor(c.get("c0"), dtype).requiresGrad_() : null;
        if (!c.get("seed").isNull()) Torch.manualSeed(c.get("seed").asLong());
        List<Tensor> results = new ArrayList<>();
        if (m instanceof LSTM lstm) {
            LstmOutput r = lstm.forward(x, h0, c0);
            results.addAll(List.of(r.output(), r.hN(), r.cN()));
            assertClose(c.get("c_n"), r.cN(), tol, where + " c_n");
        } else {
            RnnOutput r = m instanceof RNN rnn ? rnn.forward(x, h0) : ((GRU) m).forward(x, h0);
            results.addAll(List.of(r.output(), r.hN()));
        }
        assertClose(c.get("output"), results.get(0), tol, where + " output");
        assertClose(c.get("h_n"), results.get(1), tol, where + " h_n");
        Tensor loss = null;
        for (int i = 0; i < results.size(); i++) {
            Tensor term = results.get(i).mul(ConvFixtures.tensor(c.get("upstream").get(i), dtype)).sum();
            loss = loss == null ? term : loss.add(term);
        }
        loss.backward();
        JsonNode grads = c.get("grads");
        assertClose(grads.get("input"), x.grad(), tol, where + " grad input");
        if (h0 != null) assertClose(grads.get("h0"), h0.grad(), tol, where + " grad h0");
        if (c0 != null) assertClose(grads.get("c0"), c0.grad(), tol, where + " grad c0");
        Map<String, Tensor> params = m.namedParameters();
        List<String> expectedNames = new ArrayList<>();
        c.get("state_dict").fieldNames().forEachRemaining(expectedNames::add);
        assertEquals(expectedNames, new ArrayList<>(params.keySet()), where + " parameter names and order");
        for (var e : params.entrySet()) {
            assertNotNull(e.getValue().grad(), where + " " + e.getKey() + " got no gradient");
            assertClose(grads.get(e.getKey()), e.getValue().grad(), tol, where + " grad " + e.getKey());
        }
    }

    static void assertClose(JsonNode expected, Tensor actual, double tol, String where) {
        assertArrayEquals(ConvFixtures.ints(expected.get("shape")), actual.shape().toArray(), where + " shape");
        double[] want = ConvFixtures.doubles(expected.get("values"));
        double[] got = actual.toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= tol + tol * Math.abs(want[i]))) {
                fail(where + ": element " + i + " expected " + want[i] + " but was " + got[i]);
            }
        }
    }

    @Test
    void defaultInitialisationDrawsPyTorchsWeights() {
        for (JsonNode c : root().get("init")) {
            Torch.manualSeed(c.get("seed").asLong());
            for (JsonNode spec : c.get("modules")) {
                RNNBase m = build(spec.get("mode").asText(), spec.get("args"));
                String where = "seed " + c.get("seed").asLong() + " " + spec.get("repr").asText();
                assertEquals(spec.get("repr").asText(), m.toString(), where);
                Map<String, Tensor> sd = m.stateDict();
                List<String> names = new ArrayList<>();
                spec.get("state_dict").fieldNames().forEachRemaining(names::add);
                assertEquals(names, new ArrayList<>(sd.keySet()), where + " keys");
                for (String k : names) {
                    JsonNode e = spec.get("state_dict").get(k);
                    Tensor t = sd.get(k);
                    assertArrayEquals(ConvFixtures.ints(e.get("shape")), t.shape().toArray(), where + " " + k);
                    assertEquals(DType.FLOAT32, t.dtype());
                    float[] want = floats(ConvFixtures.doubles(e.get("values")));
                    assertArrayEquals(want, t.toFloatArray(), 0f, where + " " + k + " (bit for bit)");
                }
            }
        }
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    @Test
    void reprsMatchPyTorch() {
        List<Module> ms = List.of(new RNN(10, 20),
                new RNN(10, 20, 2, RnnNonlinearity.RELU, false, true, 0.5, true),
                new LSTM(3, 4, LSTM.options().numLayers(3).dropout(0.25)),
                new GRU(1, 2, GRU.options().batchFirst(true)));
        for (int i = 0; i < ms.size(); i++) assertEquals(root().get("reprs").get(i).asText(), ms.get(i).toString());
    }

    @Test
    void pyTorchStateDictFromSafetensorsGivesPyTorchsOutputs() throws Exception {
        Path file = Path.of(RnnParityTest.class.getResource("/fixtures/safetensors/gru_bidirectional.safetensors").toURI());
        GRU gru = new GRU(3, 4, GRU.options().numLayers(2).bidirectional(true).batchFirst(true));
        gru.loadStateDict(Safetensors.load(file));
        JsonNode c = root().get("safetensors_gru");
        RnnOutput r = gru.forward(ConvFixtures.tensor(c.get("input"), DType.FLOAT32), null);
        assertClose(c.get("output"), r.output(), F32_TOL, "gru output");
        assertClose(c.get("h_n"), r.hN(), F32_TOL, "gru h_n");
        // The one-tensor Module form returns the output sequence alone.
        assertClose(c.get("output"), gru.forward(ConvFixtures.tensor(c.get("input"), DType.FLOAT32)), F32_TOL, "forward(x)");
    }

    @Test
    void clipGradNormMatchesPyTorch() {
        for (JsonNode c : root().get("clip")) {
            List<Tensor> params = new ArrayList<>();
            for (JsonNode g : c.get("grads")) {
                Tensor p = Torch.zeros(ConvFixtures.ints(g.get("shape"))).requiresGrad_();
                p.setGrad(ConvFixtures.tensor(g, DType.FLOAT32));
                params.add(p);
            }
            Tensor noGrad = Torch.zeros(2).requiresGrad_();
            params.add(noGrad);
            String where = c.get("kind").asText() + " " + c;
            if (c.get("kind").asText().equals("norm")) {
                double normType = c.get("norm_type").isTextual() ? Double.POSITIVE_INFINITY : c.get("norm_type").asDouble();
                Tensor total = Functional.clipGradNorm_(params, c.get("max_norm").asDouble(), normType);
                assertEquals(0, total.dim());
                assertEquals(DType.FLOAT32, total.dtype());
                assertEquals(c.get("total").asDouble(), total.item(), 1e-6 * c.get("total").asDouble(), where);
            } else {
                Functional.clipGradValue_(params, c.get("clip_value").asDouble());
            }
            assertNull(noGrad.grad());
            for (int i = 0; i < c.get("clipped").size(); i++) {
                assertClose(c.get("clipped").get(i), params.get(i).grad(), 1e-6, where + " grad " + i);
            }
        }
    }
}
