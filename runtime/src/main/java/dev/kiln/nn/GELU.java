package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** Element-wise {@link Functional#gelu}: the exact erf form unless the tanh approximation is asked for. */
public class GELU extends Module {
    private final GeluApproximation approximate;

    public GELU() { this(GeluApproximation.NONE); }

    public GELU(GeluApproximation approximate) { this.approximate = approximate; }

    @Override
    public Tensor forward(Tensor input) { return Functional.gelu(input, approximate); }

    public GeluApproximation approximate() { return approximate; }

    @Override
    protected String extraRepr() { return "approximate='" + approximate.pythonName() + "'"; }
}
