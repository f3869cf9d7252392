package dev.kiln.backend.cpu;

/**
 * The per-sample layout of a model with several inputs or outputs: sample s of the caller's batch holds each
 * input's floats one after another ({@code stride} floats per sample), so the {@link Trainer}'s shuffling and
 * batching work unchanged; generated code unpacks the parts into contiguous {@code [n, size]} arrays and back.
 */
public final class Packing {
    private Packing() {}

    /** Copies the part at {@code offset} of each of n samples of {@code packed} into contiguous {@code part}. */
    public static void unpack(float[] packed, int stride, int offset, int n, float[] part, int size) {
        for (int s = 0; s < n; s++) System.arraycopy(packed, s * stride + offset, part, s * size, size);
    }

    /** The inverse of {@link #unpack}: writes contiguous {@code part} into the part at {@code offset} of each sample. */
    public static void pack(float[] part, int size, int n, float[] packed, int stride, int offset) {
        for (int s = 0; s < n; s++) System.arraycopy(part, s * size, packed, s * stride + offset, size);
    }
}
