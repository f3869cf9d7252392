package dev.kiln.backend;

/**
 * An open device: one context and one in-order queue (OpenCL) or stream (CUDA), used from one thread at a time.
 * Buffers hold float32 values; copies with {@code float[]} on the host are blocking (they return once the host array
 * may be reused or read). Kernels are compiled from source in Kiln's kernel dialect ({@link KernelDialect}), to which
 * the backend prepends its prelude.
 */
public interface DeviceContext extends AutoCloseable {
    Device device();

    /** The driver's name for the device. */
    String name();

    /** A buffer of {@code floats} float32 values, uninitialised; out of memory throws with the size asked for. */
    DeviceBuffer allocate(long floats);

    /** Copies {@code count} floats from {@code src[srcOffset..]} to {@code dst} at float offset {@code dstOffset}. */
    void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int count);

    /** Copies {@code count} floats from {@code src} at float offset {@code srcOffset} into {@code dst[dstOffset..]}. */
    void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int count);

    /** Device-to-device copy of {@code count} floats, queued (ordered with kernels). */
    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long count);

    /**
     * Compiles {@code source} (dialect, without prelude) into a program named {@code name}; a source that does not
     * build throws a {@link DeviceException} with {@code name} and the compiler's log.
     */
    DeviceProgram compile(String name, String source);

    /** Waits until everything queued has finished. */
    void finish();

    boolean isClosed();

    /** Releases the queue and context; buffers and programs from this context must not be used afterwards. */
    @Override
    void close();
}
