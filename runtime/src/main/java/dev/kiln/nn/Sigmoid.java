package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** Element-wise {@link Functional#sigmoid}, as {@code nn.Sigmoid}. */
public class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor input) { return Functional.sigmoid(input); }
}
