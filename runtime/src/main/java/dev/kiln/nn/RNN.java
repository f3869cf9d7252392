package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * PyTorch's {@code nn.RNN}, the Elman network: {@code h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)} with
 * {@code act} tanh (the default) or relu, stacked {@code num_layers} deep, optionally bidirectional. Parameters,
 * initialisation and shapes as described in {@link RNNBase}.
 *
 * <pre>{@code
 * var rnn = new RNN(10, 20, RnnNonlinearity.TANH, RNN.options().numLayers(2).batchFirst(true));
 * RnnOutput r = rnn.forward(x, h0);       // x [N, L, 10], h0 [2, N, 20] or null for zeros
 * r.output();                             // [N, L, 20]
 * r.hN();                                 // [2, N, 20]
 * }</pre>
 */
public class RNN extends RNNBase {
    private final RnnNonlinearity nonlinearity;

    /** {@code nn.RNN(input_size, hidden_size)}: one tanh layer. */
    public RNN(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, RnnNonlinearity.TANH, options()); }

    /** {@code nn.RNN(input_size, hidden_size, num_layers)}. */
    public RNN(int inputSize, int hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, RnnNonlinearity.TANH, options().numLayers(numLayers));
    }

    public RNN(int inputSize, int hiddenSize, RnnNonlinearity nonlinearity) {
        this(inputSize, hiddenSize, nonlinearity, options());
    }

    /** PyTorch's positional order: {@code nn.RNN(in, hidden, num_layers, nonlinearity, bias, batch_first, dropout, bidirectional)}. */
    public RNN(int inputSize, int hiddenSize, int numLayers, RnnNonlinearity nonlinearity, boolean bias, boolean batchFirst,
               double dropout, boolean bidirectional) {
        this(inputSize, hiddenSize, nonlinearity, new Options(numLayers, bias, batchFirst, dropout, bidirectional,
                options().dtype()));
    }

    public RNN(int inputSize, int hiddenSize, RnnNonlinearity nonlinearity, Options options) {
        super(inputSize, hiddenSize, 1, options);
        if (nonlinearity == null) throw new IllegalArgumentException("nonlinearity must be TANH or RELU, got null");
        this.nonlinearity = nonlinearity;
    }

    /** The output sequence and the final hidden state of every layer; {@code h0} null means zeros. */
    public RnnOutput forward(Tensor input, Tensor h0) {
        Tensor[] r = run(input, h0);
        return new RnnOutput(r[0], r[1]);
    }

    public RnnNonlinearity nonlinearity() { return nonlinearity; }

    @Override
    Tensor[] cell(Tensor xw, Tensor[] state, Tensor weightHh, Tensor biasHh) {
        Tensor pre = Functional.linear(state[0], weightHh, biasHh).add(xw);
        return new Tensor[] {nonlinearity == RnnNonlinearity.TANH ? pre.tanh() : pre.relu()};
    }
}
