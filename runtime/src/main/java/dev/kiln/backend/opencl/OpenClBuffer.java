package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * A {@code cl_mem} of {@link #floats} float32 values. Released by {@link #close}, by its context's close, or by the
 * Cleaner once unreachable, whichever is first; the context makes sure it happens once.
 */
final class OpenClBuffer implements DeviceBuffer {
    private static final Cleaner CLEANER = Cleaner.create();

    private final OpenClContext owner;
    private final MemorySegment handle;
    private final long floats;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    OpenClBuffer(OpenClContext owner, MemorySegment handle, long floats) {
        this.owner = owner;
        this.handle = handle;
        this.floats = floats;
        this.cleanable = CLEANER.register(this, releaser(owner, handle.address()));
    }

    /** Static, so the action holds the context and the address but not this buffer (which would never be freed). */
    private static Runnable releaser(OpenClContext owner, long address) {
        return () -> owner.releaseBuffer(address);
    }

    @Override
    public long floats() { return floats; }

    OpenClContext owner() { return owner; }

    /** The cl_mem for a call; a closed buffer (or one of a closed context) throws rather than give a dead handle. */
    MemorySegment handle() {
        if (closed) throw new IllegalStateException(this + " is closed");
        owner.ensureOpen();
        return handle;
    }

    @Override
    public void close() {
        closed = true;
        cleanable.clean(); // runs the release at most once
    }

    @Override
    public String toString() { return "buffer of " + floats + " floats on " + owner.describe(); }
}
