package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * PyTorch's {@code nn.LSTM} (without {@code proj_size}): with the gate rows stacked i, f, g, o,
 * <pre>
 *   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)     f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)        o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 *   c' = f * c + i * g                             h' = o * tanh(c')
 * </pre>
 * Parameters ({@code weight_ih_l0 [4H, in]}, ...), initialisation and shapes as described in {@link RNNBase}.
 *
 * <pre>{@code
 * var lstm = new LSTM(10, 20, LSTM.options().numLayers(2));
 * LstmOutput r = lstm.forward(x, h0, c0); // x [L, N, 10]; h0, c0 [2, N, 20] or both null for zeros
 * }</pre>
 */
public class LSTM extends RNNBase {

    public LSTM(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, options()); }

    public LSTM(int inputSize, int hiddenSize, int numLayers) { this(inputSize, hiddenSize, options().numLayers(numLayers)); }

    /** PyTorch's positional order: {@code nn.LSTM(in, hidden, num_layers, bias, batch_first, dropout, bidirectional)}. */
    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
                boolean bidirectional) {
        this(inputSize, hiddenSize, new Options(numLayers, bias, batchFirst, dropout, bidirectional, options().dtype()));
    }

    public LSTM(int inputSize, int hiddenSize, Options options) { super(inputSize, hiddenSize, 4, options); }

    /** The output sequence and every layer's final (h, c); {@code h0} and {@code c0} both null mean zeros. */
    public LstmOutput forward(Tensor input, Tensor h0, Tensor c0) {
        Tensor[] r = run(input, h0, c0);
        return new LstmOutput(r[0], r[1], r[2]);
    }

    @Override
    int stateCount() { return 2; }

    @Override
    Tensor[] cell(Tensor xw, Tensor[] state, Tensor weightHh, Tensor biasHh) {
        Tensor gates = Functional.linear(state[0], weightHh, biasHh).add(xw);
        Tensor i = gate(gates, 0).sigmoid();
        Tensor f = gate(gates, 1).sigmoid();
        Tensor g = gate(gates, 2).tanh();
        Tensor o = gate(gates, 3).sigmoid();
        Tensor c = f.mul(state[1]).add(i.mul(g));
        Tensor h = o.mul(c.tanh());
        return new Tensor[] {h, c};
    }
}
