package dev.kiln.samples.compiled;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/**
 * The improved phone-price classifier: the course's 20-128-256-4 shape with tanh hidden layers.
 * The price range is close to linear in the standardised features (a single linear layer scores
 * about 0.96), and tanh, linear near zero, generalises there where ReLU overfits (0.91-0.93).
 * javac writes {@code KilnPhonePriceTanh}.
 */
@Model(input = @Shape(20))
public abstract class PhonePriceTanh {
    @Linear(128) @Tanh Layer fc1;
    @Linear(256) @Tanh Layer fc2;
    @Linear(4) Layer out;
}
