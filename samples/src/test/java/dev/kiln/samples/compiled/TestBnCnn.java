package dev.kiln.samples.compiled;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Conv2d;
import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.MaxPool2d;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.ReLU;
import dev.kiln.annotations.Shape;

/** The course's convolution block, Conv2d + BatchNorm2d + ReLU + MaxPool2d, small enough for a float64 reference. */
@Model(input = @Shape({2, 6, 6}))
abstract class TestBnCnn {
    @Conv2d(value = 4, kernelSize = 3, padding = 1) Layer conv;
    @BatchNorm @ReLU Layer bn;
    @MaxPool2d(2) Layer pool;
    @Flatten Layer flat;
    @Linear(3) Layer out;
}
