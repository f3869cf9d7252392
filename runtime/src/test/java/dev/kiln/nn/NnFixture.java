package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads fixtures/nn.json (written by make_nn_fixtures.py) and compares tensors against it. */
final class NnFixture {
    private NnFixture() {}

    private static JsonNode root;

    static synchronized JsonNode root() {
        if (root == null) {
            try (InputStream in = NnFixture.class.getResourceAsStream("/fixtures/nn.json")) {
                if (in == null) fail("fixtures/nn.json missing: run runtime/src/test/python/make_nn_fixtures.py");
                root = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static int[] shape(JsonNode t) {
        int[] s = new int[t.get("shape").size()];
        for (int i = 0; i < s.length; i++) s[i] = t.get("shape").get(i).asInt();
        return s;
    }

    static DType dtype(JsonNode t) {
        return switch (t.get("dtype").asText()) {
            case "float32" -> DType.FLOAT32;
            case "float64" -> DType.FLOAT64;
            case "int64" -> DType.INT64;
            default -> throw new IllegalArgumentException(t.get("dtype").asText());
        };
    }

    static double[] values(JsonNode t) {
        JsonNode v = t.get("values");
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i).asDouble();
        return out;
    }

    /** The recorded tensor, in its recorded dtype (float32 values narrow back exactly). */
    static Tensor tensor(JsonNode t) {
        DType dtype = dtype(t);
        if (dtype == DType.INT64) {
            JsonNode v = t.get("values");
            long[] l = new long[v.size()];
            for (int i = 0; i < l.length; i++) l[i] = v.get(i).asLong();
            return Torch.fromArray(l, l.length).reshape(shape(t));
        }
        return Torch.fromArray(values(t), values(t).length).reshape(shape(t)).to(dtype);
    }

    static Map<String, Tensor> state(JsonNode dict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        dict.fields().forEachRemaining(e -> out.put(e.getKey(), tensor(e.getValue())));
        return out;
    }

    /** Bit-for-bit equality of shape, dtype and values. */
    static void assertExact(JsonNode expected, Tensor actual, String where) {
        assertArrayEquals(shape(expected), actual.shape().toArray(), where + ": shape");
        assertEquals(dtype(expected), actual.dtype(), where + ": dtype");
        assertArrayEquals(values(expected), actual.toDoubleArray(), 0.0, where);
    }

    /** |actual - expected| <= atol + rtol |expected| element-wise, tolerances chosen by dtype. */
    static void assertClose(JsonNode expected, Tensor actual, String where) {
        boolean f64 = dtype(expected) == DType.FLOAT64;
        assertClose(expected, actual, f64 ? 1e-10 : 2e-5, f64 ? 1e-12 : 2e-6, where);
    }

    static void assertClose(JsonNode expected, Tensor actual, double rtol, double atol, String where) {
        assertArrayEquals(shape(expected), actual.shape().toArray(), where + ": shape");
        assertEquals(dtype(expected), actual.dtype(), where + ": dtype");
        double[] e = values(expected), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Math.abs(a[i] - e[i]) > atol + rtol * Math.abs(e[i])) {
                fail(where + ": element " + i + " expected " + e[i] + " but was " + a[i]);
            }
        }
    }
}
