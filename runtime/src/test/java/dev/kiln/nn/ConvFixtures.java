package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.IOException;
import java.io.InputStream;

/** Reads fixtures/conv.json (written by make_conv_fixtures.py) and turns its entries into tensors. */
final class ConvFixtures {
    private static JsonNode root;

    private ConvFixtures() {}

    static synchronized JsonNode root() {
        if (root == null) {
            try (InputStream in = ConvFixtures.class.getResourceAsStream("/fixtures/conv.json")) {
                if (in == null) fail("fixtures/conv.json missing: run runtime/src/test/python/make_conv_fixtures.py");
                root = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return root;
    }

    static DType dtype(String name) {
        return switch (name) {
            case "float32" -> DType.FLOAT32;
            case "float64" -> DType.FLOAT64;
            case "float16" -> DType.FLOAT16;
            case "int64" -> DType.INT64;
            default -> throw new IllegalArgumentException(name);
        };
    }

    static int[] ints(JsonNode list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = list.get(i).asInt();
        return out;
    }

    static double[] doubles(JsonNode list) {
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = list.get(i).asDouble();
        return out;
    }

    /** A {"shape", "values"} entry as a tensor of {@code dtype} (float32 values narrowed from the decimals). */
    static Tensor tensor(JsonNode entry, DType dtype) {
        int[] shape = ints(entry.get("shape"));
        double[] v = doubles(entry.get("values"));
        if (dtype == DType.FLOAT64) return Torch.fromArray(v, shape);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Torch.fromArray(f, shape);
    }

    /** An int list of length 1 or 2 (null when the JSON value is null). */
    static int[] optionalInts(JsonNode n) { return n == null || n.isNull() ? null : ints(n); }
}
