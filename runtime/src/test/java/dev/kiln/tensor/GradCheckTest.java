package dev.kiln.tensor;

import static dev.kiln.tensor.Index.all;
import static dev.kiln.tensor.Index.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.autograd.GradMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every derivative rule (Ops, Views, Indexing, LinAlg, Joining, Torch.where) against central
 * finite differences in float64, plus the semantics of the autograd engine.
 *
 * <p>For f(inputs) -> out, the analytic gradient of L = sum(out * W) (W fixed, not all ones, so
 * that every output element is weighted differently) is compared with (L(x + eps) - L(x - eps)) /
 * 2 eps for each input element, eps = 1e-6, to 1e-5 absolute + relative. Inputs are fixed values
 * kept away from kinks (0 for abs/relu, clamp bounds, ties of max/min).
 */
class GradCheckTest {

    private static final double EPS = 1e-6;
    private static final double TOL = 1e-5;

    /** A float64 input: its values and shape. */
    private record In(double[] values, int[] shape) {
        Tensor tensor() { return Torch.fromArray(values.clone(), values.length).reshape(shape).clone(); }
    }

    private static In in(long seed, double lo, double hi, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r.nextDouble();
        return new In(v, shape);
    }

    /** Values in ±[0.2, 1.5]: signed but clear of zero. */
    private static In x(long seed, int... shape) {
        In a = in(seed, 0.2, 1.5, shape);
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        for (int i = 0; i < a.values.length; i++) if (r.nextBoolean()) a.values[i] = -a.values[i];
        return a;
    }

    private static In pos(long seed, int... shape) { return in(seed, 0.3, 2.0, shape); }

    private static Tensor weights(int[] shape) {
        int n = Shapes.numel(shape);
        double[] w = new double[n];
        for (int i = 0; i < n; i++) w[i] = ((i * 37) % 17 - 8) / 8.0 + 0.0625;
        return Torch.fromArray(w, n).reshape(shape).clone();
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] xs, Tensor w) {
        try (var ignored = GradMode.noGrad()) {
            return f.apply(xs).toDouble().mul(w).sum().item();
        }
    }

    /** Checks the analytic gradient of sum(f(inputs) * W) against central differences. */
    static void gradcheck(Function<Tensor[], Tensor> f, In... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) leaves[i] = inputs[i].tensor().requiresGrad_();
        Tensor out = f.apply(leaves);
        assertEquals(DType.FLOAT64, out.dtype(), "gradcheck runs in float64");
        Tensor w = weights(out.shape().toArray());
        out.mul(w).sum().backward();
        for (int i = 0; i < inputs.length; i++) {
            double[] base = inputs[i].values;
            Tensor analytic = leaves[i].grad();
            assertNotNull(analytic, "input " + i + " got no gradient");
            assertArrayEquals(inputs[i].shape, analytic.shape().toArray(), "shape of the gradient of input " + i);
            assertEquals(DType.FLOAT64, analytic.dtype());
            for (int j = 0; j < base.length; j++) {
                Tensor[] plus = new Tensor[inputs.length], minus = new Tensor[inputs.length];
                for (int k = 0; k < inputs.length; k++) {
                    plus[k] = inputs[k].tensor();
                    minus[k] = inputs[k].tensor();
                }
                double[] p = base.clone(), m = base.clone();
                p[j] += EPS;
                m[j] -= EPS;
                plus[i] = new In(p, inputs[i].shape).tensor();
                minus[i] = new In(m, inputs[i].shape).tensor();
                double numeric = (loss(f, plus, w) - loss(f, minus, w)) / (2 * EPS);
                double a = analytic.doubleAt(j);
                if (!(Math.abs(a - numeric) <= TOL * (1 + Math.abs(numeric)))) {
                    fail("input " + i + " element " + j + ": analytic " + a + ", numeric " + numeric);
                }
            }
        }
    }

    private static DynamicTest check(String name, Function<Tensor[], Tensor> f, In... inputs) {
        return DynamicTest.dynamicTest(name, () -> gradcheck(f, inputs));
    }

    private static Tensor bools(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean[] b = new boolean[Shapes.numel(shape)];
        for (int i = 0; i < b.length; i++) b[i] = r.nextBoolean();
        b[0] = true;
        return Torch.fromArray(b, b.length).reshape(shape).clone();
    }

    // ------------------------------------------------------------------ the derivative table

    @TestFactory
    Stream<DynamicTest> elementwiseBinary() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("add", v -> v[0].add(v[1]), x(1, 2, 3), x(2, 2, 3)));
        t.add(check("add broadcast [3,1]+[4]", v -> v[0].add(v[1]), x(3, 3, 1), x(4, 4)));
        t.add(check("add alpha", v -> v[0].add(v[1], -1.5), x(3, 3, 2), x(4, 2)));
        t.add(check("add scalar", v -> v[0].add(2.5), x(5, 4)));
        t.add(check("sub broadcast both", v -> v[0].sub(v[1]), x(6, 1, 3), x(7, 2, 1)));
        t.add(check("sub 0-dim", v -> v[0].sub(v[1]), x(8, 3), x(9)));
        t.add(check("mul broadcast lead dims", v -> v[0].mul(v[1]), x(10, 2, 3, 4), x(11, 3, 1)));
        t.add(check("mul scalar", v -> v[0].mul(-3L), x(12, 3)));
        t.add(check("mul self", v -> v[0].mul(v[0]), x(13, 4)));
        t.add(check("div", v -> v[0].div(v[1]), x(14, 2, 3), x(15, 3)));
        t.add(check("div scalar", v -> v[0].div(4L), x(16, 3)));
        t.add(check("pow scalar", v -> v[0].pow(3L), x(17, 5)));
        t.add(check("pow fractional scalar", v -> v[0].pow(1.5), pos(18, 5)));
        t.add(check("pow scalar 0", v -> v[0].pow(0.0), x(19, 3)));
        t.add(check("pow tensor", v -> v[0].pow(v[1]), pos(20, 2, 3), x(21, 2, 3)));
        t.add(check("pow tensor broadcast", v -> v[0].pow(v[1]), pos(22, 3, 1), x(23, 4)));
        t.add(check("maximum", v -> v[0].maximum(v[1]), x(24, 2, 4), x(25, 4)));
        t.add(check("minimum", v -> v[0].minimum(v[1]), x(26, 3, 1), x(27, 1, 3)));
        t.add(check("remainder", v -> v[0].remainder(v[1]), in(28, 0.1, 4.9, 6), in(29, 0.7, 1.3, 6)));
        t.add(check("remainder scalar", v -> v[0].remainder(2L), in(30, 0.1, 3.9, 5)));
        t.add(check("non-contiguous operands", v -> v[0].t().mul(v[1].t()), x(31, 3, 2), x(32, 3, 2)));
        t.add(check("non-contiguous broadcast", v -> v[0].get(all(), slice(null, null, 2)).div(v[1]), x(33, 2, 6), pos(34, 2, 1)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> elementwiseUnary() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("neg", v -> v[0].neg(), x(40, 2, 3)));
        t.add(check("abs", v -> v[0].abs(), x(41, 2, 3)));
        t.add(check("sqrt", v -> v[0].sqrt(), pos(42, 4)));
        t.add(check("rsqrt", v -> v[0].rsqrt(), pos(43, 4)));
        t.add(check("exp", v -> v[0].exp(), x(44, 4)));
        t.add(check("log", v -> v[0].log(), pos(45, 4)));
        t.add(check("log1p", v -> v[0].log1p(), pos(46, 4)));
        t.add(check("sin", v -> v[0].sin(), x(47, 4)));
        t.add(check("cos", v -> v[0].cos(), x(48, 4)));
        t.add(check("tanh", v -> v[0].tanh(), x(49, 4)));
        t.add(check("sigmoid", v -> v[0].sigmoid(), x(50, 4)));
        t.add(check("relu", v -> v[0].relu(), x(51, 2, 4)));
        t.add(check("reciprocal", v -> v[0].reciprocal(), x(52, 4)));
        t.add(check("sign (zero gradient)", v -> v[0].sign(), x(53, 4)));
        t.add(check("floor (zero gradient)", v -> v[0].floor().add(v[0]), in(54, 0.1, 0.9, 4)));
        t.add(check("ceil", v -> v[0].ceil().mul(v[0]), in(55, 1.1, 1.9, 4)));
        t.add(check("round", v -> v[0].round().add(v[0].mul(2L)), in(56, 1.1, 1.4, 4)));
        t.add(check("clamp", v -> v[0].clamp(-0.5, 0.7), x(57, 3, 4)));
        t.add(check("clampMin", v -> v[0].clampMin(0.4), x(58, 3, 4)));
        t.add(check("clampMax", v -> v[0].clampMax(-0.4), x(59, 3, 4)));
        t.add(check("unary on non-contiguous", v -> v[0].t().tanh(), x(60, 3, 2)));
        t.add(check("clone", v -> v[0].clone().mul(v[0]), x(61, 3)));
        t.add(check("contiguous of transpose", v -> v[0].t().contiguous(), x(62, 2, 3)));
        t.add(check("to float64 (identity)", v -> v[0].to(DType.FLOAT64).mul(2L), x(63, 3)));
        t.add(check("in-place add_ on a non-leaf", v -> v[0].mul(2L).add_(v[1]), x(64, 2, 3), x(65, 3)));
        t.add(check("in-place mul_/sub_/div_ chain", v -> v[0].clone().mul_(v[1]).sub_(0.5).div_(v[1]), x(66, 4), x(67, 4)));
        t.add(check("in-place pow_", v -> v[0].mul(2L).pow_(2.0), x(68, 3)));
        t.add(check("copy_ into a non-leaf", v -> v[0].mul(1L).copy_(v[1]).mul(v[0]), x(69, 2, 3), x(70, 3)));
        t.add(check("clamp_ on a non-leaf", v -> v[0].mul(1L).clamp_(-0.5, 0.5), x(71, 5)));
        t.add(check("copy_ of a function of itself", v -> {
            Tensor y = v[0].mul(1L);
            return y.copy_(y.mul(2L).add(v[0].exp()));  // y * 2 saves no values of y
        }, x(72, 4)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> reductions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("sum", v -> v[0].sum(), x(80, 3, 4)));
        t.add(check("sum dim", v -> v[0].sum(1), x(81, 2, 3, 4)));
        t.add(check("sum dims keepdim", v -> v[0].sum(new int[] {0, 2}, true), x(82, 2, 3, 4)));
        t.add(check("sum non-contiguous", v -> v[0].t().sum(0), x(83, 3, 4)));
        t.add(check("mean", v -> v[0].mean(), x(84, 3, 4)));
        t.add(check("mean dim", v -> v[0].mean(-1), x(85, 2, 3, 4)));
        t.add(check("mean dims", v -> v[0].mean(new int[] {2, 0}, false), x(86, 2, 3, 4)));
        t.add(check("mean dim keepdim", v -> v[0].mean(1, true), x(87, 2, 3)));
        t.add(check("prod", v -> v[0].prod(), x(88, 2, 3)));
        t.add(check("prod dim", v -> v[0].prod(1, false), x(89, 3, 4)));
        t.add(check("prod dim keepdim non-contiguous", v -> v[0].t().prod(0, true), x(90, 3, 4)));
        t.add(check("prod with a zero", v -> v[0].prod(0, false), new In(new double[] {0.0, 2.0, 3.0, 1.5, -0.5, 2.0}, new int[] {3, 2})));
        t.add(check("var", v -> v[0].var(), x(91, 3, 4)));
        t.add(check("var biased", v -> v[0].var(false), x(92, 3, 4)));
        t.add(check("var dim", v -> v[0].var(1), x(93, 3, 4)));
        t.add(check("var dim biased keepdim", v -> v[0].var(0, false, true), x(94, 3, 4)));
        t.add(check("var dims", v -> v[0].var(new int[] {0, 2}, true, false), x(95, 2, 3, 4)));
        t.add(check("std", v -> v[0].std(), x(96, 3, 4)));
        t.add(check("std biased", v -> v[0].std(false), x(97, 3, 4)));
        t.add(check("std dim keepdim", v -> v[0].std(1, true, true), x(98, 3, 4)));
        t.add(check("std dims", v -> v[0].std(new int[] {1, 2}, false, true), x(99, 2, 3, 4)));
        t.add(check("max", v -> v[0].max(), x(100, 3, 4)));
        t.add(check("min", v -> v[0].min(), x(101, 3, 4)));
        t.add(check("max dim", v -> v[0].max(1).values(), x(102, 3, 4)));
        t.add(check("max dim keepdim", v -> v[0].max(0, true).values(), x(103, 3, 4)));
        t.add(check("min dim non-contiguous", v -> v[0].t().min(-1).values(), x(104, 3, 4)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> linearAlgebra() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("dot", v -> v[0].dot(v[1]), x(110, 4), x(111, 4)));
        t.add(check("matmul 1-D·1-D", v -> v[0].matmul(v[1]), x(112, 4), x(113, 4)));
        t.add(check("matmul 2-D·1-D", v -> v[0].matmul(v[1]), x(114, 3, 4), x(115, 4)));
        t.add(check("matmul 1-D·2-D", v -> v[0].matmul(v[1]), x(116, 3), x(117, 3, 2)));
        t.add(check("mm", v -> v[0].mm(v[1]), x(118, 2, 3), x(119, 3, 4)));
        t.add(check("mm transposed operands", v -> v[0].t().mm(v[1].t()), x(120, 3, 2), x(121, 4, 3)));
        t.add(check("matmul batched 3-D", v -> v[0].matmul(v[1]), x(122, 2, 3, 4), x(123, 2, 4, 2)));
        t.add(check("matmul broadcast 4-D·3-D", v -> v[0].matmul(v[1]), x(124, 2, 1, 2, 3), x(125, 3, 3, 2)));
        t.add(check("matmul 3-D·2-D", v -> v[0].matmul(v[1]), x(126, 2, 3, 4), x(127, 4, 2)));
        t.add(check("matmul 1-D·3-D", v -> v[0].matmul(v[1]), x(128, 3), x(129, 2, 3, 2)));
        t.add(check("matmul 3-D·1-D", v -> v[0].matmul(v[1]), x(130, 2, 3, 4), x(131, 4)));
        t.add(check("matmul batched non-contiguous", v -> v[0].transpose(1, 2).matmul(v[1]), x(132, 2, 4, 3), x(133, 2, 4, 2)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> viewsAndShapes() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("reshape (view)", v -> v[0].reshape(4, -1), x(140, 2, 3, 4)));
        t.add(check("reshape (copy of non-contiguous)", v -> v[0].t().reshape(-1), x(141, 3, 4)));
        t.add(check("view", v -> v[0].view(3, 2, 2), x(142, 3, 4)));
        t.add(check("viewAs / reshapeAs", v -> v[0].viewAs(v[1]).add(v[1].reshapeAs(v[0]).reshape(2, 3)), x(143, 6), x(144, 2, 3)));
        t.add(check("transpose", v -> v[0].transpose(0, 2), x(145, 2, 3, 4)));
        t.add(check("t", v -> v[0].t(), x(146, 2, 3)));
        t.add(check("permute", v -> v[0].permute(2, 0, 1), x(147, 2, 3, 4)));
        t.add(check("squeeze all", v -> v[0].squeeze(), x(148, 1, 3, 1, 2)));
        t.add(check("squeeze dim", v -> v[0].squeeze(2), x(149, 1, 3, 1, 2)));
        t.add(check("unsqueeze", v -> v[0].unsqueeze(1), x(150, 2, 3)));
        t.add(check("expand", v -> v[0].expand(2, 3, 4), x(151, 3, 1)));
        t.add(check("expandAs", v -> v[0].expandAs(v[1]).mul(v[1]), x(152, 1, 3), x(153, 2, 3)));
        t.add(check("flatten", v -> v[0].flatten(1, 2), x(154, 2, 3, 4)));
        t.add(check("flatten non-contiguous", v -> v[0].t().flatten(), x(155, 2, 3)));
        t.add(check("narrow", v -> v[0].narrow(1, 1, 2), x(156, 2, 4)));
        t.add(check("select", v -> v[0].select(1, -1), x(157, 2, 3, 4)));
        t.add(check("select non-contiguous", v -> v[0].t().select(0, 1), x(158, 3, 4)));
        t.add(check("chained views", v -> v[0].transpose(0, 1).unsqueeze(0).expand(2, 3, 2).select(2, 0).narrow(1, 1, 2), x(159, 2, 3)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> indexingJoiningWhere() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("index int", v -> v[0].get(1), x(170, 3, 4)));
        t.add(check("index slices with steps", v -> v[0].get(slice(null, null, 2), slice(1, null, 2)), x(171, 3, 5)));
        t.add(check("index negative and ellipsis", v -> v[0].get(Index.ellipsis(), -1), x(172, 2, 3, 4)));
        t.add(check("index newAxis", v -> v[0].get(Index.newAxis(), 1), x(173, 3, 4)));
        t.add(check("index list with repeats", v -> v[0].get(Index.list(2, 0, 2, -1)), x(174, 4, 3)));
        t.add(check("index two lists", v -> v[0].get(Index.list(0, 2), Index.list(1, 3)), x(175, 3, 4)));
        t.add(check("index tensor 2-D", v -> v[0].get(Torch.tensor(new long[][] {{0, 1}, {1, 1}})), x(176, 2, 3)));
        t.add(check("index bool mask", v -> v[0].get(bools(177, 3, 4)), x(178, 3, 4)));
        t.add(check("index bool mask on dim 1", v -> v[0].get(all(), bools(179, 4)), x(180, 3, 4, 2)));
        t.add(check("index adjacent advanced after slice", v -> v[0].get(all(), Index.list(0, 2), Index.list(1, 1)), x(181, 2, 3, 4)));
        t.add(check("index non-adjacent advanced", v -> v[0].get(Index.list(0, 1, 0), all(), Index.list(3, 0, 0)), x(182, 2, 3, 4)));
        t.add(check("index of non-contiguous", v -> v[0].t().get(Index.list(1, 0), slice(1, null)), x(183, 3, 2)));
        t.add(check("cat dim 0", v -> Torch.cat(List.of(v[0], v[1]), 0), x(184, 2, 3), x(185, 1, 3)));
        t.add(check("cat dim -1 three inputs", v -> Torch.cat(List.of(v[0], v[1], v[0]), -1), x(186, 2, 1), x(187, 2, 3)));
        t.add(check("cat non-contiguous", v -> Torch.cat(List.of(v[0].t(), v[1]), 1), x(188, 2, 3), x(189, 3, 2)));
        t.add(check("stack", v -> Torch.stack(List.of(v[0], v[1]), 1), x(190, 2, 3), x(191, 2, 3)));
        t.add(check("where", v -> Torch.where(bools(192, 2, 3), v[0], v[1]), x(193, 2, 3), x(194, 2, 3)));
        t.add(check("where broadcast", v -> Torch.where(bools(195, 3, 1), v[0], v[1]), x(196, 1, 4), x(197, 4)));
        t.add(check("where 0-dim branch", v -> Torch.where(bools(198, 2, 2), v[0], v[1]), x(199), x(200, 2, 2)));
        return t.stream();
    }

    // ------------------------------------------------------------------ autograd semantics

    private static Tensor leaf(double... v) { return Torch.tensor(v).requiresGrad_(); }

    @Test
    void gradientsAccumulateOverTwoBackwardCalls() {
        Tensor w = leaf(1.0, 2.0);
        w.mul(3L).sum().backward();
        w.mul(w).sum().backward();
        assertArrayEquals(new float[] {5, 7}, w.grad().toFloatArray());
    }

    @Test
    void zeroingTheGradInPlace() {
        Tensor w = leaf(1.0, 2.0);
        w.mul(3L).sum().backward();
        Tensor g = w.grad();
        g.zero_();
        assertArrayEquals(new float[] {0, 0}, w.grad().toFloatArray());
        w.mul(2L).sum().backward();
        assertSame(g, w.grad(), "accumulation reuses the .grad tensor");
        assertArrayEquals(new float[] {2, 2}, w.grad().toFloatArray());
        w.setGrad(null);
        assertNull(w.grad());
    }

    @Test
    void detachCutsTheGraphButSharesStorage() {
        Tensor w = leaf(1.0, 2.0);
        Tensor y = w.mul(2L);
        Tensor d = y.detach();
        assertFalse(d.requiresGrad());
        assertNull(d.gradFn());
        assertTrue(d.isLeaf());
        d.add_(1L);
        assertArrayEquals(new float[] {3, 5}, y.toFloatArray(), "detach() shares storage");
        Tensor z = d.mul(w).sum();
        z.backward();
        assertArrayEquals(new float[] {3, 5}, w.grad().toFloatArray(), "no gradient flows through the detached branch");
    }

    @Test
    void noGradScopeRecordsNothing() {
        Tensor w = leaf(1.0, 2.0);
        try (var ignored = GradMode.noGrad()) {
            Tensor y = w.mul(2L);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            assertFalse(GradMode.isEnabled());
            w.sub_(1.0);  // in-place on a leaf is allowed without grad
            try (var ignored2 = GradMode.enableGrad()) {
                assertTrue(w.mul(2L).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(w.mul(2L).requiresGrad());
        assertArrayEquals(new float[] {0, 1}, w.toFloatArray());
    }

    @Test
    void leavesAndNonLeaves() {
        Tensor w = leaf(1.0, 2.0);
        Tensor c = Torch.tensor(new double[] {3.0, 4.0});
        assertTrue(w.isLeaf());
        assertTrue(c.isLeaf());
        Tensor y = w.mul(c);
        Tensor kept = w.mul(2L).retainGrad();
        assertFalse(y.isLeaf());
        assertEquals("MulBackward0", y.gradFn().name());
        y.add(kept).sum().backward();
        assertNull(y.grad(), "a non-leaf does not keep its grad by default");
        assertNull(c.grad(), "a tensor that does not require grad gets none");
        assertTrue(kept.retainsGrad());
        assertArrayEquals(new float[] {1, 1}, kept.grad().toFloatArray());
        assertArrayEquals(new float[] {5, 6}, w.grad().toFloatArray());
    }

    @Test
    void backwardWithAGradientOnANonScalar() {
        Tensor w = leaf(1.0, 2.0, 3.0);
        Tensor y = w.mul(w);
        y.backward(Torch.tensor(new double[] {1.0, 0.5, -1.0}));
        assertArrayEquals(new float[] {2, 2, -6}, w.grad().toFloatArray());
    }

    @Test
    void backwardTwiceThroughAFreedGraphFails() {
        Tensor w = leaf(1.0, 2.0);
        Tensor loss = w.exp().sum();
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().startsWith("Trying to backward through the graph a second time"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor w = leaf(1.0, 2.0);
        Tensor loss = w.mul(w).sum();
        loss.backward(Torch.tensor(1.0), true);
        loss.backward(Torch.tensor(1.0), true);
        loss.backward();
        assertArrayEquals(new float[] {6, 12}, w.grad().toFloatArray());
    }

    @Test
    void backwardOnANonScalarNeedsAGradient() {
        Tensor y = leaf(1.0, 2.0).mul(2L);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertEquals("grad can be implicitly created only for scalar outputs", e.getMessage());
    }

    @Test
    void inPlaceOnALeafThatRequiresGradFails() {
        Tensor w = leaf(1.0, 2.0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.add_(1L));
        assertEquals("a leaf Variable that requires grad is being used in an in-place operation.", e.getMessage());
        assertThrows(IllegalStateException.class, () -> w.mul_(2.0));
        assertThrows(IllegalStateException.class, () -> w.zero_());
        assertThrows(IllegalStateException.class, () -> w.copy_(Torch.tensor(new double[] {0, 0})));
    }

    @Test
    void onlyFloatingTensorsCanRequireGrad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Torch.tensor(new long[] {1, 2}).requiresGrad_());
        assertEquals("only Tensors of floating point dtype can require gradients", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Torch.tensor(new boolean[] {true}).requiresGrad_());
    }

    @Test
    void gradientFlowsToBothUsesOfAnInput() {
        Tensor w = leaf(2.0);
        Tensor a = w.mul(3L), b = w.exp();
        a.mul(b).sum().backward();
        double e2 = Math.exp(2.0);
        assertEquals((float) (3 * e2 + 6 * e2), w.grad().toFloatArray()[0], 1e-4);
    }

    @Test
    void gradDtypeFollowsTheLeafThroughConversions() {
        Tensor w = Torch.tensor(new float[] {1.5f, -2f}).requiresGrad_();
        w.to(DType.FLOAT64).mul(2L).sum().backward();
        assertEquals(DType.FLOAT32, w.grad().dtype());
        assertArrayEquals(new float[] {2, 2}, w.grad().toFloatArray());
    }

    @Test
    void inPlaceOnANonLeafRebasesItsHistory() {
        Tensor w = leaf(1.0, 2.0);
        Tensor y = w.mul(2L);
        y.mul_(w);
        assertEquals("MulBackward0", y.gradFn().name());
        y.sum().backward();
        assertArrayEquals(new float[] {4, 8}, w.grad().toFloatArray());
    }

    @Test
    void earlierUsesKeepTheHistoryTheyWereRecordedWith() {
        // PyTorch gives 6 + 4w: z = 3 (2w) predates y.mul_(w), so its gradient does not pass through it.
        Tensor w = leaf(1.0, 2.0);
        Tensor y = w.mul(2L);
        Tensor z = y.mul(3L);
        y.mul_(w);
        z.add(y).sum().backward();
        assertArrayEquals(new float[] {10, 14}, w.grad().toFloatArray());
    }

    @Test
    void requiresGradOffOnANonLeafFails() {
        Tensor y = leaf(1.0).mul(2L);
        assertThrows(IllegalStateException.class, () -> y.requiresGrad_(false));
    }
}
