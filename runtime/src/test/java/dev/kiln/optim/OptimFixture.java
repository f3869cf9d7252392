package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import java.io.IOException;
import java.io.InputStream;

/** Reads {@code fixtures/optim.json}, written by {@code make_optim_fixtures.py} from PyTorch 1.13. */
public final class OptimFixture {
    private static JsonNode root;

    private OptimFixture() {}

    public static synchronized JsonNode root() {
        if (root == null) {
            try (InputStream in = OptimFixture.class.getResourceAsStream("/fixtures/optim.json")) {
                if (in == null) fail("fixtures/optim.json missing: run runtime/src/test/python/make_optim_fixtures.py");
                root = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return root;
    }

    /** A tensor encoded as {shape, dtype, data}; null for JSON null or a missing key. */
    public static Tensor tensor(JsonNode n) {
        if (n == null || n.isNull()) return null;
        int[] shape = new int[n.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = n.get("shape").get(i).asInt();
        JsonNode data = n.get("data");
        String dtype = n.get("dtype").asText();
        if (dtype.equals("int64")) {
            long[] v = new long[data.size()];
            for (int i = 0; i < v.length; i++) v[i] = data.get(i).asLong();
            return shape.length == 0 ? Torch.fromArray(v, 1).reshape() : Torch.fromArray(v, shape);
        }
        double[] v = values(data);
        // fromArray reads an empty shape as 1-D; reshape makes a 0-dim tensor.
        Tensor t = shape.length == 0 ? Torch.fromArray(v, 1).reshape() : Torch.fromArray(v, shape);
        return dtype.equals("float32") ? t.to(DType.FLOAT32) : t;
    }

    public static double[] values(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).asDouble();
        return v;
    }
}
