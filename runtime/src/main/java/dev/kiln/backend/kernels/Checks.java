package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;

/**
 * Argument checks made before a launch: a kernel that indexes past a buffer corrupts device memory or faults the
 * whole context, so ranges are checked on the host, against the buffer's size and the kernels' int indexing.
 */
final class Checks {
    private Checks() {}

    /** {@code [off, off + count)} lies inside {@code buffer} and within int indexing. */
    static void range(String name, DeviceBuffer buffer, long off, long count) {
        if (buffer == null) throw new NullPointerException(name + " is null");
        if (off < 0 || count < 0) {
            throw new IndexOutOfBoundsException(name + ": negative offset " + off + " or count " + count);
        }
        if (off + count > buffer.floats()) {
            throw new IndexOutOfBoundsException(name + ": " + count + " floats from offset " + off
                    + " exceed the buffer's " + buffer.floats());
        }
        if (off + count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": index " + (off + count)
                    + " exceeds the kernels' int indexing");
        }
    }

    /** A rows x cols row-major matrix at {@code off} with rows {@code ld} apart lies inside {@code buffer}. */
    static void matrix(String name, DeviceBuffer buffer, int rows, int cols, int off, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld
                    + " is less than its row length " + cols);
        }
        if (rows == 0 || cols == 0) {
            range(name, buffer, off, 0);
            return;
        }
        range(name, buffer, off, (long) (rows - 1) * ld + cols);
    }

    static void classes(int classes) {
        if (classes <= 0) throw new IllegalArgumentException("classes must be positive, got " + classes);
    }

    /** A one-dimensional launch of {@code items} work items fits an int. */
    static void items(long items) {
        if (items > Integer.MAX_VALUE) throw new IllegalArgumentException(items + " work items exceed one launch");
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    static long ceilDiv(long x, long y) {
        return (x + y - 1) / y;
    }
}
