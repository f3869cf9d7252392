package dev.kiln.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link TensorFormatter} against strings printed by PyTorch 1.13 itself
 * (fixtures/print.json, written by src/test/python/make_print_fixtures.py).
 */
class TensorFormatterTest {

    @AfterEach
    void restoreDefaults() { PrintOptions.reset(); }

    static Stream<Arguments> fixtures() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : loadFixtures()) cases.add(Arguments.of(c.get("name").asText(), c));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void printsLikeTorch(String name, JsonNode c) {
        PrintOptions options = c.has("options") ? options(c.get("options")) : PrintOptions.DEFAULT;
        assertEquals(c.get("repr").asText(), TensorFormatter.repr(input(c), options), name);
    }

    @Test
    void fixturesCoverEnoughCases() throws IOException {
        assertTrue(loadFixtures().size() >= 80, "print.json should hold at least 80 cases");
    }

    @Test
    void courseExamples() {
        assertEquals("tensor(10)", repr(new int[0], DType.INT64, 10));
        assertEquals("tensor(3.5000)", repr(new int[0], DType.FLOAT32, 3.5));
        assertEquals("tensor([ 0.0000,  3.3333,  6.6667, 10.0000])",
                repr(new int[] {4}, DType.FLOAT32, 0, (float) (10.0 / 3), (float) (20.0 / 3), 10));
        assertEquals("tensor([[1., 1., 1.],\n        [1., 1., 1.]])",
                repr(new int[] {2, 3}, DType.FLOAT32, 1, 1, 1, 1, 1, 1));
        assertEquals("tensor([2.3420e+18, 1.8581e-42, 0.0000e+00])",
                repr(new int[] {3}, DType.FLOAT32, 2.342e18f, 1.8581e-42f, 0));
        assertEquals("tensor([ True, False])", repr(new int[] {2}, DType.BOOL, 1, 0));
        assertEquals("tensor([], size=(0, 3))", repr(new int[] {0, 3}, DType.FLOAT32));
        assertEquals("tensor([], dtype=torch.int64)", repr(new int[] {0}, DType.INT64));
    }

    @Test
    void suffixesForAutograd() {
        double[] v = {1, 2};
        assertEquals("tensor([1., 2.], requires_grad=True)",
                TensorFormatter.repr(new PrintInput(new int[] {2}, DType.FLOAT32, v, true, null)));
        assertEquals("tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)",
                TensorFormatter.repr(new PrintInput(new int[] {2}, DType.FLOAT64, new double[] {2, 4}, true, "MulBackward0")));
    }

    @Test
    void globalOptionsApplyUntilReset() {
        PrintInput x = PrintInput.of(new int[] {2}, DType.FLOAT64, 1.0 / 3, 2.5);
        PrintOptions.set(2, null, null, null, null, null);
        assertEquals("tensor([0.33, 2.50], dtype=torch.float64)", TensorFormatter.repr(x));
        PrintOptions.set(null, null, null, null, null, true);
        assertEquals("tensor([3.33e-01, 2.50e+00], dtype=torch.float64)", TensorFormatter.repr(x));
        PrintOptions.set(null, null, null, null, "default", null);
        assertEquals("tensor([0.3333, 2.5000], dtype=torch.float64)", TensorFormatter.repr(x));
        PrintOptions.set(PrintOptions.profile("short"));
        assertEquals(PrintOptions.DEFAULT.withPrecision(2).withEdgeItems(2), PrintOptions.current());
        PrintOptions.reset();
        assertEquals(PrintOptions.DEFAULT, PrintOptions.current());
    }

    @Test
    void rejectsValuesThatDoNotFitTheShape() {
        assertThrows(IllegalArgumentException.class, () -> PrintInput.of(new int[] {2, 2}, DType.FLOAT32, 1, 2, 3));
    }

    @Test
    void pythonFloatFormatting() {
        assertEquals("2.3420e+18", PyFloatFormat.scientific(2.342e18, 4));
        assertEquals("1e+04", PyFloatFormat.scientific(12345, 0));
        assertEquals("-0.0000e+00", PyFloatFormat.scientific(-0.0, 4));
        assertEquals("1.0000e+100", PyFloatFormat.scientific(1e100, 4));
        assertEquals("2", PyFloatFormat.fixed(2.5, 0)); // half to even, as Python rounds
        assertEquals("-0.0000", PyFloatFormat.fixed(-0.00001, 4));
        assertEquals("0.1250", PyFloatFormat.fixed(0.125, 4));
    }

    private static String repr(int[] shape, DType dtype, double... values) {
        return TensorFormatter.repr(PrintInput.of(shape, dtype, values));
    }

    private static List<JsonNode> loadFixtures() throws IOException {
        try (InputStream s = TensorFormatterTest.class.getResourceAsStream("/fixtures/print.json")) {
            if (s == null) throw new IOException("fixtures/print.json is missing; run make_print_fixtures.py");
            List<JsonNode> out = new ArrayList<>();
            new ObjectMapper().readTree(s).forEach(out::add);
            return out;
        }
    }

    private static PrintInput input(JsonNode c) {
        JsonNode shapeNode = c.get("shape"), valuesNode = c.get("values");
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asInt();
        double[] values = new double[valuesNode.size()];
        for (int i = 0; i < values.length; i++) values[i] = value(valuesNode.get(i));
        String gradFn = c.get("grad_fn").isNull() ? null : c.get("grad_fn").asText();
        return new PrintInput(shape, DType.of(c.get("dtype").asText()), values, c.get("requires_grad").asBoolean(), gradFn);
    }

    // JSON has no nan or inf, so the generator writes them as strings.
    private static double value(JsonNode v) {
        if (!v.isTextual()) return v.doubleValue();
        return switch (v.asText()) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("bad value " + v);
        };
    }

    private static PrintOptions options(JsonNode o) {
        JsonNode t = o.get("threshold"), sci = o.get("sci_mode");
        return PrintOptions.DEFAULT
                .withPrecision(o.get("precision").asInt())
                .withThreshold(t.isTextual() ? Double.POSITIVE_INFINITY : t.asDouble())
                .withEdgeItems(o.get("edgeitems").asInt())
                .withLinewidth(o.get("linewidth").asInt())
                .withSciMode(sci.isNull() ? null : sci.asBoolean());
    }
}
