package dev.kiln.nn;

import dev.kiln.nn.init.Init;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch's {@code nn.RNNBase}: the stacked, optionally bidirectional recurrence shared by {@link RNN}, {@link LSTM}
 * and {@link GRU}.
 *
 * <p>Parameters are named, shaped and ordered as PyTorch's: for each layer {@code k}, then each direction (the
 * reverse one suffixed {@code _reverse}), {@code weight_ih_lk [gates*H, in]}, {@code weight_hh_lk [gates*H, H]},
 * {@code bias_ih_lk [gates*H]}, {@code bias_hh_lk [gates*H]}, where {@code in} is {@code input_size} for layer 0 and
 * {@code D*H} above it. The gate rows are stacked in PyTorch's order (LSTM i, f, g, o; GRU r, z, n), so a PyTorch
 * state dict loads as is. Every parameter is drawn from U(-1/sqrt(H), 1/sqrt(H)) in that order from the default
 * generator, as PyTorch 1.13's {@code reset_parameters}: the same seed gives the same weights.
 *
 * <p>The recurrence is composed of differentiable tensor ops (one matmul of the whole sequence by
 * {@code weight_ih}, then per step a matmul by {@code weight_hh}, additions, slices and the gate activations), so
 * backpropagation through time uses the same derivative rules as the rest of the library. Dropout (training mode
 * only) is applied to the outputs of every layer but the last. PyTorch warns when dropout is set on a one-layer
 * network; Kiln accepts it silently (it has no effect there either).
 *
 * <p>{@link #forward(Tensor)} is {@link Module}'s one-tensor contract and returns the output sequence only; the
 * subclasses' {@code forward(input, h0)} (LSTM: {@code forward(input, h0, c0)}) return the output and the final
 * states, with null initial states meaning zeros, as PyTorch's {@code hx=None}.
 */
public abstract class RNNBase extends Module {

    /**
     * The keyword arguments PyTorch's recurrent layers share, with its defaults ({@link #options()}):
     * {@code num_layers=1, bias=True, batch_first=False, dropout=0, bidirectional=False}, and the {@code dtype=}
     * factory argument (float32).
     */
    public record Options(int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional,
                          DType dtype) {
        public Options numLayers(int v) { return new Options(v, bias, batchFirst, dropout, bidirectional, dtype); }
        public Options bias(boolean v) { return new Options(numLayers, v, batchFirst, dropout, bidirectional, dtype); }
        public Options batchFirst(boolean v) { return new Options(numLayers, bias, v, dropout, bidirectional, dtype); }
        public Options dropout(double v) { return new Options(numLayers, bias, batchFirst, v, bidirectional, dtype); }
        public Options bidirectional(boolean v) { return new Options(numLayers, bias, batchFirst, dropout, v, dtype); }
        public Options dtype(DType v) { return new Options(numLayers, bias, batchFirst, dropout, bidirectional, v); }
    }

    /** PyTorch's defaults: one layer, with biases, sequence-first, no dropout, one direction, float32. */
    public static Options options() { return new Options(1, true, false, 0.0, false, DType.FLOAT32); }

    private final int inputSize;
    private final int hiddenSize;
    private final Options options;
    private final int directions;
    private final int gates;
    /** [layer * directions + direction]; biases are null without bias. */
    private final Tensor[] weightIh, weightHh, biasIh, biasHh;

    /** {@code gates}: 1 for RNN, 3 for GRU, 4 for LSTM (the row blocks of each weight). */
    RNNBase(int inputSize, int hiddenSize, int gates, Options options) {
        if (inputSize < 0) throw new IllegalArgumentException("input_size must be a non-negative integer, got " + inputSize);
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("hidden_size must be an integer greater than zero, got " + hiddenSize);
        }
        if (options.numLayers() <= 0) {
            throw new IllegalArgumentException("num_layers must be an integer greater than zero, got " + options.numLayers());
        }
        if (!(options.dropout() >= 0 && options.dropout() <= 1)) {
            throw new IllegalArgumentException("dropout should be a number in range [0, 1] representing the probability "
                    + "of an element being zeroed, got " + PyRepr.of(options.dropout()));
        }
        if (!options.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("recurrent layers need a floating dtype, got " + options.dtype());
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.options = options;
        this.directions = options.bidirectional() ? 2 : 1;
        this.gates = gates;
        int n = options.numLayers() * directions;
        weightIh = new Tensor[n];
        weightHh = new Tensor[n];
        biasIh = new Tensor[n];
        biasHh = new Tensor[n];
        for (int layer = 0; layer < options.numLayers(); layer++) {
            int in = layer == 0 ? inputSize : hiddenSize * directions;
            for (int dir = 0; dir < directions; dir++) {
                int k = layer * directions + dir;
                String suffix = "_l" + layer + (dir == 1 ? "_reverse" : "");
                DType dt = options.dtype();
                weightIh[k] = registerParameter("weight_ih" + suffix, Torch.empty(new int[] {gates * hiddenSize, in}, dt));
                weightHh[k] = registerParameter("weight_hh" + suffix, Torch.empty(new int[] {gates * hiddenSize, hiddenSize}, dt));
                if (options.bias()) {
                    biasIh[k] = registerParameter("bias_ih" + suffix, Torch.empty(new int[] {gates * hiddenSize}, dt));
                    biasHh[k] = registerParameter("bias_hh" + suffix, Torch.empty(new int[] {gates * hiddenSize}, dt));
                }
            }
        }
        resetParameters();
    }

    /** PyTorch 1.13: every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order. */
    public void resetParameters() {
        double stdv = 1.0 / Math.sqrt(hiddenSize);
        for (Tensor p : parameters()) Init.uniform_(p, -stdv, stdv);
    }

    // ------------------------------------------------------------ the recurrence

    /**
     * One step of one direction of one layer: {@code xw} is this step's {@code x W_ih^T + b_ih} ({@code [N, gates*H]}),
     * {@code state} the previous states ({@code h}, or {@code h, c}); returns the new states, hidden state first.
     */
    abstract Tensor[] cell(Tensor xw, Tensor[] state, Tensor weightHh, Tensor biasHh);

    /** How many state tensors the cell carries (2 for LSTM). */
    int stateCount() { return 1; }

    /** The names of the states in error messages: {@code hx} alone, or {@code hx}/{@code cx} and hidden[0]/hidden[1]. */
    private String stateLabel(int i) { return stateCount() == 1 ? "hidden" : "hidden[" + i + "]"; }

    /**
     * Runs the whole network; {@code states} holds the initial states (each may be null for zeros, but all or none).
     * Returns the output sequence followed by the final states, shaped as PyTorch returns them.
     */
    final Tensor[] run(Tensor input, Tensor... states) {
        int dim = input.dim();
        if (dim != 2 && dim != 3) {
            throw new IllegalArgumentException(describe() + ": expected input to be 2-D (unbatched [L, " + inputSize
                    + "]) or 3-D (batched " + (batchFirst() ? "[N, L, " : "[L, N, ") + inputSize + "]) but got a " + dim
                    + "-D tensor of shape " + Arrays.toString(input.shape().toArray()));
        }
        boolean batched = dim == 3;
        boolean given = false, missing = false;
        for (Tensor s : states) {
            if (s == null) missing = true; else given = true;
        }
        if (given && missing) {
            throw new IllegalArgumentException(describe() + ": give h0 and c0 together, or neither (both null for zeros)");
        }
        if (given) {
            boolean bad = false;
            for (Tensor s : states) bad |= s.dim() != dim;
            if (bad) {
                String dims = stateCount() == 1 ? states[0].dim() + "-D tensor"
                        : "(" + states[0].dim() + "-D, " + states[1].dim() + "-D) tensors";
                String what = stateCount() == 1 ? "hx" : "hx and cx";
                throw new IllegalArgumentException(describe() + ": For " + (batched ? "batched 3-D" : "unbatched 2-D")
                        + " input, " + what + " should also be " + dim + "-D but got " + dims);
            }
        }
        if (input.size(-1) != inputSize) {
            throw new IllegalArgumentException(describe() + ": input.size(-1) must be equal to input_size. Expected "
                    + inputSize + ", got " + input.size(-1) + " (input shape " + Arrays.toString(input.shape().toArray()) + ")");
        }
        DType dtype = options.dtype();
        if (input.dtype() != dtype) {
            throw new IllegalArgumentException(describe() + ": input must have the type " + dtype + ", got type " + input.dtype());
        }
        // Sequence-first, batched: x is [L, N, in].
        Tensor x = batched ? (batchFirst() ? input.transpose(0, 1) : input) : input.unsqueeze(1);
        int length = x.size(0), batch = x.size(1);
        int[] expected = {options.numLayers() * directions, batch, hiddenSize};
        Tensor[] current = new Tensor[states.length];
        for (int i = 0; i < states.length; i++) {
            if (states[i] == null) {
                current[i] = Torch.zeros(expected, dtype);
                continue;
            }
            Tensor s = batched ? states[i] : states[i].unsqueeze(1);
            if (!Arrays.equals(s.shape().toArray(), expected)) {
                int[] shown = batched ? expected : new int[] {expected[0], expected[2]};
                throw new IllegalArgumentException(describe() + ": Expected " + stateLabel(i) + " size "
                        + tuple(shown) + ", got " + Arrays.toString(states[i].shape().toArray()));
            }
            if (s.dtype() != dtype) {
                throw new IllegalArgumentException(describe() + ": " + stateLabel(i) + " must have the type " + dtype
                        + ", got type " + s.dtype());
            }
            current[i] = s;
        }
        if (length == 0) {
            throw new IllegalArgumentException(describe() + ": the input sequence is empty (length 0, input shape "
                    + Arrays.toString(input.shape().toArray()) + ")");
        }

        List<List<Tensor>> finals = new ArrayList<>();
        for (int i = 0; i < states.length; i++) finals.add(new ArrayList<>());
        Tensor layerInput = x;
        for (int layer = 0; layer < options.numLayers(); layer++) {
            List<Tensor> dirOutputs = new ArrayList<>(directions);
            for (int dir = 0; dir < directions; dir++) {
                int k = layer * directions + dir;
                // The input projection of every step at once: [L, N, gates*H].
                Tensor xw = Functional.linear(layerInput, weightIh[k], biasIh[k]);
                Tensor[] state = new Tensor[states.length];
                for (int i = 0; i < state.length; i++) state[i] = current[i].select(0, k);
                Tensor[] hs = new Tensor[length];
                for (int step = 0; step < length; step++) {
                    int t = dir == 0 ? step : length - 1 - step;
                    state = cell(xw.select(0, t), state, weightHh[k], biasHh[k]);
                    hs[t] = state[0];
                }
                dirOutputs.add(Torch.stack(Arrays.asList(hs), 0));
                for (int i = 0; i < state.length; i++) finals.get(i).add(state[i]);
            }
            Tensor out = directions == 1 ? dirOutputs.getFirst() : Torch.cat(dirOutputs, 2);
            if (layer < options.numLayers() - 1 && options.dropout() > 0 && isTraining()) {
                out = Functional.dropout(out, options.dropout(), true);
            }
            layerInput = out;
        }
        Tensor[] result = new Tensor[1 + states.length];
        Tensor output = layerInput;
        result[0] = batched ? (batchFirst() ? output.transpose(0, 1) : output) : output.squeeze(1);
        for (int i = 0; i < states.length; i++) {
            Tensor s = Torch.stack(finals.get(i), 0);
            result[1 + i] = batched ? s : s.squeeze(1);
        }
        return result;
    }

    /** Python's tuple repr of a shape: {@code (2, 3, 20)}. */
    private static String tuple(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i == 0 ? "" : ", ").append(shape[i]);
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** The output sequence only (Module's one-tensor form); {@code forward(input, null)} also gives the final states. */
    @Override
    public Tensor forward(Tensor input) { return run(input, new Tensor[stateCount()])[0]; }

    // ------------------------------------------------------------ accessors

    public int inputSize() { return inputSize; }

    public int hiddenSize() { return hiddenSize; }

    public int numLayers() { return options.numLayers(); }

    public boolean bias() { return options.bias(); }

    public boolean batchFirst() { return options.batchFirst(); }

    public double dropout() { return options.dropout(); }

    public boolean bidirectional() { return options.bidirectional(); }

    /** {@code weight_ih_l{layer}} ({@code _reverse} for direction 1). */
    public Tensor weightIh(int layer, int direction) { return weightIh[index(layer, direction)]; }

    public Tensor weightHh(int layer, int direction) { return weightHh[index(layer, direction)]; }

    /** Null without bias. */
    public Tensor biasIh(int layer, int direction) { return biasIh[index(layer, direction)]; }

    /** Null without bias. */
    public Tensor biasHh(int layer, int direction) { return biasHh[index(layer, direction)]; }

    private int index(int layer, int direction) {
        if (layer < 0 || layer >= options.numLayers() || direction < 0 || direction >= directions) {
            throw new IndexOutOfBoundsException(describe() + " has " + options.numLayers() + " layer(s) and " + directions
                    + " direction(s), asked for layer " + layer + " direction " + direction);
        }
        return layer * directions + direction;
    }

    /** Rows of the {@code gate}-th block of a {@code [gates*H, ...]} weight or bias. */
    final Tensor gate(Tensor stacked, int gate) { return stacked.narrow(stacked.dim() - 1, gate * hiddenSize, hiddenSize); }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
        if (options.numLayers() != 1) s.append(", num_layers=").append(options.numLayers());
        if (!options.bias()) s.append(", bias=False");
        if (options.batchFirst()) s.append(", batch_first=True");
        if (options.dropout() != 0) s.append(", dropout=").append(PyRepr.of(options.dropout()));
        if (options.bidirectional()) s.append(", bidirectional=True");
        return s.toString();
    }
}
