package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.optim.SGD;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Shapes, modes, error messages of the recurrent layers, and gradient clipping by hand-computed values. */
class RnnBehaviourTest {

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) assertTrue(text.contains(p), "expected \"" + p + "\" in: " + text);
    }

    @Test
    void parameterNamesShapesAndOrderFollowPyTorch() {
        LSTM lstm = new LSTM(3, 5, LSTM.options().numLayers(2).bidirectional(true));
        List<String> names = List.copyOf(lstm.namedParameters().keySet());
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"), names);
        assertArrayEquals(new int[] {20, 3}, lstm.weightIh(0, 0).shape().toArray());
        assertArrayEquals(new int[] {20, 10}, lstm.weightIh(1, 1).shape().toArray());
        assertArrayEquals(new int[] {20, 5}, lstm.weightHh(1, 0).shape().toArray());
        assertArrayEquals(new int[] {20}, lstm.biasHh(0, 1).shape().toArray());
        GRU gru = new GRU(4, 2, GRU.options().bias(false));
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), List.copyOf(gru.namedParameters().keySet()));
        assertArrayEquals(new int[] {6, 4}, gru.weightIh(0, 0).shape().toArray());
        assertNull(gru.biasIh(0, 0));
        assertArrayEquals(new int[] {3, 4}, new RNN(4, 3).weightIh(0, 0).shape().toArray());
    }

    @Test
    void defaultInitialisationStaysWithinOneOverSqrtHidden() {
        Torch.manualSeed(3);
        GRU gru = new GRU(7, 16, 2);
        for (Tensor p : gru.parameters()) {
            assertTrue(p.abs().max().item() <= 0.25, "U(-1/4, 1/4)");
            assertTrue(p.requiresGrad());
        }
    }

    @Test
    void shapesBatchedBatchFirstAndUnbatched() {
        Torch.manualSeed(0);
        LSTM lstm = new LSTM(4, 3, LSTM.options().numLayers(2).bidirectional(true).batchFirst(true));
        Tensor x = Torch.randn(2, 5, 4);
        LstmOutput r = lstm.forward(x, null, null);
        assertArrayEquals(new int[] {2, 5, 6}, r.output().shape().toArray());
        assertArrayEquals(new int[] {4, 2, 3}, r.hN().shape().toArray());
        assertArrayEquals(new int[] {4, 2, 3}, r.cN().shape().toArray());
        // One sequence unbatched equals the same sequence as a batch of one.
        Tensor one = x.select(0, 1);
        LstmOutput u = lstm.forward(one, null, null);
        assertArrayEquals(new int[] {5, 6}, u.output().shape().toArray());
        assertArrayEquals(new int[] {4, 3}, u.hN().shape().toArray());
        LstmOutput b = lstm.forward(one.unsqueeze(0), null, null);
        assertTrue(u.output().allclose(b.output().squeeze(0), 0, 1e-7));
        assertTrue(u.cN().allclose(b.cN().squeeze(1), 0, 1e-7));
        // Module's one-tensor forward is the output sequence.
        assertTrue(lstm.forward(x).allclose(r.output(), 0, 0));
        // The last step of the forward direction's output is its final hidden state.
        RNN rnn = new RNN(4, 3, 2);
        RnnOutput rr = rnn.forward(x.transpose(0, 1), null);
        assertTrue(rr.output().select(0, 4).allclose(rr.hN().select(0, 1), 0, 0));
    }

    @Test
    void dropoutActsBetweenLayersInTrainingOnly() {
        Torch.manualSeed(1);
        GRU plain = new GRU(3, 4, 2);
        GRU dropped = new GRU(3, 4, GRU.options().numLayers(2).dropout(0.5));
        dropped.loadStateDict(plain.stateDict());
        Tensor x = Torch.randn(6, 2, 3);
        Tensor reference = plain.forward(x);
        assertFalse(dropped.forward(x).allclose(reference, 0, 1e-6), "training mode drops");
        dropped.eval();
        assertTrue(dropped.forward(x).allclose(reference, 0, 0), "eval mode is deterministic");
        GRU single = new GRU(3, 4, GRU.options().dropout(0.5));
        GRU singlePlain = new GRU(3, 4);
        singlePlain.loadStateDict(single.stateDict());
        assertTrue(single.forward(x).allclose(singlePlain.forward(x), 0, 0), "no dropout after the last layer");
    }

    @Test
    void trainsWithClippedGradients() {
        Torch.manualSeed(4);
        LSTM lstm = new LSTM(1, 8);
        Linear head = new Linear(8, 1);
        var params = new java.util.ArrayList<>(lstm.parameters());
        params.addAll(head.parameters());
        var sgd = new SGD(params, 0.1);
        Tensor x = Torch.randn(6, 16, 1);
        Tensor y = x.sum(0);   // the running sum's final value
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            sgd.zeroGrad();
            Tensor pred = head.forward(lstm.forward(x, null, null).hN().select(0, 0));
            Tensor loss = pred.sub(y).pow(2L).mean();
            loss.backward();
            Functional.clipGradNorm_(params, 1.0);
            sgd.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }

    // ------------------------------------------------------------ errors

    @Test
    void wrongInputRankNamesLayerAndShape() {
        LSTM lstm = new LSTM(10, 20, 2);
        String m = message(() -> lstm.forward(Torch.zeros(5, 3, 2, 10)));
        assertContains(m, "LSTM(10, 20, num_layers=2)", "2-D", "3-D", "[L, N, 10]", "4-D", "[5, 3, 2, 10]");
        m = message(() -> new GRU(4, 2, GRU.options().batchFirst(true)).forward(Torch.zeros(4)));
        assertContains(m, "GRU(4, 2, batch_first=True)", "[N, L, 4]", "1-D", "[4]");
    }

    @Test
    void wrongInputSizeNamesLayerAndShape() {
        String m = message(() -> new RNN(10, 20).forward(Torch.zeros(5, 3, 7)));
        assertContains(m, "RNN(10, 20)", "input.size(-1) must be equal to input_size. Expected 10, got 7", "[5, 3, 7]");
    }

    @Test
    void registeredLayerIsNamedInErrors() {
        class Encoder extends Module {
            final GRU rnn = register("encoder", new GRU(4, 2));
            @Override public Tensor forward(Tensor input) { return rnn.forward(input); }
        }
        String m = message(() -> new Encoder().forward(Torch.zeros(3, 1, 5)));
        assertContains(m, "GRU 'encoder' (4, 2)", "Expected 4, got 5");
    }

    @Test
    void wrongHiddenShapesNameExpectedAndActual() {
        GRU gru = new GRU(3, 20, 2);
        String m = message(() -> gru.forward(Torch.zeros(5, 3, 3), Torch.zeros(2, 4, 20)));
        assertContains(m, "GRU(3, 20, num_layers=2)", "Expected hidden size (2, 3, 20), got [2, 4, 20]");
        m = message(() -> gru.forward(Torch.zeros(5, 3), Torch.zeros(1, 20)));
        assertContains(m, "Expected hidden size (2, 20), got [1, 20]");
        m = message(() -> gru.forward(Torch.zeros(5, 3, 3), Torch.zeros(2, 20)));
        assertContains(m, "For batched 3-D input, hx should also be 3-D but got 2-D tensor");
        m = message(() -> gru.forward(Torch.zeros(5, 3), Torch.zeros(2, 1, 20)));
        assertContains(m, "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");

        LSTM lstm = new LSTM(3, 4, LSTM.options().bidirectional(true));
        Tensor x = Torch.zeros(5, 2, 3);
        m = message(() -> lstm.forward(x, Torch.zeros(2, 2, 4), Torch.zeros(1, 2, 4)));
        assertContains(m, "LSTM(3, 4, bidirectional=True)", "Expected hidden[1] size (2, 2, 4), got [1, 2, 4]");
        m = message(() -> lstm.forward(x, Torch.zeros(2, 2, 5), Torch.zeros(2, 2, 4)));
        assertContains(m, "Expected hidden[0] size (2, 2, 4), got [2, 2, 5]");
        m = message(() -> lstm.forward(x, Torch.zeros(2, 2, 4), Torch.zeros(2, 4)));
        assertContains(m, "hx and cx should also be 3-D but got (3-D, 2-D) tensors");
        m = message(() -> lstm.forward(x, Torch.zeros(2, 2, 4), null));
        assertContains(m, "LSTM(3, 4, bidirectional=True)", "h0 and c0 together");
    }

    @Test
    void wrongDtypeAndEmptySequence() {
        String m = message(() -> new RNN(3, 2).forward(Torch.zeros(new int[] {4, 1, 3}, DType.FLOAT64)));
        assertContains(m, "RNN(3, 2)", "input must have the type torch.float32, got type torch.float64");
        m = message(() -> new RNN(3, 2).forward(Torch.zeros(4, 1, 3), Torch.zeros(new int[] {1, 1, 2}, DType.FLOAT64)));
        assertContains(m, "hidden must have the type torch.float32, got type torch.float64");
        m = message(() -> new RNN(3, 2).forward(Torch.zeros(0, 1, 3)));
        assertContains(m, "RNN(3, 2)", "empty", "[0, 1, 3]");
    }

    @Test
    void constructorArgumentsAreChecked() {
        assertContains(message(() -> new LSTM(3, 4, LSTM.options().dropout(1.5))), "dropout should be a number in range [0, 1]");
        assertContains(message(() -> new GRU(3, 0)), "hidden_size must be an integer greater than zero");
        assertContains(message(() -> new RNN(3, 4, 0)), "num_layers must be an integer greater than zero");
        assertContains(message(() -> new RNN(3, 4, null, RNN.options())), "nonlinearity");
        assertContains(message(() -> new GRU(3, 4, GRU.options().dtype(DType.INT64))), "floating dtype");
    }

    // ------------------------------------------------------------ clipping

    @Test
    void clipGradNormByHand() {
        Tensor a = Torch.zeros(2).requiresGrad_();
        Tensor b = Torch.zeros(1).requiresGrad_();
        Tensor none = Torch.zeros(1).requiresGrad_();
        a.setGrad(Torch.tensor(new float[] {3f, 0f}));
        b.setGrad(Torch.tensor(new float[] {-4f}));
        Tensor total = Functional.clipGradNorm_(List.of(a, none, b), 1.0);
        assertEquals(5.0, total.item(), 0);
        float coef = 1f / (5f + 1e-6f);
        assertArrayEquals(new float[] {3f * coef, 0f}, a.grad().toFloatArray(), 0f);
        assertArrayEquals(new float[] {-4f * coef}, b.grad().toFloatArray(), 0f);
        assertNull(none.grad());
        // Under the limit: unchanged, bit for bit; the infinity norm is the largest magnitude.
        a.setGrad(Torch.tensor(new float[] {0.25f, -0.5f}));
        assertEquals(0.5, Functional.clipGradNorm_(List.of(a), 2.0, Double.POSITIVE_INFINITY).item(), 0);
        assertArrayEquals(new float[] {0.25f, -0.5f}, a.grad().toFloatArray(), 0f);
        assertEquals(0.75, Functional.clipGradNorm_(List.of(a), 2.0, 1.0).item(), 0);
        // Nothing to clip: a zero norm.
        assertEquals(0.0, Functional.clipGradNorm_(List.of(none), 1.0).item(), 0);
        // A non-finite total is refused on request.
        a.setGrad(Torch.tensor(new float[] {Float.NaN, 1f}));
        var e = assertThrows(IllegalStateException.class, () -> Functional.clipGradNorm_(List.of(a), 1.0, 2.0, true));
        assertContains(e.getMessage(), "non-finite");
        // clip_grad_value_
        b.setGrad(Torch.tensor(new float[] {-4f}));
        a.setGrad(Torch.tensor(new float[] {0.25f, 9f}));
        Functional.clipGradValue_(List.of(a, b, none), 1.0);
        assertArrayEquals(new float[] {0.25f, 1f}, a.grad().toFloatArray(), 0f);
        assertArrayEquals(new float[] {-1f}, b.grad().toFloatArray(), 0f);
    }
}
