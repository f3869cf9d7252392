package dev.kiln.io;

import dev.kiln.tensor.DType;

import java.nio.ByteBuffer;

/**
 * The element types Kiln reads from {@code .npy} files, with the Kiln dtype each lands in. Kiln's
 * dtypes that NumPy has map one to one (int8 and uint8 included, without widening); uint16 and
 * uint32 widen to the next signed type that holds every value, so that reading never loses
 * information. uint64 has no such type and is refused, and NumPy has no bfloat16.
 */
enum NpyType {
    BOOL('b', 1, DType.BOOL) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            boolean[] d = (boolean[]) dst;
            // NumPy treats any non-zero byte as True, so a hand-made file with 2s still reads.
            for (int i = 0; i < count; i++) d[offset + i] = src.get(i) != 0;
        }
    },
    INT8('i', 1, DType.INT8) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.get(0, (byte[]) dst, offset, count);
        }
    },
    UINT8('u', 1, DType.UINT8) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.get(0, (byte[]) dst, offset, count);
        }
    },
    INT16('i', 2, DType.INT16) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.asShortBuffer().get((short[]) dst, offset, count);
        }
    },
    UINT16('u', 2, DType.INT32) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            int[] d = (int[]) dst;
            for (int i = 0; i < count; i++) d[offset + i] = src.getShort(2 * i) & 0xFFFF;
        }
    },
    INT32('i', 4, DType.INT32) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.asIntBuffer().get((int[]) dst, offset, count);
        }
    },
    UINT32('u', 4, DType.INT64) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            long[] d = (long[]) dst;
            for (int i = 0; i < count; i++) d[offset + i] = src.getInt(4 * i) & 0xFFFF_FFFFL;
        }
    },
    INT64('i', 8, DType.INT64) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.asLongBuffer().get((long[]) dst, offset, count);
        }
    },
    FLOAT16('f', 2, DType.FLOAT16) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.asShortBuffer().get((short[]) dst, offset, count);
        }
    },
    FLOAT32('f', 4, DType.FLOAT32) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.asFloatBuffer().get((float[]) dst, offset, count);
        }
    },
    FLOAT64('f', 8, DType.FLOAT64) {
        @Override void decode(ByteBuffer src, Object dst, int offset, int count) {
            src.asDoubleBuffer().get((double[]) dst, offset, count);
        }
    };

    private final char kind;
    private final int itemSize;
    private final DType dtype;

    NpyType(char kind, int itemSize, DType dtype) {
        this.kind = kind;
        this.itemSize = itemSize;
        this.dtype = dtype;
    }

    /**
     * Decodes {@code count} elements from the start of {@code src} (whose byte order is set) into
     * {@code dst}, an array of {@link #dtype()}'s storage type, from index {@code offset}.
     */
    abstract void decode(ByteBuffer src, Object dst, int offset, int count);

    int itemSize() { return itemSize; }

    /** The Kiln dtype the elements are read into. */
    DType dtype() { return dtype; }

    /** NumPy's name for the stored type, e.g. uint8, for messages about the file's contents. */
    String numpyName() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** The descr Kiln writes for a dtype: little-endian, or '|' where byte order does not apply. */
    static String descrFor(DType dtype) {
        if (dtype == DType.BFLOAT16) throw NpyArray.noBfloat16();
        NpyType t = valueOf(dtype.name());
        return (t.itemSize == 1 ? "|" : "<") + t.kind + t.itemSize;
    }

    /** The type a descr's kind and size name, e.g. ('f', 4); null when Kiln has none. */
    static NpyType of(char kind, int itemSize) {
        for (NpyType t : values()) if (t.kind == kind && t.itemSize == itemSize) return t;
        return null;
    }
}
