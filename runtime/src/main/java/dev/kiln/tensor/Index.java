package dev.kiln.tensor;

/**
 * Index objects for {@link Tensor#get} and {@link Tensor#set}, standing in for Python's
 * subscript syntax: {@code t[::2, 1::2]} is {@code t.get(slice(null, null, 2), slice(1, null, 2))}.
 */
public final class Index {
    private Index() {}

    /** {@code ...} */
    public enum Marker { ELLIPSIS, NEW_AXIS }

    /** {@code :} */
    public static Slice all() { return new Slice(null, null, 1); }

    /** {@code start:stop} */
    public static Slice slice(Integer start, Integer stop) { return new Slice(start, stop, 1); }

    /** {@code start:stop:step} */
    public static Slice slice(Integer start, Integer stop, int step) { return new Slice(start, stop, step); }

    /** {@code ...} */
    public static Marker ellipsis() { return Marker.ELLIPSIS; }

    /** {@code None}: inserts a dimension of size 1. */
    public static Marker newAxis() { return Marker.NEW_AXIS; }

    /** An index list, {@code [1, 2, 3]}. */
    public static long[] list(long... indices) { return indices; }
}
