package dev.kiln.io;

/**
 * Converts elements stored in Fortran (column-major) order, as NumPy saves a Fortran-contiguous
 * array, to the row-major order that {@link NpyArray} and Kiln's tensors use.
 */
final class FortranOrder {

    /** Copies element {@code src} of the source to element {@code dst} of the result. */
    private interface Mover {
        void move(int dst, int src);
    }

    private FortranOrder() {}

    /** A new primitive array of {@code data}'s type holding its elements in row-major order. */
    static Object toRowMajor(Object data, int[] shape) {
        int n = java.lang.reflect.Array.getLength(data);
        Object out = java.lang.reflect.Array.newInstance(data.getClass().componentType(), n);
        // One lambda per element type keeps the index walk below generic without boxing.
        Mover mover = switch (data) {
            case boolean[] s -> (d, i) -> ((boolean[]) out)[d] = s[i];
            case short[] s -> (d, i) -> ((short[]) out)[d] = s[i];
            case int[] s -> (d, i) -> ((int[]) out)[d] = s[i];
            case long[] s -> (d, i) -> ((long[]) out)[d] = s[i];
            case float[] s -> (d, i) -> ((float[]) out)[d] = s[i];
            case double[] s -> (d, i) -> ((double[]) out)[d] = s[i];
            default -> throw new IllegalArgumentException("not a primitive element array: "
                    + data.getClass().getSimpleName());
        };
        walk(shape, n, mover);
        return out;
    }

    /**
     * Visits the elements in row-major order, tracking each one's column-major offset as an
     * odometer: the last index turns fastest, and each turn moves the source by that axis's
     * column-major stride (the product of the dimensions before it).
     */
    private static void walk(int[] shape, int n, Mover mover) {
        int rank = shape.length;
        int[] stride = new int[rank];
        for (int axis = 0, s = 1; axis < rank; s *= shape[axis], axis++) stride[axis] = s;
        int[] index = new int[rank];
        int src = 0;
        for (int dst = 0; dst < n; dst++) {
            mover.move(dst, src);
            for (int axis = rank - 1; axis >= 0; axis--) {
                src += stride[axis];
                if (++index[axis] < shape[axis]) break;
                src -= stride[axis] * shape[axis];
                index[axis] = 0;
            }
        }
    }
}
