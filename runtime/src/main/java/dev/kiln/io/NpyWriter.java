package dev.kiln.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Writes arrays in the bytes {@code numpy.save} produces; see {@link Npy#write}. */
final class NpyWriter {

    /** Elements are encoded through a buffer of this many bytes, a multiple of every item size. */
    private static final int CHUNK = 1 << 16;

    private NpyWriter() {}

    static void write(OutputStream out, NpyArray array) throws IOException {
        out.write(NpyHeader.encode(array.shape(), array.dtype()));
        int itemSize = array.dtype().byteSize();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK / itemSize;
        for (int start = 0, n = array.size(); start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buf.clear();
            encode(array.data(), start, count, buf);
            out.write(buf.array(), 0, count * itemSize);
        }
    }

    /** Puts elements [start, start + count) of {@code data} at the start of {@code buf}. */
    private static void encode(Object data, int start, int count, ByteBuffer buf) {
        switch (data) {
            case boolean[] d -> {
                for (int i = 0; i < count; i++) buf.put(i, (byte) (d[start + i] ? 1 : 0));
            }
            case byte[] d -> buf.put(0, d, start, count);
            case short[] d -> buf.asShortBuffer().put(d, start, count);
            case int[] d -> buf.asIntBuffer().put(d, start, count);
            case long[] d -> buf.asLongBuffer().put(d, start, count);
            case float[] d -> buf.asFloatBuffer().put(d, start, count);
            case double[] d -> buf.asDoubleBuffer().put(d, start, count);
            default -> throw new IllegalStateException("NpyArray validated its data as a primitive"
                    + " array, but it is a " + data.getClass().getSimpleName());
        }
    }

    /**
     * Writes to a temporary file beside {@code path}, forces it to disk, then renames it over
     * {@code path}: a crash or a full disk leaves either the old file or the complete new one,
     * never a truncated array that would load as garbage later.
     */
    static void write(Path path, NpyArray array) throws IOException {
        AtomicFiles.write(path, out -> write(out, array));
    }
}
