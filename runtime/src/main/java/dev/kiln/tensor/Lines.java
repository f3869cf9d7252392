package dev.kiln.tensor;

/**
 * Walks the 1-D lines of one or more same-shaped tensors along a dim (any strides): for each line, the storage
 * offset of its first element in every operand. The line's elements then sit {@code strides[dim]} apart.
 */
final class Lines {
    private Lines() {}

    interface Body { void line(int[] starts); }

    /** Calls {@code body} once per line along {@code d} of {@code shape} (once for a 0-dim shape). */
    static void forEach(int[] shape, int d, Body body, Tensor... operands) {
        int[] outer = shape.clone();
        if (outer.length > 0) outer[d] = 1;
        int count = Shapes.numel(outer);  // lines of length 0 still count: a kernel then fills nothing
        StridedWalk w = new StridedWalk(outer, operands);
        for (int i = 0; i < count; i++, w.next()) body.line(w.off);
    }

    /** The distance between consecutive elements of a line along {@code d} (0 for a 0-dim tensor). */
    static int stride(Tensor t, int d) { return t.dim() == 0 ? 0 : t.strides[d]; }

    /** The length of the lines along {@code d} (1 for a 0-dim tensor). */
    static int length(Tensor t, int d) { return t.dim() == 0 ? 1 : t.shape[d]; }
}
