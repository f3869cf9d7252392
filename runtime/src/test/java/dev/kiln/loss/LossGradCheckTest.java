package dev.kiln.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Float64 finite-difference checks of every loss's gradient with respect to its input (and its
 * target where PyTorch differentiates it), for every reduction. A reduction NONE output is
 * contracted with fixed random weights so that every output element is checked.
 */
class LossGradCheckTest {
    private static final double EPS = 1e-6;
    private static final double TOL = 1e-6;

    private record Case(String name, Tensor input, Tensor target, boolean targetGrad,
                        BiFunction<Tensor, Tensor, Tensor> loss) {}

    private static Tensor rand(long seed, int... shape) {
        Torch.manualSeed(seed);
        return Torch.randn(shape, DType.FLOAT64);
    }

    private static List<Case> cases(Reduction r) {
        Tensor logits = rand(1, 3, 4);
        Tensor classes = Torch.tensor(new long[] {2, -100, 0});
        Tensor w = rand(2, 4).abs().add(0.5);
        Tensor probs = LogSoftmax.apply(rand(3, 3, 4), 1).exp();
        Tensor spatial = rand(4, 2, 3, 2);
        Tensor spatialT = Torch.tensor(new long[][] {{0, 2}, {1, 1}});
        Tensor p = rand(5, 2, 3).sigmoid(), t = rand(6, 2, 3).sigmoid();
        Tensor x = rand(7, 2, 3).mul(2.0), y = rand(8, 2, 3);
        return List.of(
                new Case("cross_entropy", logits, classes, false, (a, b) -> CrossEntropyLoss.crossEntropy(a, b, null, -100, r, 0)),
                new Case("cross_entropy weight smoothing", logits, classes, false,
                        (a, b) -> CrossEntropyLoss.crossEntropy(a, b, w, -100, r, 0.2)),
                new Case("cross_entropy spatial", spatial, spatialT, false,
                        (a, b) -> CrossEntropyLoss.crossEntropy(a, b, w.get(dev.kiln.tensor.Index.slice(0, 3, 1)), -100, r, 0.1)),
                new Case("cross_entropy probabilities", logits, probs, true,
                        (a, b) -> CrossEntropyLoss.crossEntropy(a, b, w, -100, r, 0.1)),
                new Case("nll_loss", logits, classes, false, (a, b) -> NLLLoss.nllLoss(a, b, w, -100, r)),
                new Case("binary_cross_entropy", p, t, true, (a, b) -> BCELoss.binaryCrossEntropy(a, b, w.get(dev.kiln.tensor.Index.slice(0, 3, 1)), r)),
                new Case("bce_with_logits", x, t, true, (a, b) -> BCEWithLogitsLoss.binaryCrossEntropyWithLogits(a, b,
                        null, r, w.get(dev.kiln.tensor.Index.slice(0, 3, 1)))),
                new Case("l1_loss", x, y, true, (a, b) -> L1Loss.l1Loss(a, b, r)),
                new Case("mse_loss", x, y, true, (a, b) -> MSELoss.mseLoss(a, b, r)),
                new Case("huber_loss", x, y, true, (a, b) -> HuberLoss.huberLoss(a, b, r, 0.7)),
                new Case("smooth_l1_loss", x, y, true, (a, b) -> SmoothL1Loss.smoothL1Loss(a, b, r, 0.7)));
    }

    @TestFactory
    Stream<DynamicTest> gradientsMatchFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Reduction r : Reduction.values()) {
            for (Case c : cases(r)) tests.add(DynamicTest.dynamicTest(c.name + " " + r, () -> check(c)));
        }
        return tests.stream();
    }

    private static void check(Case c) {
        Tensor input = c.input.detach().clone().requiresGrad_();
        Tensor target = c.targetGrad ? c.target.detach().clone().requiresGrad_() : c.target;
        Tensor out = c.loss.apply(input, target);
        Tensor contraction = rand(9, out.shape().toArray());
        out.mul(contraction).sum().backward();
        compare(c, input.grad(), 0, contraction);
        if (c.targetGrad) compare(c, target.grad(), 1, contraction);
    }

    /** Central differences of {@code sum(loss * contraction)} in argument {@code which}. */
    private static void compare(Case c, Tensor analytic, int which, Tensor contraction) {
        double[] base = (which == 0 ? c.input : c.target).toDoubleArray();
        int[] shape = (which == 0 ? c.input : c.target).shape().toArray();
        double[] grad = analytic.toDoubleArray();
        for (int i = 0; i < base.length; i++) {
            double[] plus = base.clone(), minus = base.clone();
            plus[i] += EPS;
            minus[i] -= EPS;
            double fp = eval(c, which, Torch.fromArray(plus, shape), contraction);
            double fm = eval(c, which, Torch.fromArray(minus, shape), contraction);
            double numeric = (fp - fm) / (2 * EPS);
            assertEquals(numeric, grad[i], TOL * Math.max(1, Math.abs(numeric)),
                    (which == 0 ? "input" : "target") + " element " + i);
        }
    }

    private static double eval(Case c, int which, Tensor perturbed, Tensor contraction) {
        Tensor a = which == 0 ? perturbed : c.input, b = which == 1 ? perturbed : c.target;
        return c.loss.apply(a, b).mul(contraction).sum().item();
    }
}
