package dev.kiln.samples.compiled;

import dev.kiln.annotations.LeakyReLU;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;
import dev.kiln.annotations.Sigmoid;
import dev.kiln.annotations.Tanh;

/**
 * A dense chain with every activation a device program has, odd widths (none a multiple of a GEMM tile) and a
 * last layer without bias, for the device-versus-CPU training tests.
 */
@Model(input = @Shape(13))
abstract class TestDeviceChain {
    @Linear(33) @Sigmoid Layer fc1;
    @Linear(17) @LeakyReLU(negativeSlope = 0.1) Layer fc2;
    @Linear(9) @Tanh Layer fc3;
    @Linear(value = 5, bias = false) Layer out;
}
