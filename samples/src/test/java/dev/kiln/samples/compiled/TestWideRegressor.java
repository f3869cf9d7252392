package dev.kiln.samples.compiled;

import dev.kiln.annotations.LeakyReLU;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;

/**
 * A two-layer dense chain with a narrow output, wide enough that a batch of 8 splits between the cores: the feature
 * split then computes the last layer whole on each core, with no meeting between the loss and the updates.
 */
@Model(input = @Shape(30))
abstract class TestWideRegressor {
    @Linear(300) @LeakyReLU(negativeSlope = 0.1) Layer fc1;
    @Linear(2) Layer out;
}
