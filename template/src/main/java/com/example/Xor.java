package com.example;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/**
 * A network for XOR: 2 inputs, 8 tanh units, 2 logits (the classes 0 and 1). At compile time Kiln's processor checks
 * the shapes ([N, 2] -> [N, 8] -> [N, 2]) and writes {@code KilnXor} (target/generated-sources/annotations), with its
 * forward, backward, trainer and state dict.
 */
@Model(input = @Shape(2))
public abstract class Xor {
    @Linear(8) @Tanh Layer hidden;
    @Linear(2) Layer out;
}
