package dev.kiln.samples.compiled;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Block;
import dev.kiln.annotations.GELU;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.LeakyReLU;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.LogSoftmax;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Residual;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/** A small network using most generated primitives, for the equivalence tests (no dropout: its masks are not PyTorch's). */
@Model(input = @Shape(6))
abstract class TestNet {
    @Linear(8) @Tanh Layer fc1;
    @BatchNorm Layer bn;
    @Linear(7) @GELU(tanh = true) Layer fc2;
    @Block(TestCell.class) @Residual Layer cell;
    @Linear(5) @LeakyReLU(negativeSlope = 0.1) Layer fc3;
    @Linear(3) @LogSoftmax Layer out;
}
