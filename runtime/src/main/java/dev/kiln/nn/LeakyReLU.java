package dev.kiln.nn;

import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Tensor;

/** Element-wise {@link Functional#leakyRelu}, slope 0.01 below zero by default. */
public class LeakyReLU extends Module {
    private final double negativeSlope;

    public LeakyReLU() { this(0.01); }

    public LeakyReLU(double negativeSlope) { this.negativeSlope = negativeSlope; }

    @Override
    public Tensor forward(Tensor input) { return Functional.leakyRelu(input, negativeSlope); }

    public double negativeSlope() { return negativeSlope; }

    @Override
    protected String extraRepr() { return "negative_slope=" + PyRepr.of(negativeSlope); }
}
