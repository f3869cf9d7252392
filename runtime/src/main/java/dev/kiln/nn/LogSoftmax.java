package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** {@link Functional#logSoftmax} along a fixed dim, as {@code nn.LogSoftmax(dim)}. */
public class LogSoftmax extends Module {
    private final int dim;

    /** PyTorch guesses a dim when none is given (and warns); Kiln asks for it. */
    public LogSoftmax(int dim) { this.dim = dim; }

    @Override
    public Tensor forward(Tensor input) { return Functional.logSoftmax(input, dim); }

    public int dim() { return dim; }

    @Override
    protected String extraRepr() { return "dim=" + dim; }
}
