package dev.kiln.tensor;

/**
 * Walks a shape in row-major order, keeping the storage offset of each operand (broadcast to that
 * shape) in {@link #off}. Operand 0 is usually the output.
 */
final class StridedWalk {
    final int[] off;
    private final int[] shape;
    private final int[][] strides;
    private final int[] idx;

    StridedWalk(int[] shape, Tensor... operands) {
        this.shape = shape;
        this.off = new int[operands.length];
        this.strides = new int[operands.length][];
        for (int k = 0; k < operands.length; k++) {
            off[k] = operands[k].offset;
            strides[k] = Shapes.broadcastStrides(operands[k].shape, operands[k].strides, shape);
        }
        this.idx = new int[shape.length];
    }

    /** Advances to the next element. */
    void next() {
        for (int d = shape.length - 1; d >= 0; d--) {
            for (int k = 0; k < off.length; k++) off[k] += strides[k][d];
            if (++idx[d] < shape[d]) return;
            for (int k = 0; k < off.length; k++) off[k] -= strides[k][d] * shape[d];
            idx[d] = 0;
        }
    }
}
