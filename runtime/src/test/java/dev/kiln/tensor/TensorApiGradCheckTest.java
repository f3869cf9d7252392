package dev.kiln.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.autograd.GradMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The derivative rules of split, chunk, unbind, sort, topk, cumsum, cumprod, gather, scatter, scatter_add, where,
 * masked_fill, clamp with tensor bounds, nan_to_num, softmax, log_softmax and div with a rounding mode, against
 * central finite differences in float64 (as GradCheckTest: L = sum(out * W), eps 1e-6, tolerance 1e-5). Inputs are
 * kept clear of kinks: distinct values where an order or a bound decides, quotients away from whole numbers.
 */
class TensorApiGradCheckTest {

    private static final double EPS = 1e-6;
    private static final double TOL = 1e-5;

    /** Distinct values: a random permutation of -n/2..n/2, scaled by 0.37, plus a small seeded jitter. */
    private static Tensor distinct(long seed, int... shape) {
        int n = Shapes.numel(shape);
        SplittableRandom r = new SplittableRandom(seed);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (p[i] - n / 2) * 0.37 + 0.05 * r.nextDouble();
        return Torch.fromArray(v, n).reshape(shape).clone();
    }

    private static Tensor values(int[] shape, double... v) { return Torch.fromArray(v.clone(), v.length).reshape(shape).clone(); }

    private static Tensor index(int[] shape, long... v) { return Torch.fromArray(v.clone(), v.length).reshape(shape).clone(); }

    private static Tensor weights(int[] shape) {
        int n = Shapes.numel(shape);
        double[] w = new double[n];
        for (int i = 0; i < n; i++) w[i] = ((i * 37) % 17 - 8) / 8.0 + 0.0625;
        return Torch.fromArray(w, n).reshape(shape).clone();
    }

    /** Flattens and joins several outputs (split's pieces) into one, so that one weighted sum covers them all. */
    private static Tensor joined(List<Tensor> pieces) {
        return Torch.cat(pieces.stream().map(t -> t.reshape(-1)).toList(), 0);
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] xs, Tensor w) {
        try (var ignored = GradMode.noGrad()) {
            return f.apply(xs).mul(w).sum().item();
        }
    }

    static void gradcheck(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) leaves[i] = inputs[i].clone().requiresGrad_();
        Tensor out = f.apply(leaves);
        assertEquals(DType.FLOAT64, out.dtype(), "gradcheck runs in float64");
        Tensor w = weights(out.shape().toArray());
        out.mul(w).sum().backward();
        for (int i = 0; i < inputs.length; i++) {
            Tensor analytic = leaves[i].grad();
            assertNotNull(analytic, "input " + i + " got no gradient");
            assertArrayEquals(inputs[i].shape().toArray(), analytic.shape().toArray(), "shape of the gradient of input " + i);
            double[] base = inputs[i].toDoubleArray();
            for (int j = 0; j < base.length; j++) {
                Tensor[] plus = new Tensor[inputs.length], minus = new Tensor[inputs.length];
                for (int k = 0; k < inputs.length; k++) {
                    plus[k] = inputs[k].clone();
                    minus[k] = inputs[k].clone();
                }
                double[] p = base.clone(), m = base.clone();
                p[j] += EPS;
                m[j] -= EPS;
                int[] shape = inputs[i].shape().toArray();
                plus[i] = values(shape, p);
                minus[i] = values(shape, m);
                double numeric = (loss(f, plus, w) - loss(f, minus, w)) / (2 * EPS);
                double a = analytic.doubleAt(j);
                if (!(Math.abs(a - numeric) <= TOL * (1 + Math.abs(numeric)))) {
                    fail("input " + i + " element " + j + ": analytic " + a + ", numeric " + numeric);
                }
            }
        }
    }

    private static DynamicTest check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name, () -> gradcheck(f, inputs));
    }

    @TestFactory
    Stream<DynamicTest> splitting() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("split size, last piece shorter", v -> joined(v[0].split(2, 1)), distinct(1, 3, 5)));
        t.add(check("split sizes, neg dim, an empty piece", v -> joined(v[0].split(new int[] {2, 0, 3, 1}, -1)), distinct(2, 2, 6)));
        t.add(check("split of a transposed view", v -> joined(v[0].t().split(2, 0)), distinct(3, 4, 3)));
        t.add(check("only some pieces used", v -> v[0].split(2, 0).get(1).mul(3L), distinct(4, 5, 2)));
        t.add(check("chunk", v -> joined(v[0].chunk(3, 0)), distinct(5, 7, 2)));
        t.add(check("unbind", v -> joined(v[0].unbind(-1)), distinct(6, 3, 4)));
        t.add(check("unbind, pieces reused", v -> v[0].unbind(0).get(0).mul(v[0].unbind(0).get(2)), distinct(7, 3, 4)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> sortingAndScans() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("sort values", v -> v[0].sort(1).values(), distinct(10, 3, 6)));
        t.add(check("sort descending dim 0", v -> v[0].sort(0, true).values(), distinct(11, 5, 3)));
        t.add(check("sort stable 3-d", v -> v[0].sort(-2, false, true).values(), distinct(12, 2, 4, 3)));
        t.add(check("topk", v -> v[0].topk(3).values(), distinct(13, 4, 7)));
        t.add(check("topk smallest dim 0", v -> v[0].topk(2, 0, false, true).values(), distinct(14, 5, 3)));
        t.add(check("cumsum", v -> v[0].cumsum(1), distinct(15, 3, 5)));
        t.add(check("cumsum neg dim of a view", v -> v[0].t().cumsum(-1), distinct(16, 4, 3)));
        t.add(check("cumsum twice", v -> v[0].cumsum(0).cumsum(1), distinct(17, 3, 3)));
        t.add(check("cumprod", v -> v[0].cumprod(1), distinct(18, 3, 4).mul(0.5)));
        t.add(check("cumprod through zeros", v -> v[0].cumprod(1),
                values(new int[] {3, 5}, 2, 0, 3, 0.5, -1, 0, 1.5, -2, 4, 0.75, 1, 2, 0, 0, 3)));
        t.add(check("cumprod dim 0", v -> v[0].cumprod(0), distinct(19, 4, 3).mul(0.4)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> gatherAndScatter() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = index(new int[] {3, 4}, 0, 4, 4, 1, 2, 2, 2, 0, 3, 1, 0, 4);
        t.add(check("gather with repeats", v -> v[0].gather(1, idx), distinct(20, 3, 5)));
        t.add(check("gather dim 0, smaller index", v -> v[0].gather(0, index(new int[] {2, 2}, 3, 0, 1, 1)), distinct(21, 4, 3)));
        Tensor perm = index(new int[] {2, 3}, 3, 0, 2, 1, 3, 0);
        t.add(check("scatter src", v -> v[0].scatter(1, perm, v[1]), distinct(22, 2, 4), distinct(23, 2, 3)));
        t.add(check("scatter src larger than index", v -> v[0].scatter(1, perm, v[1]), distinct(24, 2, 4), distinct(25, 3, 5)));
        t.add(check("scatter value", v -> v[0].scatter(1, perm, -2.0), distinct(26, 2, 4)));
        Tensor rep = index(new int[] {4, 3}, 0, 1, 1, 1, 1, 0, 2, 0, 1, 0, 2, 2);
        t.add(check("scatter_add repeats", v -> v[0].scatterAdd(0, rep, v[1]), distinct(27, 3, 3), distinct(28, 4, 3)));
        t.add(check("scatter_add src larger", v -> v[0].scatterAdd(0, rep, v[1]), distinct(29, 3, 3), distinct(30, 5, 4)));
        t.add(check("scatter_ in place on a non-leaf", v -> v[0].mul(2L).scatter_(1, perm, v[1]), distinct(31, 2, 4), distinct(32, 2, 3)));
        t.add(check("scatterAdd_ in place", v -> v[0].mul(1L).scatterAdd_(0, rep, v[1]), distinct(33, 3, 3), distinct(34, 4, 3)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> maskingAndBounds() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor cond = Torch.tensor(new boolean[][] {{true, false, true, true}, {false, false, true, false}, {true, true, false, false}});
        t.add(check("where broadcast", v -> Torch.where(cond, v[0], v[1]), distinct(40, 3, 1), distinct(41, 4)));
        t.add(check("where with a number", v -> Torch.where(cond, v[0], 0.5), distinct(42, 3, 4)));
        t.add(check("self.where", v -> v[0].where(cond, v[1]), distinct(43, 3, 4), distinct(44, 1, 4)));
        Tensor row = Torch.tensor(new boolean[] {true, false, false, true});
        t.add(check("masked_fill", v -> v[0].maskedFill(row, 1.5), distinct(45, 3, 4)));
        t.add(check("masked_fill mask broadcasts self", v -> v[0].maskedFill(cond, -1L), distinct(46, 1, 4)));
        t.add(check("masked_fill value tensor", v -> v[0].maskedFill(cond, v[1]), distinct(47, 3, 4), Torch.tensor(0.25).toDouble()));
        t.add(check("maskedFill_ in place", v -> v[0].mul(1L).maskedFill_(row, v[1]), distinct(48, 2, 4), Torch.tensor(2.0).toDouble()));
        t.add(check("clamp tensors", v -> v[0].clamp(v[1], v[2]), distinct(49, 3, 4).mul(2L),
                distinct(50, 4).sub(1.0), distinct(51, 3, 1).add(1.5)));
        t.add(check("clamp min above max", v -> v[0].clamp(v[1], v[2]),
                values(new int[] {4}, 0.3, 1.7, 2.6, 4.1), values(new int[] {4}, 1.1, 1.2, 3.3, 3.4), values(new int[] {4}, 2.2, 2.1, 2.3, 2.4)));
        t.add(check("clamp min tensor only", v -> v[0].clamp(v[1], null), distinct(52, 2, 5), distinct(53, 5).add(0.1)));
        t.add(check("clamp max tensor only", v -> v[0].clamp(null, v[1]), distinct(54, 2, 5), distinct(55, 2, 1).add(0.1)));
        t.add(check("nan_to_num of finite values", v -> v[0].nanToNum(), distinct(56, 2, 3)));
        return t.stream();
    }

    @TestFactory
    Stream<DynamicTest> softmaxAndDivision() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("softmax method", v -> v[0].softmax(1), distinct(60, 3, 4)));
        t.add(check("log_softmax method dim 0", v -> v[0].logSoftmax(0), distinct(61, 3, 4)));
        t.add(check("Torch.softmax", v -> Torch.softmax(v[0], -1), distinct(62, 2, 3, 2)));
        // quotients kept away from whole numbers, where the rounded quotient jumps
        Tensor a = values(new int[] {2, 3}, 1.3, -2.7, 5.45, -0.35, 3.9, -4.5), b = values(new int[] {3}, 0.7, 1.9, -2.3);
        t.add(check("div trunc is flat", v -> v[0].div(v[1], "trunc").add(v[0]), a, b));
        t.add(check("div floor is flat", v -> v[0].div(v[1], "floor").mul(v[1]), a, b));
        t.add(check("div floor by a number", v -> v[0].div(0.7, "floor").add(v[0].mul(2L)), a));
        t.add(check("div with no rounding mode", v -> v[0].div(v[1], (String) null), a, b));
        return t.stream();
    }
}
