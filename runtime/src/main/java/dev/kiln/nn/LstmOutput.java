package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * What {@code nn.LSTM} returns, {@code (output, (h_n, c_n))}: the output sequence as in {@link RnnOutput}, and every
 * layer's final hidden and cell states, each {@code [num_layers*D, N, H]} ({@code [num_layers*D, H]} unbatched).
 */
public record LstmOutput(Tensor output, Tensor hN, Tensor cN) {}
