package dev.kiln.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * Every op of the tensor API against PyTorch 1.13 (fixtures/ops.json, written by
 * src/test/python/make_ops_fixtures.py): output shape, dtype and values, and the gradients of
 * sum(out * W) with respect to each input that requires grad.
 *
 * <p>Tolerances: integers and bools exact; float64 to 1e-12 relative; float32 and float16 to
 * 1e-6 relative and absolute (Kiln accumulates in double where PyTorch accumulates in float, so
 * sums and matrix products may differ in the last bit).
 */
class OpsParityTest {

    private static JsonNode loadFixtures() throws IOException {
        try (InputStream in = OpsParityTest.class.getResourceAsStream("/fixtures/ops.json")) {
            assertNotNull(in, "fixtures/ops.json is missing: run src/test/python/make_ops_fixtures.py");
            return new ObjectMapper().readTree(in);
        }
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : loadFixtures()) tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
        return tests.stream();
    }

    @Test
    void fixturesCoverEnoughCases() throws IOException {
        assertTrue(loadFixtures().size() >= 150, "ops.json should hold at least 150 cases");
    }

    // ------------------------------------------------------------------ one case

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
        for (int i = 0; i < outs.length; i++) assertTensor(expected.get(i), outs[i], name + " output " + i);

        if (!c.has("grads")) return;
        Tensor w = tensorOf(c.get("weight"));
        outs[0].mul(w).sum().backward();
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
    private static Tensor[] run(String op, List<Tensor> x, JsonNode a) {
        Tensor x0 = x.isEmpty() ? null : x.get(0);
        Tensor x1 = x.size() > 1 ? x.get(1) : null;
        JsonNode s = a.get("scalar");
        if ((op.equals("max") || op.equals("min")) && !noDim(a)) {  // (values, indices)
            ValuesIndices vi = op.equals("max") ? x0.max(dim(a), keepdim(a)) : x0.min(dim(a), keepdim(a));
            return new Tensor[] {vi.values(), vi.indices()};
        }
        Tensor r = switch (op) {
            case "add" -> x0.add(x1);
            case "sub" -> x0.sub(x1);
            case "mul" -> x0.mul(x1);
            case "div" -> x0.div(x1);
            case "pow" -> x0.pow(x1);
            case "floor_divide" -> x0.floorDivide(x1);
            case "remainder" -> x0.remainder(x1);
            case "maximum" -> x0.maximum(x1);
            case "minimum" -> x0.minimum(x1);
            case "eq" -> x0.eq(x1);
            case "ne" -> x0.ne(x1);
            case "lt" -> x0.lt(x1);
            case "le" -> x0.le(x1);
            case "gt" -> x0.gt(x1);
            case "ge" -> x0.ge(x1);
            case "logical_and" -> x0.logicalAnd(x1);
            case "logical_or" -> x0.logicalOr(x1);
            case "add_scalar" -> isInt(s) ? x0.add(s.asLong()) : x0.add(s.asDouble());
            case "sub_scalar" -> isInt(s) ? x0.sub(s.asLong()) : x0.sub(s.asDouble());
            case "mul_scalar" -> isInt(s) ? x0.mul(s.asLong()) : x0.mul(s.asDouble());
            case "div_scalar" -> isInt(s) ? x0.div(s.asLong()) : x0.div(s.asDouble());
            case "pow_scalar" -> isInt(s) ? x0.pow(s.asLong()) : x0.pow(s.asDouble());
            case "floor_divide_scalar" -> x0.floorDivide(intScalar(s));
            case "remainder_scalar" -> x0.remainder(intScalar(s));
            case "eq_scalar" -> x0.eq(floatScalar(s));
            case "ne_scalar" -> x0.ne(floatScalar(s));
            case "lt_scalar" -> x0.lt(floatScalar(s));
            case "le_scalar" -> x0.le(floatScalar(s));
            case "gt_scalar" -> x0.gt(floatScalar(s));
            case "ge_scalar" -> x0.ge(floatScalar(s));
            case "neg" -> x0.neg();
            case "abs" -> x0.abs();
            case "sign" -> x0.sign();
            case "sqrt" -> x0.sqrt();
            case "rsqrt" -> x0.rsqrt();
            case "exp" -> x0.exp();
            case "log" -> x0.log();
            case "log1p" -> x0.log1p();
            case "sin" -> x0.sin();
            case "cos" -> x0.cos();
            case "tanh" -> x0.tanh();
            case "sigmoid" -> x0.sigmoid();
            case "relu" -> x0.relu();
            case "floor" -> x0.floor();
            case "ceil" -> x0.ceil();
            case "round" -> x0.round();
            case "reciprocal" -> x0.reciprocal();
            case "logical_not" -> x0.logicalNot();
            case "clone" -> x0.clone();
            case "contiguous" -> x0.contiguous();
            case "t" -> x0.t();
            case "add_" -> x1 != null ? x0.clone().add_(x1) : isInt(s) ? x0.clone().add_(s.asLong()) : x0.clone().add_(s.asDouble());
            case "sub_" -> x1 != null ? x0.clone().sub_(x1) : isInt(s) ? x0.clone().sub_(s.asLong()) : x0.clone().sub_(s.asDouble());
            case "mul_" -> x1 != null ? x0.clone().mul_(x1) : isInt(s) ? x0.clone().mul_(s.asLong()) : x0.clone().mul_(s.asDouble());
            case "div_" -> x1 != null ? x0.clone().div_(x1) : isInt(s) ? x0.clone().div_(s.asLong()) : x0.clone().div_(s.asDouble());
            case "add_alpha" -> x0.add(x1, a.get("alpha").asDouble());
            // Python int bounds keep an integer tensor's dtype; float bounds promote it (Java: long vs double)
            case "clamp" -> a.get("min").isIntegralNumber() && a.get("max").isIntegralNumber()
                    ? x0.clamp(a.get("min").asLong(), a.get("max").asLong())
                    : x0.clamp(nullableDouble(a.get("min")), nullableDouble(a.get("max")));
            case "sum" -> noDim(a) ? x0.sum() : a.get("dim").isArray() ? x0.sum(ints(a.get("dim")), keepdim(a)) : x0.sum(dim(a), keepdim(a));
            case "mean" -> noDim(a) ? x0.mean() : a.get("dim").isArray() ? x0.mean(ints(a.get("dim")), keepdim(a)) : x0.mean(dim(a), keepdim(a));
            case "prod" -> noDim(a) ? x0.prod() : x0.prod(dim(a), keepdim(a));
            case "var" -> noDim(a) ? x0.var(unbiased(a)) : a.get("dim").isArray()
                    ? x0.var(ints(a.get("dim")), unbiased(a), keepdim(a)) : x0.var(dim(a), unbiased(a), keepdim(a));
            case "std" -> noDim(a) ? x0.std(unbiased(a)) : a.get("dim").isArray()
                    ? x0.std(ints(a.get("dim")), unbiased(a), keepdim(a)) : x0.std(dim(a), unbiased(a), keepdim(a));
            case "max" -> x0.max();
            case "min" -> x0.min();
            case "argmax" -> noDim(a) ? x0.argmax() : x0.argmax(dim(a), keepdim(a));
            case "argmin" -> noDim(a) ? x0.argmin() : x0.argmin(dim(a), keepdim(a));
            case "all" -> x0.all();
            case "any" -> x0.any();
            case "matmul" -> x0.matmul(x1);
            case "mm" -> x0.mm(x1);
            case "dot" -> x0.dot(x1);
            case "reshape" -> x0.reshape(ints(a.get("shape")));
            case "view" -> x0.view(ints(a.get("shape")));
            case "expand" -> x0.expand(ints(a.get("shape")));
            case "permute" -> x0.permute(ints(a.get("shape")));
            case "transpose" -> x0.transpose(a.get("dim0").asInt(), a.get("dim1").asInt());
            case "squeeze" -> noDim(a) ? x0.squeeze() : x0.squeeze(dim(a));
            case "unsqueeze" -> x0.unsqueeze(dim(a));
            case "flatten" -> x0.flatten(a.get("start").asInt(), a.get("end").asInt());
            case "narrow" -> x0.narrow(dim(a), a.get("start").asInt(), a.get("length").asInt());
            case "select" -> x0.select(dim(a), a.get("index").asInt());
            case "index" -> x0.get(indices(a.get("index"), x));
            case "index_put" -> {
                Object value = a.has("value_input") ? x.get(a.get("value_input").asInt())
                        : isInt(s) ? (Object) s.asLong() : (Object) s.asDouble();
                yield x0.clone().set(value, indices(a.get("index"), x));
            }
            case "cat" -> Torch.cat(x, dim(a));
            case "stack" -> Torch.stack(x, dim(a));
            case "where" -> Torch.where(x0, x1, x.get(2));
            case "to" -> x0.to(DType.of(a.get("dtype").asText()));
            case "to_and_back" -> x0.to(DType.of(a.get("dtype").asText())).to(x0.dtype());
            case "nonzero" -> Torch.nonzero(x0);
            case "arange" -> {
                JsonNode r3 = a.get("range");
                yield isInt(r3.get(0)) && isInt(r3.get(1)) && isInt(r3.get(2))
                        ? Torch.arange(r3.get(0).asLong(), r3.get(1).asLong(), r3.get(2).asLong())
                        : Torch.arange(r3.get(0).asDouble(), r3.get(1).asDouble(), r3.get(2).asDouble());
            }
            case "linspace" -> Torch.linspace(a.get("start").asDouble(), a.get("end").asDouble(), a.get("steps").asInt());
            case "eye" -> Torch.eye(a.get("n").asInt(), a.get("m").asInt());
            default -> throw new AssertionError("no Kiln mapping for op " + op);
        };
        return new Tensor[] {r};
    }

    private static Object[] indices(JsonNode spec, List<Tensor> x) {
        Object[] out = new Object[spec.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode s = spec.get(i);
            out[i] = switch (s.get("k").asText()) {
                case "int" -> s.get("v").asInt();
                case "slice" -> new Slice(nullableInt(s.get("start")), nullableInt(s.get("stop")),
                        s.get("step").isNull() ? 1 : s.get("step").asInt());
                case "none" -> Index.newAxis();
                case "ellipsis" -> Index.ellipsis();
                case "list" -> longs(s.get("v"));
                case "input" -> x.get(s.get("v").asInt());
                default -> throw new AssertionError("unknown index kind " + s);
            };
        }
        return out;
    }

    // ------------------------------------------------------------------ JSON helpers

    /** A fresh contiguous leaf holding exactly the stored values. */
    static Tensor tensorOf(JsonNode j) {
        int[] shape = ints(j.get("shape"));
        DType dtype = DType.of(j.get("dtype").asText());
        JsonNode v = j.get("values");
        int n = v.size();
        Tensor flat;
        if (dtype.isFloatingPoint()) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = number(v.get(i));
            flat = Torch.fromArray(d, n);
        } else if (dtype.isBool()) {
            boolean[] b = new boolean[n];
            for (int i = 0; i < n; i++) b[i] = v.get(i).asLong() != 0;
            flat = Torch.fromArray(b, n);
        } else {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = v.get(i).asLong();
            flat = Torch.fromArray(l, n);
        }
        return flat.reshape(shape).to(dtype).clone();
    }

    static double number(JsonNode v) {
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "nan" -> Double.NaN;
                case "inf" -> Double.POSITIVE_INFINITY;
                case "-inf" -> Double.NEGATIVE_INFINITY;
                default -> throw new AssertionError("bad number " + v);
            };
        }
        return v.asDouble();
    }

    static void assertTensor(JsonNode expected, Tensor actual, String what) {
        assertArrayEquals(ints(expected.get("shape")), actual.shape().toArray(), what + ": shape");
        DType dtype = DType.of(expected.get("dtype").asText());
        assertEquals(dtype, actual.dtype(), what + ": dtype");
        JsonNode v = expected.get("values");
        assertEquals(v.size(), actual.numel(), what + ": numel");
        double rtol = dtype == DType.FLOAT64 ? 1e-12 : 1e-6;
        double atol = dtype == DType.FLOAT64 ? 1e-12 : 1e-6;
        for (int i = 0; i < v.size(); i++) {
            if (dtype.isFloatingPoint()) {
                double e = number(v.get(i)), a = actual.doubleAt(i);
                boolean ok = Double.isNaN(e) ? Double.isNaN(a)
                        : Double.isInfinite(e) ? e == a : Math.abs(a - e) <= atol + rtol * Math.abs(e);
                if (!ok) fail(what + ": element " + i + " is " + a + ", PyTorch gives " + e + "\n  actual " + actual);
            } else {
                long e = v.get(i).asLong(), a = actual.longAt(i);
                if (e != a) fail(what + ": element " + i + " is " + a + ", PyTorch gives " + e + "\n  actual " + actual);
            }
        }
    }

    private static boolean isInt(JsonNode n) { return n != null && n.isIntegralNumber(); }

    private static long intScalar(JsonNode s) {
        if (!isInt(s)) throw new AssertionError("Kiln has only an integer-scalar overload here");
        return s.asLong();
    }

    private static double floatScalar(JsonNode s) {
        if (isInt(s)) throw new AssertionError("Kiln has only a double-scalar overload here");
        return s.asDouble();
    }

    private static boolean noDim(JsonNode a) { return !a.has("dim") || a.get("dim").isNull(); }

    private static int dim(JsonNode a) { return a.get("dim").asInt(); }

    private static boolean keepdim(JsonNode a) { return a.get("keepdim").asBoolean(); }

    private static boolean unbiased(JsonNode a) { return a.get("unbiased").asBoolean(); }

    private static Double nullableDouble(JsonNode n) { return n == null || n.isNull() ? null : n.asDouble(); }

    private static Integer nullableInt(JsonNode n) { return n == null || n.isNull() ? null : n.asInt(); }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    private static long[] longs(JsonNode arr) {
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asLong();
        return out;
    }
}
