package dev.kiln.tensor;

import static dev.kiln.tensor.OpsParityTest.assertTensor;
import static dev.kiln.tensor.OpsParityTest.ints;
import static dev.kiln.tensor.OpsParityTest.number;
import static dev.kiln.tensor.OpsParityTest.tensorOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The tensor API a PyTorch user reaches for next, against PyTorch 1.13 (fixtures/tensor_api.json, written by
 * src/test/python/make_tensor_api_fixtures.py): split, chunk, unbind, sort, argsort, topk, cumsum, cumprod, gather,
 * scatter, scatter_add, where, masked_fill, isnan/isinf/isfinite, nan_to_num, clamp with tensor bounds, softmax,
 * log_softmax, div with rounding_mode, comparisons with Java longs, the uint8, int8 and bfloat16 dtypes; their
 * outputs, grad_fn names and gradients, PyTorch's error messages, printing and tolist.
 *
 * <p>Tolerances are OpsParityTest's: integers, bools and indices exact, float64 to 1e-12, the rest to 1e-6.
 */
class TensorApiParityTest {

    private static JsonNode fixtures;

    private static synchronized JsonNode fixtures() throws IOException {
        if (fixtures == null) {
            try (InputStream in = TensorApiParityTest.class.getResourceAsStream("/fixtures/tensor_api.json")) {
                assertNotNull(in, "fixtures/tensor_api.json is missing: run src/test/python/make_tensor_api_fixtures.py");
                fixtures = new ObjectMapper().readTree(in);
            }
        }
        return fixtures;
    }

    @Test
    void fixturesCoverEveryOp() throws IOException {
        JsonNode f = fixtures();
        assertTrue(f.get("cases").size() >= 200, "tensor_api.json should hold at least 200 cases");
        assertTrue(f.get("errors").size() >= 40, "and at least 40 error messages");
        List<String> ops = new ArrayList<>();
        for (JsonNode c : f.get("cases")) ops.add(c.get("op").asText());
        for (String op : List.of("split", "chunk", "unbind", "sort", "argsort", "topk", "cumsum", "cumprod", "gather",
                "scatter", "scatter_value", "scatter_add", "where", "masked_fill", "isnan", "isinf", "isfinite",
                "nan_to_num", "clamp_tensor", "softmax", "log_softmax", "div_mode", "eq", "to")) {
            assertTrue(ops.contains(op), "no fixture for " + op);
        }
    }

    // ------------------------------------------------------------------ cases

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : fixtures().get("cases")) tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
        return tests.stream();
    }

    private static void check(JsonNode c) {
        String name = c.get("name").asText();
        List<Tensor> leaves = new ArrayList<>();
        List<Tensor> fed = new ArrayList<>();
        for (JsonNode in : c.get("inputs")) {
            Tensor leaf = tensorOf(in);
            if (in.path("requires_grad").asBoolean()) leaf.requiresGrad_();
            leaves.add(leaf);
            fed.add(in.has("permute") ? leaf.permute(ints(in.get("permute"))) : leaf);
        }
        Tensor[] outs = run(c.get("op").asText(), fed, c.get("args"));
        JsonNode expected = c.get("outputs");
        assertEquals(expected.size(), outs.length, name + ": number of outputs");
        boolean unordered = c.path("unordered_ties").asBoolean();
        for (int i = 0; i < outs.length; i++) {
            boolean indices = unordered && outs[i].dtype() == DType.INT64 && i == outs.length - 1;
            if (indices) continue;
            if (unordered && c.get("op").asText().equals("topk") && !c.get("args").get("sorted").asBoolean()) {
                // sorted=False: the same elements in an order of PyTorch's choosing
                int dim = c.get("args").get("dim").asInt();
                Tensor want = tensorOf(expected.get(i)).sort(dim, true).values(), got = outs[i].detach().sort(dim, true).values();
                assertTrue(want.equal(got), name + ": PyTorch picks " + want + ", Kiln " + got);
                continue;
            }
            assertTensor(expected.get(i), outs[i], name + " output " + i);
        }
        if (unordered) {
            // PyTorch's kernel orders ties (or, with sorted=False, everything) its own way here: the indices must
            // still pick the values. Which of two tied elements gets the gradient differs, so gradients are left to
            // TensorApiGradCheckTest.
            Tensor x = fed.get(0).detach(), values = outs[0].detach(), idx = outs[outs.length - 1];
            int dim = c.get("args").get("dim").asInt();
            Tensor picked = x.gather(dim, idx);
            assertTrue(picked.eq(values).logicalOr(picked.isnan().logicalAnd(values.isnan())).all().boolItem(),
                    name + ": the indices do not pick the values");
            return;
        }
        if (c.has("grad_fn")) {
            assertNotNull(outs[0].gradFn(), name + ": no grad_fn");
            assertEquals(c.get("grad_fn").asText(), outs[0].gradFn().name(), name + ": grad_fn");
        }
        if (!c.has("grads")) return;
        JsonNode weights = c.get("weights");
        Tensor loss = null;
        for (int k = 0; k < outs.length; k++) {
            if (weights.get(k).isNull()) continue;
            Tensor term = outs[k].mul(tensorOf(weights.get(k))).sum();
            loss = loss == null ? term : loss.add(term);
        }
        assertNotNull(loss, name + ": no output requires grad");
        loss.backward();
        JsonNode grads = c.get("grads");
        for (int i = 0; i < leaves.size(); i++) {
            JsonNode g = grads.get(i);
            if (g.isNull()) {
                assertNull(leaves.get(i).grad(), name + ": input " + i + " should get no gradient");
            } else {
                assertNotNull(leaves.get(i).grad(), name + ": input " + i + " got no gradient");
                assertTensor(g, leaves.get(i).grad(), name + " grad of input " + i);
            }
        }
    }

    /** The Kiln call for each op name of the fixtures. */
    static Tensor[] run(String op, List<Tensor> x, JsonNode a) {
        Tensor x0 = x.isEmpty() ? null : x.get(0);
        Tensor x1 = x.size() > 1 ? x.get(1) : null;
        Tensor x2 = x.size() > 2 ? x.get(2) : null;
        JsonNode s = a.get("scalar");
        return switch (op) {
            case "split" -> (a.get("split").isArray() ? x0.split(ints(a.get("split")), dim(a)) : x0.split(a.get("split").asInt(), dim(a)))
                    .toArray(new Tensor[0]);
            case "chunk" -> x0.chunk(a.get("chunks").asInt(), dim(a)).toArray(new Tensor[0]);
            case "unbind" -> x0.unbind(dim(a)).toArray(new Tensor[0]);
            case "sort" -> {
                ValuesIndices vi = a.path("stable").isNull() || !a.has("stable")
                        ? x0.sort(dim(a), a.get("descending").asBoolean())
                        : x0.sort(dim(a), a.get("descending").asBoolean(), a.get("stable").asBoolean());
                yield new Tensor[] {vi.values(), vi.indices()};
            }
            case "argsort" -> one(x0.argsort(dim(a), a.get("descending").asBoolean()));
            case "topk" -> {
                ValuesIndices vi = x0.topk(a.get("k").asInt(), dim(a), a.get("largest").asBoolean(), a.get("sorted").asBoolean());
                yield new Tensor[] {vi.values(), vi.indices()};
            }
            case "cumsum" -> one(dtype(a) == null ? x0.cumsum(dim(a)) : x0.cumsum(dim(a), dtype(a)));
            case "cumprod" -> one(dtype(a) == null ? x0.cumprod(dim(a)) : x0.cumprod(dim(a), dtype(a)));
            case "gather" -> one(x0.gather(dim(a), x1));
            case "scatter" -> one(x0.scatter(dim(a), x1, x2));
            case "scatter_value" -> one(isInt(a.get("value")) ? x0.scatter(dim(a), x1, a.get("value").asLong())
                    : x0.scatter(dim(a), x1, a.get("value").asDouble()));
            case "scatter_add" -> one(x0.scatterAdd(dim(a), x1, x2));
            case "scatter_" -> one(x0.clone().scatter_(dim(a), x1, x2));
            case "scatter_add_" -> one(x0.clone().scatterAdd_(dim(a), x1, x2));
            case "where" -> one(Torch.where(x0, x1, x2));
            case "where_scalar" -> {
                JsonNode xs = a.get("x"), ys = a.get("y");
                if (xs != null && ys != null) {
                    yield one(isInt(xs) && isInt(ys) ? Torch.where(x0, xs.asLong(), ys.asLong())
                            : Torch.where(x0, xs.asDouble(), ys.asDouble()));
                }
                if (ys != null) yield one(isInt(ys) ? Torch.where(x0, x1, ys.asLong()) : Torch.where(x0, x1, ys.asDouble()));
                yield one(isInt(xs) ? Torch.where(x0, xs.asLong(), x1) : Torch.where(x0, xs.asDouble(), x1));
            }
            case "where_method" -> one(x0.where(x1, x2));
            case "masked_fill" -> one(x2 != null ? x0.maskedFill(x1, x2)
                    : isInt(a.get("value")) ? x0.maskedFill(x1, a.get("value").asLong()) : x0.maskedFill(x1, number(a.get("value"))));
            case "masked_fill_" -> one(x2 != null ? x0.clone().maskedFill_(x1, x2)
                    : isInt(a.get("value")) ? x0.clone().maskedFill_(x1, a.get("value").asLong())
                    : x0.clone().maskedFill_(x1, number(a.get("value"))));
            case "isnan" -> one(x0.isnan());
            case "isinf" -> one(x0.isinf());
            case "isfinite" -> one(x0.isfinite());
            case "nan_to_num" -> one(x0.nanToNum(nullable(a.get("nan")), nullable(a.get("posinf")), nullable(a.get("neginf"))));
            case "nan_to_num_" -> one(x0.clone().nanToNum_(nullable(a.get("nan")), nullable(a.get("posinf")), nullable(a.get("neginf"))));
            case "clamp_tensor" -> one(x0.clamp(a.has("min") ? x.get(a.get("min").asInt()) : null,
                    a.has("max") ? x.get(a.get("max").asInt()) : null));
            case "softmax" -> one(dtype(a) == null ? x0.softmax(dim(a)) : x0.softmax(dim(a), dtype(a)));
            case "log_softmax" -> one(dtype(a) == null ? x0.logSoftmax(dim(a)) : x0.logSoftmax(dim(a), dtype(a)));
            case "div_mode" -> {
                String mode = a.get("mode").isNull() ? null : a.get("mode").asText();
                yield one(x1 != null ? x0.div(x1, mode) : isInt(s) ? x0.div(s.asLong(), mode) : x0.div(s.asDouble(), mode));
            }
            case "div_mode_" -> {
                String mode = a.get("mode").asText();
                yield one(x1 != null ? x0.clone().div_(x1, mode) : isInt(s) ? x0.clone().div_(s.asLong(), mode)
                        : x0.clone().div_(s.asDouble(), mode));
            }
            case "eq" -> one(x1 != null ? x0.eq(x1) : isInt(s) ? x0.eq(s.asLong()) : x0.eq(s.asDouble()));
            case "ne" -> one(x1 != null ? x0.ne(x1) : isInt(s) ? x0.ne(s.asLong()) : x0.ne(s.asDouble()));
            case "lt" -> one(x1 != null ? x0.lt(x1) : isInt(s) ? x0.lt(s.asLong()) : x0.lt(s.asDouble()));
            case "le" -> one(x1 != null ? x0.le(x1) : isInt(s) ? x0.le(s.asLong()) : x0.le(s.asDouble()));
            case "gt" -> one(x1 != null ? x0.gt(x1) : isInt(s) ? x0.gt(s.asLong()) : x0.gt(s.asDouble()));
            case "ge" -> one(x1 != null ? x0.ge(x1) : isInt(s) ? x0.ge(s.asLong()) : x0.ge(s.asDouble()));
            case "add" -> one(x1 != null ? x0.add(x1) : isInt(s) ? x0.add(s.asLong()) : x0.add(s.asDouble()));
            case "sub" -> one(x1 != null ? x0.sub(x1) : isInt(s) ? x0.sub(s.asLong()) : x0.sub(s.asDouble()));
            case "mul" -> one(x1 != null ? x0.mul(x1) : isInt(s) ? x0.mul(s.asLong()) : x0.mul(s.asDouble()));
            case "div" -> one(x1 != null ? x0.div(x1) : isInt(s) ? x0.div(s.asLong()) : x0.div(s.asDouble()));
            case "floor_divide" -> one(x0.floorDivide(x1));
            case "remainder" -> one(x0.remainder(x1));
            case "maximum" -> one(x0.maximum(x1));
            case "minimum" -> one(x0.minimum(x1));
            case "to" -> one(x0.to(DType.of(a.get("dtype").asText())));
            case "sum" -> one(a.has("dim") ? x0.sum(dim(a)) : x0.sum());
            case "mean" -> one(a.has("dim") ? x0.mean(dim(a)) : x0.mean());
            case "prod" -> one(x0.prod());
            case "neg" -> one(x0.neg());
            case "abs" -> one(x0.abs());
            case "exp" -> one(x0.exp());
            case "relu" -> one(x0.relu());
            case "sqrt" -> one(x0.sqrt());
            case "matmul" -> one(x0.matmul(x1));
            case "cat" -> one(Torch.cat(x, dim(a)));
            default -> throw new AssertionError("no Kiln mapping for op " + op);
        };
    }

    // ------------------------------------------------------------------ errors

    @TestFactory
    Stream<DynamicTest> refusesAsPyTorchDoes() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode e : fixtures().get("errors")) {
            tests.add(DynamicTest.dynamicTest(e.get("name").asText(), () -> {
                List<Tensor> in = new ArrayList<>();
                for (JsonNode t : e.get("inputs")) in.add(tensorOf(t));
                RuntimeException thrown = assertThrows(RuntimeException.class, () -> run(e.get("op").asText(), in, e.get("args")),
                        e.get("name").asText() + " should fail");
                assertEquals(e.get("message").asText(), thrown.getMessage(), e.get("name").asText());
                if (e.get("type").asText().equals("IndexError")) {
                    assertInstanceOf(IndexOutOfBoundsException.class, thrown, "PyTorch raises IndexError");
                }
            }));
        }
        return tests.stream();
    }

    // ------------------------------------------------------------------ printing and tolist

    @TestFactory
    Stream<DynamicTest> printsAsPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode p : fixtures().get("prints")) {
            tests.add(DynamicTest.dynamicTest(p.get("name").asText(), () -> {
                Tensor t = tensorOf(p);
                if (p.get("requires_grad").asBoolean()) t.requiresGrad_();
                assertEquals(p.get("repr").asText(), t.toString());
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> tolistAsPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode p : fixtures().get("tolist")) {
            tests.add(DynamicTest.dynamicTest(p.get("name").asText(), () -> {
                Tensor t = tensorOf(p);
                assertListEquals(p.get("expected"), t.tolist(), p.get("name").asText());
            }));
        }
        return tests.stream();
    }

    private static void assertListEquals(JsonNode expected, Object actual, String where) {
        if (expected.isArray()) {
            List<?> list = assertInstanceOf(List.class, actual, where);
            assertEquals(expected.size(), list.size(), where + ": length");
            for (int i = 0; i < list.size(); i++) assertListEquals(expected.get(i), list.get(i), where + "[" + i + "]");
        } else if (expected.isBoolean()) {
            assertEquals(expected.asBoolean(), assertInstanceOf(Boolean.class, actual, where), where);
        } else if (expected.isIntegralNumber()) {
            assertEquals(expected.asLong(), assertInstanceOf(Long.class, actual, where), where);
        } else {
            assertEquals(expected.asDouble(), assertInstanceOf(Double.class, actual, where), where);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Tensor[] one(Tensor t) { return new Tensor[] {t}; }

    private static int dim(JsonNode a) { return a.get("dim").asInt(); }

    private static DType dtype(JsonNode a) {
        return a.hasNonNull("dtype") ? DType.of(a.get("dtype").asText()) : null;
    }

    private static boolean isInt(JsonNode n) { return n != null && n.isIntegralNumber(); }

    private static Double nullable(JsonNode n) { return n == null || n.isNull() ? null : number(n); }
}
