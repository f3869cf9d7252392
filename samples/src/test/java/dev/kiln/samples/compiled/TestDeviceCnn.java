package dev.kiln.samples.compiled;

import dev.kiln.annotations.AvgPool2d;
import dev.kiln.annotations.Conv2d;
import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.GELU;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.MaxPool2d;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Sigmoid;
import dev.kiln.annotations.Tanh;

/**
 * The device path's other convolution and pooling shapes: a strided bias-free convolution, overlapping padded max
 * pooling with ceil mode, average pooling without the padding in its divisor, a stand-alone Tanh, and a Linear
 * with GELU, whose backward reads the kept pre-activation.
 */
@Model(input = @Shape({3, 9, 7}))
abstract class TestDeviceCnn {
    @Conv2d(value = 5, kernelSize = 3, stride = 2, padding = 1, bias = false) @Tanh Layer conv1;
    @MaxPool2d(value = 3, stride = 2, padding = 1, ceilMode = true) Layer pool1;
    @Conv2d(value = 4, kernelSize = 2, dilation = 1) @Sigmoid Layer conv2;
    @AvgPool2d(value = 2, padding = 1, countIncludePad = false) Layer pool2;
    @Flatten Layer flat;
    @Linear(7) @GELU Layer fc1;
    @Linear(3) Layer out;
}
