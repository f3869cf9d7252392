package dev.kiln.io;

import dev.kiln.tensor.DType;

import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array as a {@code .npy} file holds it: a shape, a dtype and the elements in
 * row-major (C) order, in the primitive array that {@link DType} uses for storage: {@code boolean[]}
 * for bool, {@code byte[]} for uint8 (read unsigned) and int8, {@code short[]} for int16, {@code int[]} for int32, {@code long[]} for int64,
 * {@code short[]} of IEEE half bits for float16, {@code float[]} for float32, {@code double[]} for
 * float64.
 *
 * <p>The shape is copied in and out, so the record stays valid; the data array is shared, not
 * copied, because it may be gigabytes. A 0-d array (a NumPy scalar) has shape {@code []} and one
 * element. {@link #equals} compares shapes and elements by content (floats by their bits, as
 * {@link Arrays#equals(float[], float[])} does), so two reads of the same file are equal.
 */
public record NpyArray(int[] shape, DType dtype, Object data) {

    public NpyArray {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        if (dtype == DType.BFLOAT16) throw noBfloat16();
        shape = shape.clone();
        Class<?> want = arrayClass(dtype);
        if (data.getClass() != want) {
            throw new IllegalArgumentException("NpyArray: dtype " + dtype.torchName() + " needs a "
                    + want.getSimpleName() + " but data is a " + data.getClass().getSimpleName());
        }
        long size = elementCount(shape);
        int length = java.lang.reflect.Array.getLength(data);
        if (length != size) {
            throw new IllegalArgumentException("NpyArray: shape " + shapeText(shape) + " has " + size
                    + " elements but the " + want.getSimpleName() + " has " + length);
        }
    }

    /** A copy, so that callers cannot reshape the record behind its validation. */
    @Override public int[] shape() { return shape.clone(); }

    /** The number of elements: the product of the shape, 1 for a 0-d array. */
    public int size() { return java.lang.reflect.Array.getLength(data); }

    /** The primitive array class that holds elements of {@code dtype}. */
    public static Class<?> arrayClass(DType dtype) {
        return switch (dtype) {
            case BOOL -> boolean[].class;
            case UINT8, INT8 -> byte[].class;
            case INT16, FLOAT16, BFLOAT16 -> short[].class;
            case INT32 -> int[].class;
            case INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
        };
    }

    /** NumPy has no bfloat16 type, so a {@code .npy} file cannot hold one. */
    static IllegalArgumentException noBfloat16() {
        return new IllegalArgumentException("NpyArray: NumPy has no bfloat16 dtype, so .npy cannot hold torch.bfloat16;"
                + " convert with toFloat() first (exact), or save it with Safetensors (BF16)");
    }

    /** The product of the dimensions, after rejecting negative ones; see {@link #product}. */
    static long elementCount(int[] shape) {
        long[] wide = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("NpyArray: shape " + shapeText(shape)
                        + " has a negative dimension " + shape[i]);
            }
            wide[i] = shape[i];
        }
        return product(wide);
    }

    /**
     * The product of non-negative dimensions, exact while it fits a Java array and otherwise some
     * value above {@link Integer#MAX_VALUE}: a shape read from a file may describe more elements
     * than a long counts, and callers only need to know that it is too many.
     */
    static long product(long[] shape) {
        for (long d : shape) if (d == 0) return 0;
        long n = 1;
        for (long d : shape) {
            n = n > Integer.MAX_VALUE || d > Integer.MAX_VALUE ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    /** Python's repr of the shape tuple, as NumPy writes it in headers: (), (3,), (2, 3). */
    static String shapeText(int[] shape) {
        long[] wide = new long[shape.length];
        for (int i = 0; i < shape.length; i++) wide[i] = shape[i];
        return shapeText(wide);
    }

    static String shapeText(long[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) s.append(", ");
            s.append(shape[i]);
        }
        return s.append(shape.length == 1 ? ",)" : ")").toString();
    }

    @Override public boolean equals(Object o) {
        return o instanceof NpyArray other && dtype == other.dtype
                && Arrays.equals(shape, other.shape) && Objects.deepEquals(data, other.data);
    }

    @Override public int hashCode() {
        return Objects.hash(Arrays.hashCode(shape), dtype, Arrays.deepHashCode(new Object[] {data}));
    }

    /** Shape and dtype only: printing a large array's elements is never what a log wants. */
    @Override public String toString() {
        return "NpyArray[shape=" + shapeText(shape) + ", dtype=" + dtype.torchName() + "]";
    }
}
