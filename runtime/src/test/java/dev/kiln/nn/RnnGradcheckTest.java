package dev.kiln.nn;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Float64 finite differences of each recurrent layer's backward through time: the gradients with respect to the
 * input, the initial states and every parameter of L = sum(W * [output, h_n, c_n]) for a fixed random W.
 */
class RnnGradcheckTest {

    private static void check(String what, RNNBase m, int[] inputShape, int[] stateShape) {
        Torch.manualSeed(11);
        Tensor x = NnTensors.leaf(1, inputShape);
        Tensor h0 = NnTensors.leaf(2, stateShape);
        Tensor c0 = m instanceof LSTM ? NnTensors.leaf(3, stateShape) : null;
        // Leaves are rewritten in place by the check: give each parameter values away from relu's kink too.
        List<Tensor> leaves = new ArrayList<>(List.of(x, h0));
        if (c0 != null) leaves.add(c0);
        long seed = 10;
        for (Tensor p : m.parameters()) {
            Tensor v = NnTensors.leaf(seed++, p.shape().toArray());
            try (var ignored = dev.kiln.autograd.GradMode.noGrad()) { p.copy_(v.mul(0.6)); }
            leaves.add(p);
        }
        Supplier<Tensor> f = () -> {
            if (m instanceof LSTM lstm) {
                LstmOutput r = lstm.forward(x, h0, c0);
                return Torch.cat(List.of(r.output().flatten(), r.hN().flatten(), r.cN().flatten()), 0);
            }
            RnnOutput r = m instanceof RNN rnn ? rnn.forward(x, h0) : ((GRU) m).forward(x, h0);
            return Torch.cat(List.of(r.output().flatten(), r.hN().flatten()), 0);
        };
        NnGradcheck.check(what, f, leaves);
    }

    private static RNNBase.Options f64() { return RNNBase.options().dtype(DType.FLOAT64); }

    @Test
    void rnnTanhTwoLayersBidirectional() {
        check("RNN tanh", new RNN(3, 2, RnnNonlinearity.TANH, f64().numLayers(2).bidirectional(true)),
                new int[] {4, 2, 3}, new int[] {4, 2, 2});
    }

    @Test
    void rnnReluTwoLayersBatchFirst() {
        check("RNN relu", new RNN(3, 3, RnnNonlinearity.RELU, f64().numLayers(2).batchFirst(true)),
                new int[] {2, 4, 3}, new int[] {2, 2, 3});
    }

    @Test
    void lstmTwoLayersBidirectionalBatchFirst() {
        check("LSTM", new LSTM(3, 2, f64().numLayers(2).bidirectional(true).batchFirst(true)),
                new int[] {2, 3, 3}, new int[] {4, 2, 2});
    }

    @Test
    void lstmWithoutBiasUnbatched() {
        check("LSTM no bias unbatched", new LSTM(2, 3, f64().bias(false)), new int[] {4, 2}, new int[] {1, 3});
    }

    @Test
    void gruTwoLayersBidirectional() {
        check("GRU", new GRU(3, 2, f64().numLayers(2).bidirectional(true)), new int[] {3, 2, 3}, new int[] {4, 2, 2});
    }

    @Test
    void gruWithoutBiasBatchFirst() {
        check("GRU no bias", new GRU(2, 3, f64().bias(false).batchFirst(true)), new int[] {2, 3, 2}, new int[] {1, 2, 3});
    }
}
