package dev.kiln.samples.compiled;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.ReLU;
import dev.kiln.annotations.Shape;

/**
 * The phone-price classifier of the course as a compiled model: 20 standardised features, two hidden
 * ReLU layers, 4 logits (softmax is fused into the cross-entropy loss). javac writes {@code KilnPhonePrice}.
 */
@Model(input = @Shape(20))
public abstract class PhonePrice {
    @Linear(128) @ReLU Layer fc1;
    @Linear(256) @ReLU Layer fc2;
    @Linear(4) Layer out;
}
