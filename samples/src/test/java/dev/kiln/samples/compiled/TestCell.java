package dev.kiln.samples.compiled;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Sigmoid;

/** The residual cell of {@link TestNet}: {@code x + sigmoid(fc(x))}. */
@Model(input = @Shape(7))
abstract class TestCell {
    @Linear(7) @Sigmoid Layer fc;
}
