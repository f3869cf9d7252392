package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/** Flattens dims {@code startDim..endDim} into one; the default keeps the batch dim. */
public class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    public Flatten() { this(1, -1); }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor input) { return input.flatten(startDim, endDim); }

    public int startDim() { return startDim; }

    public int endDim() { return endDim; }

    @Override
    protected String extraRepr() { return "start_dim=" + startDim + ", end_dim=" + endDim; }
}
