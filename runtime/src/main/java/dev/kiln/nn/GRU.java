package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * PyTorch's {@code nn.GRU}: with the gate rows stacked r, z, n,
 * <pre>
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))  h' = (1 - z) * n + z * h
 * </pre>
 * ({@code b_hn} inside the reset product, as PyTorch and cuDNN). Parameters ({@code weight_ih_l0 [3H, in]}, ...),
 * initialisation and shapes as described in {@link RNNBase}.
 */
public class GRU extends RNNBase {

    public GRU(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, options()); }

    public GRU(int inputSize, int hiddenSize, int numLayers) { this(inputSize, hiddenSize, options().numLayers(numLayers)); }

    /** PyTorch's positional order: {@code nn.GRU(in, hidden, num_layers, bias, batch_first, dropout, bidirectional)}. */
    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
               boolean bidirectional) {
        this(inputSize, hiddenSize, new Options(numLayers, bias, batchFirst, dropout, bidirectional, options().dtype()));
    }

    public GRU(int inputSize, int hiddenSize, Options options) { super(inputSize, hiddenSize, 3, options); }

    /** The output sequence and the final hidden state of every layer; {@code h0} null means zeros. */
    public RnnOutput forward(Tensor input, Tensor h0) {
        Tensor[] r = run(input, h0);
        return new RnnOutput(r[0], r[1]);
    }

    @Override
    Tensor[] cell(Tensor xw, Tensor[] state, Tensor weightHh, Tensor biasHh) {
        Tensor h = state[0];
        Tensor hw = Functional.linear(h, weightHh, biasHh);
        Tensor r = gate(hw, 0).add(gate(xw, 0)).sigmoid();
        Tensor z = gate(hw, 1).add(gate(xw, 1)).sigmoid();
        Tensor n = gate(xw, 2).add(gate(hw, 2).mul(r)).tanh();
        // PyTorch's CPU cell: (h - n) * z + n.
        return new Tensor[] {h.sub(n).mul(z).add(n)};
    }
}
