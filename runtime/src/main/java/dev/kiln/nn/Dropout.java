package dev.kiln.nn;

import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Tensor;

/** {@link Functional#dropout} in training mode, the identity in eval mode. */
public class Dropout extends Module {
    private final double p;
    private final boolean inplace;

    public Dropout() { this(0.5); }

    public Dropout(double p) { this(p, false); }

    public Dropout(double p, boolean inplace) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + PyRepr.of(p));
        }
        this.p = p;
        this.inplace = inplace;
    }

    public double p() { return p; }

    @Override
    public Tensor forward(Tensor input) { return Functional.dropout(input, p, isTraining(), inplace); }

    @Override
    protected String extraRepr() { return "p=" + PyRepr.of(p) + ", inplace=" + PyRepr.of(inplace); }
}
