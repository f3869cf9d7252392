package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** {@link Functional#softmax} along a fixed dim, as {@code nn.Softmax(dim)}. */
public class Softmax extends Module {
    private final int dim;

    /** PyTorch guesses a dim when none is given (and warns); Kiln asks for it. */
    public Softmax(int dim) { this.dim = dim; }

    @Override
    public Tensor forward(Tensor input) { return Functional.softmax(input, dim); }

    public int dim() { return dim; }

    @Override
    protected String extraRepr() { return "dim=" + dim; }
}
