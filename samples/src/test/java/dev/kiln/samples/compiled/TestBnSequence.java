package dev.kiln.samples.compiled;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.GELU;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;

/**
 * BatchNorm1d over {@code [N, C, L]}: 3 channels of 5 positions, statistics over the batch and the positions; with a
 * fused GELU, whose backward reads its input (which the fused pass recomputes from {@code xhat}).
 */
@Model(input = @Shape({3, 5}))
abstract class TestBnSequence {
    @BatchNorm(momentum = 0.2) @GELU Layer bn;
    @Flatten Layer flat;
    @Linear(2) Layer out;
}
