package dev.kiln.tensor;

import dev.kiln.autograd.GradMode;
import dev.kiln.backend.Device;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.loss.MSELoss;
import dev.kiln.loss.Reduction;
import dev.kiln.nn.Functional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static dev.kiln.tensor.DeviceTesting.assertClose;
import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every op that runs on a device, forward and backward, against the CPU on the same data, at sizes that divide
 * no work-group (1, 7, 17, 129): the device result and the gradients it sends back to device leaves must match
 * the CPU's. The backward pass weights the output by a random tensor, so every element's gradient differs.
 */
class DeviceOpsTest {
    /** float32 kernels against the CPU's (which often computes in double): a few ulps, plus accumulation order. */
    private static final double RTOL = 2e-5, ATOL = 2e-6;

    private Device dev;

    private Device dev() {
        if (dev == null) dev = DeviceTesting.device();
        return dev;
    }

    /**
     * Runs {@code f} on CPU leaves and on device copies of them; compares the outputs and, when {@code f} is
     * differentiable, the leaves' gradients of {@code sum(f(x) * w)}.
     */
    private void check(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Device device = dev();
        Tensor[] cpu = new Tensor[inputs.length], onDev = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            boolean grad = inputs[i].isFloatingPoint();
            cpu[i] = inputs[i].detach().clone().requiresGrad_(grad);
            onDev[i] = inputs[i].detach().to(device).requiresGrad_(grad);
            assertEquals(device, onDev[i].device());
        }
        Tensor expected = f.apply(cpu), actual = f.apply(onDev);
        assertEquals(device, actual.device(), what + ": result's device");
        assertClose(what, expected, actual, RTOL, ATOL);
        if (!expected.requiresGrad()) return;
        Tensor w = randn(expected.shape().toArray());
        expected.mul(w).sum().backward();
        actual.mul(w.to(device)).sum().backward();
        for (int i = 0; i < inputs.length; i++) {
            if (cpu[i].grad() == null) continue;
            assertEquals(device, onDev[i].grad().device(), what + ": gradient's device");
            assertClose(what + ", gradient of input " + i, cpu[i].grad(), onDev[i].grad(), RTOL, ATOL);
        }
    }

    private static Tensor positive(int... shape) { return rand(shape).add(0.5); }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void binaryOpsOfOneShape(int n) {
        manualSeed(n);
        Tensor a = randn(n, 7), b = positive(n, 7);
        check("add", x -> x[0].add(x[1]), a, b);
        check("sub", x -> x[0].sub(x[1]), a, b);
        check("mul", x -> x[0].mul(x[1]), a, b);
        check("div", x -> x[0].div(x[1]), a, b);
        check("maximum", x -> x[0].maximum(x[1]), a, b);
        check("minimum", x -> x[0].minimum(x[1]), a, b);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void broadcasting(int n) {
        manualSeed(100 + n);
        Tensor m = randn(n, 17), row = positive(17), col = positive(n, 1), one = positive(1, 17);
        check("[N,F] + [F] (bias)", x -> x[0].add(x[1]), m, row);
        check("[N,F] - [F]", x -> x[0].sub(x[1]), m, row);
        check("[N,F] * [N,1]", x -> x[0].mul(x[1]), m, col);
        check("[N,F] / [1,F]", x -> x[0].div(x[1]), m, one);
        check("[N,1] * [1,F]", x -> x[0].mul(x[1]), col, one);
        check("[F] - [N,F]", x -> x[0].sub(x[1]), row, m);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void scalars(int n) {
        manualSeed(200 + n);
        Tensor a = randn(n, 3);
        check("add(double)", x -> x[0].add(0.25), a);
        check("sub(long)", x -> x[0].sub(3L), a);
        check("mul(double)", x -> x[0].mul(-1.5), a);
        check("div(long)", x -> x[0].div(7L), a);
        check("pow(2)", x -> x[0].pow(2L), a);
        check("pow(0.5)", x -> x[0].pow(0.5), positive(n, 3));
        check("clamp", x -> x[0].clamp(-0.5, 0.5), a);
        check("times a 0-dim CPU tensor", x -> x[0].mul(full(new int[0], 2.5)), a);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void unaryOps(int n) {
        manualSeed(300 + n);
        Tensor a = randn(n, 5).mul(2.0), p = positive(n, 5);
        check("neg", x -> x[0].neg(), a);
        check("relu", x -> x[0].relu(), a);
        check("sigmoid", x -> x[0].sigmoid(), a);
        check("tanh", x -> x[0].tanh(), a);
        check("exp", x -> x[0].exp(), a);
        check("log", x -> x[0].log(), p);
        check("abs", x -> x[0].abs(), a);
        check("sqrt", x -> x[0].sqrt(), p);
        check("rsqrt", x -> x[0].rsqrt(), p);
        check("reciprocal", x -> x[0].reciprocal(), p);
        check("floor", x -> x[0].floor(), a);
        check("ceil", x -> x[0].ceil(), a);
        check("round", x -> x[0].round(), a.mul(2.0));
        check("sign", x -> x[0].sign(), a);
        check("relu of a transposed view", x -> x[0].t().relu(), a);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void reductions(int n) {
        manualSeed(400 + n);
        Tensor m = randn(n, 7), cube = randn(3, n, 5);
        check("sum", x -> x[0].sum(), m);
        check("mean", x -> x[0].mean(), m);
        check("sum(0) (bias gradient)", x -> x[0].sum(0), m);
        check("sum(1)", x -> x[0].sum(1), m);
        check("sum(-1, keepdim)", x -> x[0].sum(-1, true), m);
        check("mean(0, keepdim)", x -> x[0].mean(0, true), m);
        check("mean(1)", x -> x[0].mean(1), m);
        check("sum(1) of [3,N,5]", x -> x[0].sum(1), cube);
        check("sum((0, 2)) of [3,N,5]", x -> x[0].sum(new int[] {0, 2}, false), cube);
        check("mean((0, 1), keepdim) of [3,N,5]", x -> x[0].mean(new int[] {0, 1}, true), cube);
        check("sum of a transposed view", x -> x[0].t().sum(0), m);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void matrixProducts(int n) {
        manualSeed(500 + n);
        Tensor a = randn(n, 17), b = randn(17, n), w = randn(7, 17), bias = randn(7);
        check("mm", x -> x[0].mm(x[1]), a, b);
        check("matmul", x -> x[0].matmul(x[1]), a, b);
        check("x W^T", x -> x[0].matmul(x[1].t()), a, w);
        check("A^T B^T", x -> x[0].t().mm(x[1].t()), b, a);
        check("transpose(0, 1) then mm", x -> x[0].transpose(0, 1).mm(x[1]), b, randn(17, 3));
        check("F.linear", x -> Functional.linear(x[0], x[1], x[2]), a, w, bias);
        check("matrix-vector", x -> x[0].matmul(x[1]), a, randn(17));
        check("batched", x -> x[0].matmul(x[1]), randn(2, n, 5), randn(5, 3));
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void softmaxes(int n) {
        manualSeed(600 + n);
        Tensor logits = randn(n, 4).mul(3.0), wide = randn(3, n).mul(3.0);
        check("softmax(-1)", x -> Functional.softmax(x[0], -1), logits);
        check("log_softmax(-1)", x -> Functional.logSoftmax(x[0], -1), logits);
        check("softmax over a wide last dim", x -> Functional.softmax(x[0], 1), wide);
        check("log_softmax(0)", x -> Functional.logSoftmax(x[0], 0), logits);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void losses(int n) {
        manualSeed(700 + n);
        Tensor logits = randn(n, 4).mul(2.0), labels = randint(0, 4, n);
        Tensor pred = randn(n, 3), target = randn(n, 3);
        check("cross_entropy (mean)", x -> new CrossEntropyLoss().forward(x[0], x[1]), logits, labels);
        check("cross_entropy (sum)", x -> new CrossEntropyLoss(Reduction.SUM).forward(x[0], x[1]), logits, labels);
        check("mse_loss (mean)", x -> new MSELoss().forward(x[0], x[1]), pred, target);
        check("mse_loss (sum)", x -> new MSELoss(Reduction.SUM).forward(x[0], x[1]), pred, target);
        check("mse_loss (none)", x -> new MSELoss(Reduction.NONE).forward(x[0], x[1]), pred, target);
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void comparisonsAndArgmax(int n) {
        manualSeed(800 + n);
        Tensor scores = randn(n, 4), labels = randint(0, 4, n);
        check("argmax(1)", x -> x[0].argmax(1), scores);
        check("argmax(0, keepdim)", x -> x[0].argmax(0, true), scores);
        check("argmin(1)", x -> x[0].argmin(1), scores);
        check("argmax()", x -> x[0].argmax(), scores);
        check("argmax(1).eq(labels)", x -> x[0].argmax(1).eq(x[1]), scores, labels);
        check("correct count", x -> x[0].argmax(1).eq(x[1]).sum(), scores, labels);
        check("accuracy", x -> x[0].argmax(1).eq(x[1]).toFloat().mean(), scores, labels);
        check("gt", x -> x[0].gt(0.0), scores);
        check("le(tensor)", x -> x[0].le(x[1]), scores, randn(n, 4));
        check("logical_not", x -> x[0].gt(0.0).logicalNot(), scores);
        check("to(int64)", x -> x[0].mul(3.0).toLong(), scores);
        check("to(bool)", x -> x[0].round().toBool(), scores);
        Tensor d = scores.to(dev()), l = labels.to(dev());
        assertEquals(scores.argmax(1).eq(labels).sum().longItem(), d.argmax(1).eq(l).sum().longItem());
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void viewsAndCopies(int n) {
        manualSeed(900 + n);
        Tensor m = randn(n, 6);
        check("reshape", x -> x[0].reshape(3, -1).mul(2.0), m);
        check("view of a transposed copy", x -> x[0].t().contiguous().view(-1), m);
        check("reshape of a transposed view (a copy)", x -> x[0].t().reshape(-1), m);
        check("unsqueeze, expand, sum", x -> x[0].unsqueeze(0).expand(3, n, 6).sum(0), m);
        check("narrow", x -> x[0].narrow(1, 2, 3).exp(), m);
        check("select", x -> x[0].select(1, 4).tanh(), m);
        check("basic indexing", x -> x[0].get(Index.all(), Index.slice(1, null, 2)).neg(), m);
        check("clone", x -> x[0].clone(), m);
        check("dot", x -> x[0].dot(x[1]), randn(n), randn(n));
    }

    @ParameterizedTest(name = "n = {0}")
    @ValueSource(ints = {1, 7, 17, 129})
    void inPlace(int n) {
        manualSeed(1000 + n);
        Tensor a = randn(n, 5), b = randn(5);
        Tensor da = a.to(dev()), db = b.to(dev());
        try (var ignored = GradMode.noGrad()) {
            a.add_(b).mul_(0.5).sub_(a.mul(0.25)).div_(3L);
            da.add_(db).mul_(0.5).sub_(da.mul(0.25)).div_(3L);
        }
        assertClose("add_, mul_, sub_, div_", a, da, RTOL, ATOL);
        Tensor dt = da.t();
        dt.zero_();
        assertClose("zero_ through a view", zeros(n, 5), da, 0, 0);
        da.fill_(2.5).copy_(b);
        assertClose("copy_ from the CPU, broadcast", b.expand(n, 5), da, 0, 0);
        Tensor host = zeros(n, 5);
        host.copy_(da);
        assertClose("copy_ to the CPU", b.expand(n, 5), host, 0, 0);
    }
}
