package dev.kiln.tensor;

import java.util.Arrays;

/** An immutable tensor shape; prints as PyTorch's {@code torch.Size([2, 3])}. */
public final class Size {
    private final int[] dims;

    public Size(int... dims) { this.dims = dims.clone(); }

    public int dim() { return dims.length; }

    /** The size of dimension {@code d}; negative {@code d} counts from the end. */
    public int get(int d) { return dims[Shapes.wrapDim(d, dims.length)]; }

    public int[] toArray() { return dims.clone(); }

    public int numel() { return Shapes.numel(dims); }

    @Override public boolean equals(Object o) { return o instanceof Size s && Arrays.equals(dims, s.dims); }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() { return "torch.Size(" + Shapes.str(dims) + ")"; }
}
