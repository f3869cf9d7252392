package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** Element-wise {@code max(0, x)}, as {@code nn.ReLU}. */
public class ReLU extends Module {
    @Override
    public Tensor forward(Tensor input) { return Functional.relu(input); }
}
