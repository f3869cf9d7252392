package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.ValuesIndices;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every op case recorded from PyTorch 1.13: the forward output and the gradients of
 * sum(out * U) for the recorded U. float32 results may differ from PyTorch's in the last bits
 * (different summation order), so they are compared to 1e-5 relative; float64 to 1e-12.
 */
class ConvParityTest {

    @TestFactory
    Stream<DynamicTest> opsMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : ConvFixtures.root().get("cases")) {
            String name = c.get("kind").asText() + " " + c.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> replay(c, name)));
        }
        return tests.stream();
    }

    private static void replay(JsonNode c, String where) {
        DType dtype = ConvFixtures.dtype(c.get("dtype").asText());
        JsonNode p = c.get("params");
        Tensor input = ConvFixtures.tensor(c.get("input"), dtype).requiresGrad_();
        Tensor weight = null, bias = null, out;
        switch (c.get("kind").asText()) {
            case "conv2d" -> {
                weight = ConvFixtures.tensor(c.get("weight"), dtype).requiresGrad_();
                bias = c.has("bias") ? ConvFixtures.tensor(c.get("bias"), dtype).requiresGrad_() : null;
                out = Convolution.conv2d(input, weight, bias, ConvFixtures.ints(p.get("stride")),
                        ConvFixtures.ints(p.get("padding")), ConvFixtures.ints(p.get("dilation")), p.get("groups").asInt());
            }
            case "max_pool2d" -> {
                ValuesIndices vi = Convolution.maxPool2dWithIndices(input, ConvFixtures.ints(p.get("kernel")),
                        ConvFixtures.optionalInts(p.get("stride")), ConvFixtures.ints(p.get("padding")),
                        ConvFixtures.ints(p.get("dilation")), p.get("ceil_mode").asBoolean());
                out = vi.values();
                assertArrayEquals(longs(c.get("indices")), vi.indices().toLongArray(), where + " indices");
                assertEquals(DType.INT64, vi.indices().dtype());
                assertEquals(out.shape(), vi.indices().shape());
            }
            case "avg_pool2d" -> {
                JsonNode div = p.get("divisor_override");
                out = Convolution.avgPool2d(input, ConvFixtures.ints(p.get("kernel")),
                        ConvFixtures.optionalInts(p.get("stride")), ConvFixtures.ints(p.get("padding")),
                        p.get("ceil_mode").asBoolean(), p.get("count_include_pad").asBoolean(),
                        div.isNull() ? null : div.asInt());
            }
            default -> throw new IllegalStateException(c.get("kind").asText());
        }
        assertEquals(c.get("grad_fn").asText(), out.gradFn().name(), where);
        assertEquals(dtype, out.dtype(), where);
        assertClose(c.get("out"), out, where + " output");
        out.mul(ConvFixtures.tensor(c.get("upstream"), dtype)).sum().backward();
        assertClose(c.get("grad_input"), input.grad(), where + " grad input");
        if (weight != null) assertClose(c.get("grad_weight"), weight.grad(), where + " grad weight");
        if (bias != null) assertClose(c.get("grad_bias"), bias.grad(), where + " grad bias");
    }

    static void assertClose(JsonNode expected, Tensor actual, String where) {
        assertArrayEquals(ConvFixtures.ints(expected.get("shape")), actual.shape().toArray(), where + " shape");
        double[] want = ConvFixtures.doubles(expected.get("values"));
        double[] got = actual.toDoubleArray();
        double rel = actual.dtype() == DType.FLOAT64 ? 1e-12 : 1e-5;
        for (int i = 0; i < want.length; i++) {
            double tol = rel * Math.max(1, Math.abs(want[i]));
            assertTrue(Math.abs(got[i] - want[i]) <= tol, where + " at " + i + ": expected " + want[i] + " got " + got[i]);
        }
    }

    private static long[] longs(JsonNode list) {
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = list.get(i).asLong();
        return out;
    }

    /** Same seed, same layers in the same order: the same float32 weights and biases, bit for bit. */
    @Test
    void defaultInitMatchesPyTorch() {
        for (JsonNode c : ConvFixtures.root().get("init")) {
            Torch.manualSeed(c.get("seed").asLong());
            for (JsonNode layer : c.get("layers")) {
                JsonNode a = layer.get("args");
                Conv2d m = new Conv2d(a.get("in_channels").asInt(), a.get("out_channels").asInt(),
                        ConvFixtures.ints(a.get("kernel_size")), new int[] {1},
                        new int[] {a.path("padding").asInt(0)}, new int[] {1}, a.path("groups").asInt(1),
                        a.path("bias").asBoolean(true));
                String where = "seed " + c.get("seed") + " " + a;
                assertArrayEquals(ConvFixtures.ints(layer.get("weight").get("shape")), m.weight().shape().toArray(), where);
                assertArrayEquals(floats(layer.get("weight").get("values")), m.weight().toFloatArray(), where + " weight");
                if (layer.get("bias").isNull()) {
                    assertNull(m.bias(), where);
                    assertEquals(List.of("weight"), List.copyOf(m.stateDict().keySet()));
                } else {
                    assertArrayEquals(floats(layer.get("bias")), m.bias().toFloatArray(), where + " bias");
                    assertEquals(List.of("weight", "bias"), List.copyOf(m.stateDict().keySet()));
                }
            }
        }
    }

    private static float[] floats(JsonNode list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) list.get(i).asDouble();  // exact: written as widened floats
        return out;
    }

    @Test
    void reprsMatchPyTorch() {
        JsonNode r = ConvFixtures.root().get("reprs");
        assertEquals(r.get("conv_basic").asText(), new Conv2d(1, 32, 3, 1, 1).toString());
        assertEquals(r.get("conv_plain").asText(), new Conv2d(1, 2, 3).toString());
        assertEquals(r.get("conv_all").asText(), new Conv2d(4, 8, new int[] {3, 5}, new int[] {2},
                new int[] {1, 2}, new int[] {2}, 2, false).toString());
        assertEquals(r.get("max_default").asText(), new MaxPool2d(2).toString());
        assertEquals(r.get("max_all").asText(), new MaxPool2d(new int[] {2, 3}, new int[] {1}, new int[] {1},
                new int[] {2}, true).toString());
        assertEquals(r.get("avg_default").asText(), new AvgPool2d(2).toString());
        assertEquals(r.get("avg_all").asText(), new AvgPool2d(3, 1, 1, true, false).toString());
    }
}
