package dev.kiln.samples.compiled;

import dev.kiln.annotations.Conv2d;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;

/** A classifier missing its @Flatten: the @Linear acts on the last dimension, so the output is [N, 2, 4, 3]. */
@Model(input = @Shape({1, 4, 4}))
abstract class TestConvNoFlatten {
    @Conv2d(value = 2, kernelSize = 3, padding = 1) Layer conv;
    @Linear(3) Layer out;
}
