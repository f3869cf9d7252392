package dev.kiln.samples.compiled;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.ReLU;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/**
 * A four-layer dense chain with a wide output, big enough to split at batch 5, for the feature split's other paths:
 * a middle layer whose deltas come from the two cores' partial input gradients, and a last layer split between the
 * cores instead of computed whole.
 */
@Model(input = @Shape(24))
public abstract class TestDeepChain {
    @Linear(64) @ReLU Layer fc1;
    @Linear(96) @Tanh Layer fc2;
    @Linear(64) @ReLU Layer fc3;
    @Linear(24) Layer out;
}
