package dev.kiln.backend;

/** Device memory of {@link #floats} float32 values, owned by the {@link DeviceContext} that allocated it. */
public interface DeviceBuffer extends AutoCloseable {
    long floats();

    /** Frees the memory; further use is an error. Closing twice is harmless. */
    @Override
    void close();
}
