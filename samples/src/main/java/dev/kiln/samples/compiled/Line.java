package dev.kiln.samples.compiled;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;

/** The course's linear regression as a compiled model: {@code nn.Linear(1, 1)}. javac writes {@code KilnLine}. */
@Model(input = @Shape(1))
public abstract class Line {
    @Linear(1) Layer fc;
}
