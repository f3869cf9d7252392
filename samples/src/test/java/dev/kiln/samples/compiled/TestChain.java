package dev.kiln.samples.compiled;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Block;
import dev.kiln.annotations.Dropout;
import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Repeat;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/**
 * A chain with every kind of Sequential index: a fused activation, BatchNorm's buffers, parameter-free Dropout and
 * Flatten, and a repeated block (nested Sequentials), for the state-dict key tests.
 */
@Model(input = @Shape(6))
abstract class TestChain {
    @Linear(7) @Tanh Layer fc1;
    @BatchNorm Layer bn;
    @Dropout(p = 0.5) Layer drop;
    @Block(TestCell.class) @Repeat(2) Layer cells;
    @Flatten Layer flat;
    @Linear(3) Layer out;
}
