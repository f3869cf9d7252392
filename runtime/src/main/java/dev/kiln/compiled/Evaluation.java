package dev.kiln.compiled;

import java.util.OptionalDouble;

/** Mean loss and, for classification, accuracy of a model over a data set, in eval mode. */
public record Evaluation(double loss, OptionalDouble accuracy) {}
