package dev.kiln.samples.compiled;

import dev.kiln.annotations.Layer;
import dev.kiln.annotations.LeakyReLU;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/** The two halves of a small GAN: a generator from 4 noise values to 6 features, and a discriminator scoring 6 features. */
final class TestGan {
    private TestGan() {}

    @Model(input = @Shape(4))
    abstract static class Generator {
        @Linear(16) @LeakyReLU(negativeSlope = 0.2) Layer fc1;
        @Linear(6) @Tanh Layer fc2;
    }

    @Model(input = @Shape(6))
    abstract static class Discriminator {
        @Linear(16) @LeakyReLU(negativeSlope = 0.2) Layer fc1;
        @Linear(1) Layer score;
    }
}
