package dev.kiln.samples.compiled;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Tanh;

/** BatchNorm without running statistics ({@code track_running_stats=False}): batch statistics in both modes. */
@Model(input = @Shape(6))
abstract class TestBnBatchStatistics {
    @Linear(5) @Tanh Layer fc;
    @BatchNorm(trackRunningStats = false) Layer bn;
    @Linear(2) Layer out;
}
