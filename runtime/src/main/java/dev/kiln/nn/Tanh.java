package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** Element-wise {@link Functional#tanh}, as {@code nn.Tanh}. */
public class Tanh extends Module {
    @Override
    public Tensor forward(Tensor input) { return Functional.tanh(input); }
}
