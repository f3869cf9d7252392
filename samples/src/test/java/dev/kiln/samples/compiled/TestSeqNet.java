package dev.kiln.samples.compiled;

import dev.kiln.annotations.LayerNorm;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Residual;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/**
 * A sequence network over {@code [N, T, 6]} for the LayerNorm checks: a LayerNorm on the input (its gradient is the
 * model's input gradient), one inside a residual (its input gradient adds to the skip's) and one without affine.
 */
@Model(input = @Shape(value = 6, symbolic = "T"))
abstract class TestSeqNet {
    @LayerNorm Layer norm0;
    @Linear(8) @Tanh Layer fc;
    @LayerNorm @Residual Layer norm;
    @LayerNorm(elementwiseAffine = false, eps = 1e-3) Layer plain;
    @Linear(3) Layer out;
}
