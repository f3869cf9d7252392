package dev.kiln.samples.compiled;

import dev.kiln.annotations.Conv2d;
import dev.kiln.annotations.Dropout;
import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.MaxPool2d;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.ReLU;
import dev.kiln.annotations.Shape;

/**
 * A small CNN for 28x28 grey images (Fashion-MNIST): two conv + ReLU + max-pool stages (28 -> 14 -> 7), then a
 * 128-unit hidden layer with dropout and 10 logits (softmax is fused into the loss). javac writes {@code KilnFashionCnn}.
 */
@Model(input = @Shape({1, 28, 28}))
public abstract class FashionCnn {
    @Conv2d(value = 32, kernelSize = 3, padding = 1) @ReLU Layer conv1;
    @MaxPool2d(2) Layer pool1;
    @Conv2d(value = 64, kernelSize = 3, padding = 1) @ReLU Layer conv2;
    @MaxPool2d(2) Layer pool2;
    @Flatten Layer flat;
    @Linear(128) @ReLU Layer fc1;
    @Dropout(p = 0.25) Layer drop;
    @Linear(10) Layer out;
}
