package dev.kiln.samples.compiled;

import dev.kiln.nn.BatchNorm1d;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.Convolution;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Functional;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.samples.compiled.TensorAsserts.assertCloseToScale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Generated BatchNorm over {@code [N, C, H, W]} (after a convolution) and over {@code [N, C, L]}: each channel's
 * statistics run over the batch and every position, and the activation declared on the field (ReLU, GELU) is fused
 * into its passes. Checked against the same networks written with float64 eager ops, by autograd (output, input
 * gradient, every parameter gradient, the running statistics after a training forward, eval mode's use of them) and
 * by central differences; against the eager nn.Sequential that takes the same state dict, with and without running
 * statistics; and a warm training step through it allocates nothing.
 */
class CompiledBatchNormTest {
    private static final double EPS = 1e-5;

    @Test
    void batchNorm2dAfterAConvolutionMatchesFloat64Eager() {
        KilnTestBnCnn model = KilnTestBnCnn.create(5);
        Torch.manualSeed(4);
        Tensor x = Torch.randn(3, 2, 6, 6), g = Torch.randn(3, 3);
        Map<String, Tensor> p = float64Leaves(model.stateDict());
        Tensor xe = x.toDouble().requiresGrad_();
        Tensor conv = Convolution.conv2d(xe, p.get("conv.weight"), p.get("conv.bias"), 1, 1);
        int[] over = {0, 2, 3};
        Tensor h = normalise(conv, over, p.get("bn.weight").view(1, 4, 1, 1), p.get("bn.bias").view(1, 4, 1, 1)).relu();
        h = Convolution.maxPool2d(h, 2).reshape(3, 36);
        Tensor y = h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
        Tensor out = model.forward(x);
        model.zeroGrad();
        assertMatchesReference(y, g, xe, p, out, model.backward(g), model.namedParameters());
        assertRunningStatistics(model.stateDict(), conv.detach(), over, 0.1);

        // Eval mode normalises with the running statistics instead of the batch's.
        Map<String, Tensor> state = model.stateDict();
        Tensor mean = state.get("bn.running_mean").toDouble().view(1, 4, 1, 1), var = state.get("bn.running_var").toDouble().view(1, 4, 1, 1);
        Tensor evalH = conv.detach().sub(mean).div(var.add(EPS).sqrt()).mul(p.get("bn.weight").detach().view(1, 4, 1, 1))
                .add(p.get("bn.bias").detach().view(1, 4, 1, 1)).relu();
        Tensor evalY = Convolution.maxPool2d(evalH, 2).reshape(3, 36).matmul(p.get("out.weight").detach().t()).add(p.get("out.bias").detach());
        assertCloseToScale(evalY, model.eval().forward(x), 2e-5, "eval output");
    }

    @Test
    void batchNorm1dOverChannelsAndPositionsWithAFusedGeluMatchesFloat64Eager() {
        KilnTestBnSequence model = KilnTestBnSequence.create(2);
        Torch.manualSeed(6);
        Tensor x = Torch.randn(4, 3, 5).mul(2).add(1), g = Torch.randn(4, 2);
        Map<String, Tensor> p = float64Leaves(model.stateDict());
        Tensor xe = x.toDouble().requiresGrad_();
        int[] over = {0, 2};
        Tensor h = Functional.gelu(normalise(xe, over, p.get("bn.weight").view(1, 3, 1), p.get("bn.bias").view(1, 3, 1))).reshape(4, 15);
        Tensor y = h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
        Tensor out = model.forward(x);
        model.zeroGrad();
        assertMatchesReference(y, g, xe, p, out, model.backward(g), model.namedParameters());
        assertRunningStatistics(model.stateDict(), xe.detach(), over, 0.2);
    }

    @Test
    void theFusedBackwardsMatchFloat64FiniteDifferences() {
        // BatchNorm2d + ReLU after a convolution, and BatchNorm1d over [N, C, L] + GELU; gamma and beta moved off 1 and
        // 0 so that their gradients and the affine path weigh in.
        KilnTestBnCnn cnn = KilnTestBnCnn.create(7);
        perturbBatchNorm(cnn.stateDict(), 3);
        Torch.manualSeed(10);
        Tensor x = Torch.randn(3, 2, 6, 6), g = Torch.randn(3, 3);
        FiniteDifferences.assertBackward(cnn.stateDict(), x, g, () -> { cnn.forward(x); cnn.zeroGrad(); return cnn.backward(g); },
                cnn.namedParameters(), (xd, p) -> {
                    Tensor h = Convolution.conv2d(xd, p.get("conv.weight"), p.get("conv.bias"), 1, 1);
                    h = normalise(h, new int[] {0, 2, 3}, p.get("bn.weight").view(1, 4, 1, 1), p.get("bn.bias").view(1, 4, 1, 1)).relu();
                    return Convolution.maxPool2d(h, 2).reshape(3, 36).matmul(p.get("out.weight").t()).add(p.get("out.bias"));
                }, Integer.MAX_VALUE);
        KilnTestBnSequence seq = KilnTestBnSequence.create(8);
        perturbBatchNorm(seq.stateDict(), 4);
        Tensor xs = Torch.randn(4, 3, 5), gs = Torch.randn(4, 2);
        FiniteDifferences.assertBackward(seq.stateDict(), xs, gs, () -> { seq.forward(xs); seq.zeroGrad(); return seq.backward(gs); },
                seq.namedParameters(), (xd, p) -> {
                    Tensor h = Functional.gelu(normalise(xd, new int[] {0, 2}, p.get("bn.weight").view(1, 3, 1), p.get("bn.bias").view(1, 3, 1)));
                    return h.reshape(4, 15).matmul(p.get("out.weight").t()).add(p.get("out.bias"));
                }, Integer.MAX_VALUE);
    }

    /** BatchNorm starts at weight 1, bias 0: random values instead. */
    private static void perturbBatchNorm(Map<String, Tensor> state, long seed) {
        Torch.manualSeed(seed);
        state.get("bn.weight").copy_(Torch.randn(state.get("bn.weight").shape().toArray()).mul(0.5).add(1));
        state.get("bn.bias").copy_(Torch.randn(state.get("bn.bias").shape().toArray()).mul(0.5));
    }

    @Test
    void theStateDictLoadsIntoTheEagerSequentialWithBatchNorm2d() {
        Torch.manualSeed(8);
        Sequential eager = new Sequential(new Conv2d(2, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(36, 3));
        KilnTestBnCnn compiled = KilnTestBnCnn.create(1);
        assertEquals(List.copyOf(eager.stateDict().keySet()), List.copyOf(compiled.sequentialStateDict().keySet()));
        compiled.loadStateDict(eager.stateDict());
        Tensor x = Torch.randn(5, 2, 6, 6);
        // Training mode: both normalise with the batch's statistics and move their running ones alike.
        assertArrayEquals(eager.forward(x).toFloatArray(), compiled.forward(x).toFloatArray(), 1e-5f);
        assertArrayEquals(eager.stateDict().get("1.running_var").toFloatArray(),
                compiled.stateDict().get("bn.running_var").toFloatArray(), 1e-6f);
        eager.eval();
        compiled.eval();
        assertArrayEquals(eager.forward(x).toFloatArray(), compiled.forward(x).toFloatArray(), 1e-5f);
    }

    @Test
    void withoutRunningStatisticsBothModesUseTheBatchsLikeTheEagerModule() {
        Torch.manualSeed(12);
        Sequential eager = new Sequential(new Linear(6, 5), new Tanh(), new BatchNorm1d(5, 1e-5, 0.1, true, false), new Linear(5, 2));
        KilnTestBnBatchStatistics compiled = KilnTestBnBatchStatistics.create(1);
        // No running_mean, running_var or num_batches_tracked, as in PyTorch.
        assertEquals(List.copyOf(eager.stateDict().keySet()), List.copyOf(compiled.sequentialStateDict().keySet()));
        assertEquals(0, compiled.stateBuffer().length);
        compiled.loadStateDict(eager.stateDict());
        Tensor x = Torch.randn(7, 6), g = Torch.randn(7, 2);
        Tensor xe = x.clone().requiresGrad_();
        Tensor y = eager.forward(xe);
        y.mul(g).sum().backward();
        assertCloseToScale(y, compiled.forward(x), 1e-5, "training output");
        compiled.zeroGrad();
        assertCloseToScale(xe.grad(), compiled.backward(g), 1e-5, "input gradient");
        Map<String, Tensor> eagerParams = eager.namedParameters(), compiledParams = compiled.namedParameters();
        for (String[] keys : new String[][] {{"0.weight", "fc.weight"}, {"2.weight", "bn.weight"}, {"2.bias", "bn.bias"}, {"3.weight", "out.weight"}}) {
            assertCloseToScale(eagerParams.get(keys[0]).grad(), compiledParams.get(keys[1]).grad(), 1e-5, keys[1]);
        }
        eager.eval();
        compiled.eval();
        Tensor evalOut = compiled.forward(x);
        assertCloseToScale(eager.forward(x), evalOut, 1e-5, "eval output");
        assertCloseToScale(y.detach(), evalOut, 1e-5, "eval output equals training output: batch statistics in both");
    }

    @Test
    void aWarmTrainingStepThroughBatchNorm2dAllocatesNothing() {
        assertEquals(0, WarmAllocation.ofSteps("bn2d"), "bytes allocated by 3 warm steps");
    }

    /**
     * The generated output, input gradient and parameter gradients (after a backward of {@code g}) against the float64
     * reference's: its output {@code y}, over leaves {@code xe} and {@code p}, backpropagated here.
     */
    private static void assertMatchesReference(Tensor y, Tensor g, Tensor xe, Map<String, Tensor> p, Tensor out, Tensor gradIn,
                                               Map<String, Tensor> parameters) {
        y.mul(g.toDouble()).sum().backward();
        assertCloseToScale(y, out, 2e-5, "output");
        assertCloseToScale(xe.grad(), gradIn, 2e-5, "input gradient");
        for (var e : parameters.entrySet()) assertCloseToScale(p.get(e.getKey()).grad(), e.getValue().grad(), 2e-5, e.getKey());
    }

    /** Training-mode batch normalisation in float64 ops: the biased variance over {@code dims}, as PyTorch normalises. */
    private static Tensor normalise(Tensor x, int[] dims, Tensor weight, Tensor bias) {
        Tensor mean = x.mean(dims, true), var = x.var(dims, false, true);
        return x.sub(mean).div(var.add(EPS).sqrt()).mul(weight).add(bias);
    }

    /** One training forward from the initial statistics (0 and 1) moved them by {@code momentum} towards the batch's, the variance unbiased. */
    private static void assertRunningStatistics(Map<String, Tensor> state, Tensor bnInput, int[] dims, double momentum) {
        Tensor batchMean = bnInput.mean(dims, false), batchVar = bnInput.var(dims, true, false);
        assertCloseToScale(batchMean.mul(momentum), state.get("bn.running_mean"), 1e-5, "running_mean");
        assertCloseToScale(batchVar.mul(momentum).add(1 - momentum), state.get("bn.running_var"), 1e-5, "running_var");
        assertEquals(1.0, state.get("bn.num_batches_tracked").item());
    }

    /** Trainable float64 copies of the weights and biases of a state dict. */
    private static Map<String, Tensor> float64Leaves(Map<String, Tensor> state) {
        Map<String, Tensor> out = new HashMap<>();
        for (var e : state.entrySet()) {
            if (e.getKey().endsWith("weight") || e.getKey().endsWith("bias")) {
                out.put(e.getKey(), e.getValue().detach().to(DType.FLOAT64).clone().requiresGrad_());
            }
        }
        return out;
    }
}
