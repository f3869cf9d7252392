package dev.kiln.samples.compiled;

import dev.kiln.autograd.GradMode;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Functional;
import dev.kiln.nn.GELU;
import dev.kiln.nn.LayerNorm;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.optim.Adam;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.kiln.samples.compiled.TensorAsserts.assertCloseToScale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated sequence models ({@code [N, T, ...]}) with Embedding and LayerNorm against the eager {@code dev.kiln.nn}
 * modules holding the same weights: initial weights for a seed, forward and backward for two sequence lengths,
 * LayerNorm's backward against float64 finite differences, Embedding's scatter-add and its index errors.
 */
class SequenceModelTest {
    /** {@link TokenTagger} as eager modules registered under the same names, so the state-dict keys agree. */
    static final class EagerTagger extends Module {
        final Embedding emb;
        final LayerNorm norm;
        final Linear fc, out;

        EagerTagger(DType dtype) {
            emb = register("emb", new Embedding(50, 16, 0, dtype));
            norm = register("norm", new LayerNorm(new int[] {16}, 1e-5, true, dtype));
            fc = register("fc", new Linear(16, 32, true, dtype));
            out = register("out", new Linear(32, 5, true, dtype));
        }

        @Override
        public Tensor forward(Tensor tokens) { return out.forward(new GELU().forward(fc.forward(norm.forward(emb.forward(tokens))))); }
    }

    /** {@link TestSeqNet} as eager modules. */
    static final class EagerSeqNet extends Module {
        final LayerNorm norm0, norm, plain;
        final Linear fc, out;

        EagerSeqNet(DType dtype) {
            norm0 = register("norm0", new LayerNorm(new int[] {6}, 1e-5, true, dtype));
            fc = register("fc", new Linear(6, 8, true, dtype));
            norm = register("norm", new LayerNorm(new int[] {8}, 1e-5, true, dtype));
            plain = register("plain", new LayerNorm(new int[] {8}, 1e-3, false, dtype));
            out = register("out", new Linear(8, 3, true, dtype));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = fc.forward(norm0.forward(x)).tanh();
            h = h.add(norm.forward(h));
            return out.forward(plain.forward(h));
        }
    }

    @Test
    void initialWeightsAreTheEagerModulesForTheSameSeed() {
        Torch.manualSeed(42);
        EagerTagger tagger = new EagerTagger(DType.FLOAT32);
        assertSameState(tagger.stateDict(), KilnTokenTagger.create(42).stateDict());
        assertEquals(0.0, KilnTokenTagger.create(42).stateDict().get("emb.weight").select(0, 0).abs().sum().item(), "padding row");
        Torch.manualSeed(7);
        EagerSeqNet net = new EagerSeqNet(DType.FLOAT32);
        assertSameState(net.stateDict(), KilnTestSeqNet.create(7).stateDict());
    }

    @Test
    void tokenTaggerMatchesEagerForTwoSequenceLengths() {
        KilnTokenTagger model = KilnTokenTagger.create(3);
        perturbNorms(model.stateDict(), 4);
        EagerTagger eager = new EagerTagger(DType.FLOAT32);
        eager.loadStateDict(model.stateDict());
        for (int t : new int[] {3, 7}) {
            Tensor tokens = Torch.randint(0, 50, 4, t);
            Tensor g = Torch.randn(4, t, 5);
            eager.zeroGrad();
            Tensor y = eager.forward(tokens);
            y.mul(g).sum().backward();

            Tensor yc = model.forward(tokens.toFloat());
            assertEquals(y.size(), yc.size());
            assertCloseToScale(y, yc, 1e-5, "output, T = " + t);
            float[] raw = model.forward(tokens.toFloatArray(), 4, t);
            assertArrayEquals(yc.toFloatArray(), java.util.Arrays.copyOf(raw, 4 * t * 5), "raw forward(x, n, t), T = " + t);
            model.zeroGrad();
            model.backward(g);
            Map<String, Tensor> grads = eagerGrads(eager);
            for (var e : model.namedParameters().entrySet()) {
                assertCloseToScale(grads.get(e.getKey()), e.getValue().grad(), 1e-5, e.getKey() + ", T = " + t);
            }
        }
    }

    @Test
    void seqNetMatchesEagerFloat64ForTwoSequenceLengths() {
        KilnTestSeqNet model = KilnTestSeqNet.create(11);
        perturbNorms(model.stateDict(), 5);
        EagerSeqNet eager = new EagerSeqNet(DType.FLOAT64);
        eager.loadStateDict(model.stateDict());
        for (int t : new int[] {1, 6}) {
            Tensor x = Torch.randn(3, t, 6).mul(2).add(0.5);
            Tensor g = Torch.randn(3, t, 3);
            eager.zeroGrad();
            Tensor xe = x.toDouble().requiresGrad_();
            Tensor y = eager.forward(xe);
            y.mul(g.toDouble()).sum().backward();

            Tensor yc = model.forward(x);
            assertCloseToScale(y, yc, 2e-5, "output, T = " + t);
            model.zeroGrad();
            Tensor gradIn = model.backward(g);
            assertEquals(x.size(), gradIn.size());
            assertCloseToScale(xe.grad(), gradIn, 2e-5, "input gradient, T = " + t);
            Map<String, Tensor> grads = eagerGrads(eager);
            for (var e : model.namedParameters().entrySet()) {
                assertCloseToScale(grads.get(e.getKey()), e.getValue().grad(), 2e-5, e.getKey() + ", T = " + t);
            }
        }
    }

    /**
     * The generated float32 gradient of {@code sum(g * model(x))} against central differences of the same function in
     * float64 (the eager modules), for every parameter and every input: LayerNorm's backward on the input, inside a
     * residual and without affine.
     */
    @Test
    void layerNormBackwardMatchesFloat64FiniteDifferences() {
        KilnTestSeqNet model = KilnTestSeqNet.create(5);
        perturbNorms(model.stateDict(), 6);
        Tensor x = Torch.randn(2, 3, 6);
        Tensor g = Torch.randn(2, 3, 3);
        model.forward(x);
        model.zeroGrad();
        double[] gradIn = model.backward(g).toDoubleArray();

        EagerSeqNet eager = new EagerSeqNet(DType.FLOAT64);
        eager.loadStateDict(model.stateDict());
        Tensor xd = x.toDouble(), gd = g.toDouble();
        FiniteDifferences.Scalar loss = () -> eager.forward(xd).mul(gd).sum().item();
        try (var ignored = GradMode.noGrad()) {
            FiniteDifferences.assertGradient(loss, xd, gradIn, Integer.MAX_VALUE, "d/dx");
            Map<String, Tensor> params = eager.namedParameters();
            for (var e : model.namedParameters().entrySet()) {
                FiniteDifferences.assertGradient(loss, params.get(e.getKey()), e.getValue().grad().toDoubleArray(), Integer.MAX_VALUE,
                        "d/d" + e.getKey());
            }
        }
    }

    @Test
    void embeddingGradientScatterAddsRepeatsAndSkipsThePaddingRow() {
        KilnTokenTagger model = KilnTokenTagger.create(9);
        // Token 3 three times, the padding token 0 twice, 7 once.
        Tensor tokens = Torch.fromArray(new float[] {3, 3, 0, 3, 7, 0}, 2, 3);
        Tensor g = Torch.randn(2, 3, 5);
        model.forward(tokens);
        model.zeroGrad();
        model.backward(g);

        EagerTagger eager = new EagerTagger(DType.FLOAT64);
        eager.loadStateDict(model.stateDict());
        eager.forward(tokens.toLong()).mul(g.toDouble()).sum().backward();
        Tensor dW = model.namedParameters().get("emb.weight").grad();
        assertCloseToScale(eager.emb.weight().grad(), dW, 2e-5, "emb.weight gradient");
        // The rows' gradients: row 3 is the sum over its three positions of the gradient of the picked rows.
        Tensor picked = Functional.embedding(tokens.toLong(), eager.emb.weight().detach()).requiresGrad_();
        eager.out.forward(new GELU().forward(eager.fc.forward(eager.norm.forward(picked)))).mul(g.toDouble()).sum().backward();
        Tensor dEmbedded = picked.grad();
        Tensor row3 = dEmbedded.select(0, 0).select(0, 0).add(dEmbedded.select(0, 0).select(0, 1)).add(dEmbedded.select(0, 1).select(0, 0));
        assertCloseToScale(row3, dW.select(0, 3), 2e-5, "row 3, three positions summed");
        assertCloseToScale(dEmbedded.select(0, 1).select(0, 1), dW.select(0, 7), 2e-5, "row 7");
        assertEquals(0.0, dW.select(0, 0).abs().sum().item(), "padding row");
        for (int r : new int[] {1, 2, 49}) assertEquals(0.0, dW.select(0, r).abs().sum().item(), "row " + r);
    }

    @Test
    void anIndexOutOfRangeNamesTheLayerTheValueAndTheRow() {
        KilnTokenTagger model = KilnTokenTagger.create(1);
        var ex = assertThrows(IndexOutOfBoundsException.class, () -> model.forward(new float[] {1, 2, 3, 50, 4, 5}, 2, 3));
        assertEquals("Embedding 'emb': index 50.0 at row 3 of the input is out of range; expected an integer in [0, 50)", ex.getMessage());
        ex = assertThrows(IndexOutOfBoundsException.class, () -> model.forward(new float[] {-1}, 1, 1));
        assertEquals("Embedding 'emb': index -1.0 at row 0 of the input is out of range; expected an integer in [0, 50)", ex.getMessage());
        ex = assertThrows(IndexOutOfBoundsException.class, () -> model.forward(Torch.fromArray(new float[] {1, 2.5f}, 1, 2)));
        assertEquals("Embedding 'emb': index 2.5 at row 1 of the input is not a whole number; expected an integer in [0, 50)", ex.getMessage());
    }

    @Test
    void tokenIndicesHaveNoInputGradient() {
        KilnTokenTagger model = KilnTokenTagger.create(1);
        model.forward(new float[] {1, 2}, 1, 2);
        var ex = assertThrows(UnsupportedOperationException.class, () -> model.backward(new float[10], 2, new float[2]));
        assertTrue(ex.getMessage().contains("token indices of Embedding emb"), ex.getMessage());
        model.backwardParameters(new float[10], 1, 2);
    }

    @Test
    void aSequenceBatchMustFitThePlannedRows() {
        KilnTestSeqNet model = KilnTestSeqNet.create(1, 4);
        var ex = assertThrows(IllegalArgumentException.class, () -> model.forward(new float[5 * 6], 1, 5));
        assertTrue(ex.getMessage().contains("batch of 5 rows"), ex.getMessage());
        model.ensureCapacity(1, 5);
        assertEquals(5, model.capacity());
        assertEquals(5 * 3, model.forward(new float[5 * 6], 1, 5).length);
    }

    @Test
    void fixedLengthTokensAndATwoDimensionalLayerNormMatchEager() {
        // Float32 modules: float64 ones draw other numbers from the same seed, as in PyTorch.
        Torch.manualSeed(8);
        Embedding emb = new Embedding(10, 4, -1, DType.FLOAT32);
        LayerNorm norm = new LayerNorm(new int[] {3, 4}, 1e-5, true, DType.FLOAT32);
        Linear out = new Linear(12, 2, true, DType.FLOAT32);
        KilnTestFixedTokens model = KilnTestFixedTokens.create(8);
        Map<String, Tensor> state = model.stateDict();
        assertCloseToScale(emb.weight(), state.get("emb.weight"), 1e-7, "emb.weight for the same seed");
        assertEquals(0.0, state.get("emb.weight").select(0, 9).abs().sum().item(), "padding_idx=-1 is row 9");
        assertCloseToScale(out.weight(), state.get("out.weight"), 1e-7, "out.weight for the same seed");
        perturbNorms(state, 3);
        try (var ignored = GradMode.noGrad()) {
            norm.weight().copy_(state.get("norm.weight"));
            norm.bias().copy_(state.get("norm.bias"));
        }

        Tensor tokens = Torch.fromArray(new float[] {1, 9, 4, 4, 4, 0}, 2, 3);
        Tensor g = Torch.randn(2, 2);
        Tensor y = out.forward(norm.forward(emb.forward(tokens.toLong())).flatten(1, -1));
        y.mul(g).sum().backward();
        assertCloseToScale(y, model.forward(tokens), 1e-5, "output");
        model.zeroGrad();
        model.backward(g);
        Map<String, Tensor> grads = model.namedParameters();
        assertCloseToScale(emb.weight().grad(), grads.get("emb.weight").grad(), 1e-5, "emb.weight gradient");
        assertCloseToScale(norm.weight().grad(), grads.get("norm.weight").grad(), 1e-5, "norm.weight gradient");
        assertCloseToScale(norm.bias().grad(), grads.get("norm.bias").grad(), 1e-5, "norm.bias gradient");
        assertCloseToScale(out.weight().grad(), grads.get("out.weight").grad(), 1e-5, "out.weight gradient");

        var ex = assertThrows(IndexOutOfBoundsException.class, () -> model.forward(new float[] {1, 2, 3, 4, 5, 10}, 2));
        assertEquals("Embedding 'emb': index 10.0 at row 1, position 2 of the input is out of range; expected an integer in [0, 10)",
                ex.getMessage());
    }

    /** Every layer acts per step, so the trainer fits one target per token on the n * t rows. */
    @Test
    void theTrainerFitsPerStepTargets() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        int rows = 150 * 6;
        float[] x = new float[rows], y = new float[rows];
        for (int i = 0; i < rows; i++) {
            x[i] = r.nextInt(50);
            y[i] = x[i] % 5;
        }
        KilnTokenTagger model = KilnTokenTagger.create(4);
        var trainer = model.trainer(dev.kiln.compiled.Loss.crossEntropy(), Adam.options().lr(1e-2)).log(null);
        var h = trainer.fit(x, y, 8, 60);
        assertTrue(h.last("loss") < h.get("loss").getFirst());
        assertTrue(h.last("accuracy") > 0.9, "accuracy " + h.last("accuracy"));
    }

    /** LayerNorm starts at weight 1, bias 0; random values make their gradients and the affine path matter. */
    private static void perturbNorms(Map<String, Tensor> state, long seed) {
        Torch.manualSeed(seed);
        for (var e : state.entrySet()) {
            if (e.getKey().startsWith("norm")) e.getValue().copy_(Torch.randn(e.getValue().shape().toArray()).mul(0.5).add(e.getKey().endsWith("weight") ? 1 : 0));
        }
    }

    private static Map<String, Tensor> eagerGrads(Module m) {
        Map<String, Tensor> out = new java.util.HashMap<>();
        m.namedParameters().forEach((k, v) -> out.put(k, v.grad()));
        return out;
    }

    private static void assertSameState(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), actual.get(e.getKey()).toFloatArray(), 0f, e.getKey());
        }
    }
}
