package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * What {@code nn.RNN} and {@code nn.GRU} return, {@code (output, h_n)}: the last layer's hidden state at every step
 * ({@code [L, N, D*H]}, {@code [N, L, D*H]} with batch_first, {@code [L, D*H]} unbatched) and every layer's final
 * hidden state ({@code [num_layers*D, N, H]}, never batch-first; {@code [num_layers*D, H]} unbatched).
 */
public record RnnOutput(Tensor output, Tensor hN) {}
