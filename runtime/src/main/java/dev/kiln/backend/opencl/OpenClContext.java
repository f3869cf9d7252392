package dev.kiln.backend.opencl;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceProgram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import static dev.kiln.backend.opencl.ClErrors.check;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One OpenCL context on one device, with one in-order queue: commands run in the order they are queued, so a
 * blocking download sees every kernel queued before it, and no events are needed. It owns what it creates (buffers,
 * programs, their kernels) and releases whatever is still alive when it closes.
 */
final class OpenClContext implements DeviceContext {
    private final ClDevices.ClDevice device;
    private final MemorySegment context;
    private final MemorySegment queue;
    /** {@code cl_device_id[1]} for clBuildProgram, and the kernels' argument scratch: both live as long as this. */
    private final Arena arena = Arena.ofShared();
    private final MemorySegment deviceList;
    private final long maxAllocBytes;
    private final long globalMemBytes;
    private final long maxWorkGroupSize;
    /**
     * Addresses of the cl_mem objects not yet released. A buffer is released once, by whichever comes first: its
     * close(), the Cleaner after it became unreachable (tensors are often just dropped), or this context's close().
     * The Cleaner runs on its own thread, hence the lock.
     */
    private final Set<Long> liveBuffers = new HashSet<>();
    private final List<OpenClProgram> programs = new ArrayList<>();
    private volatile boolean closed;

    OpenClContext(ClDevices.ClDevice device) {
        this.device = device;
        MemorySegment id = device.id();
        // The limits go into error messages (an allocation or a work-group the device refuses); asked before any
        // native object exists, so a failure here leaks nothing.
        this.maxAllocBytes = OpenCl.infoLong((size, value, sizeRet) ->
                OpenCl.getDeviceInfo(id, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE, size, value, sizeRet),
                "clGetDeviceInfo(CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
        this.globalMemBytes = OpenCl.infoLong((size, value, sizeRet) ->
                OpenCl.getDeviceInfo(id, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE, size, value, sizeRet),
                "clGetDeviceInfo(CL_DEVICE_GLOBAL_MEM_SIZE)");
        this.maxWorkGroupSize = OpenCl.infoLong((size, value, sizeRet) ->
                OpenCl.getDeviceInfo(id, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE, size, value, sizeRet),
                "clGetDeviceInfo(CL_DEVICE_MAX_WORK_GROUP_SIZE)");
        try (Arena call = Arena.ofConfined()) {
            MemorySegment err = call.allocate(JAVA_INT);
            MemorySegment properties = call.allocate(MemoryLayout.sequenceLayout(3, JAVA_LONG));
            properties.setAtIndex(JAVA_LONG, 0, OpenCl.CL_CONTEXT_PLATFORM);
            properties.setAtIndex(JAVA_LONG, 1, device.platform().address());
            properties.setAtIndex(JAVA_LONG, 2, 0L);
            this.context = OpenCl.createContext(properties, 1, OpenCl.handles(call, id), err);
            check(err.get(JAVA_INT, 0), "clCreateContext", "opening " + describe());
            this.queue = OpenCl.createCommandQueue(context, id, device.openCl2(), err);
            int rc = err.get(JAVA_INT, 0);
            if (rc != ClErrors.CL_SUCCESS) {
                OpenCl.releaseContext(context);
                throw ClErrors.error("clCreateCommandQueue", rc, "opening the queue of " + describe());
            }
        }
        this.deviceList = OpenCl.handles(arena, id);
    }

    @Override
    public Device device() { return device.device(); }

    @Override
    public String name() { return device.name(); }

    /** "opencl:0 (pthread-skylake...)", for messages. */
    String describe() { return device.device() + " (" + device.name() + ")"; }

    MemorySegment context() { return context; }
    MemorySegment queue() { return queue; }
    MemorySegment deviceList() { return deviceList; }
    MemorySegment deviceId() { return device.id(); }
    Arena arena() { return arena; }
    long maxWorkGroupSize() { return maxWorkGroupSize; }

    void ensureOpen() {
        if (closed) throw new IllegalStateException(describe() + " is closed");
    }

    /** {@code buffer} as one of this context's open buffers, or an exception naming its {@code role}. */
    OpenClBuffer own(DeviceBuffer buffer, String role) {
        if (buffer instanceof OpenClBuffer b && b.owner() == this) return b;
        throw new IllegalArgumentException(role + " is not a buffer of " + describe() + ": " + buffer);
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        ensureOpen();
        if (floats < 0) throw new IllegalArgumentException("cannot allocate " + floats + " floats");
        if (floats > Long.MAX_VALUE / Float.BYTES) {
            throw new DeviceException("cannot allocate " + floats + " floats on " + describe()
                    + ": the size in bytes overflows");
        }
        long bytes = Math.max(1, floats) * Float.BYTES; // OpenCL refuses size 0; an empty tensor gets one float
        MemorySegment handle;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment err = call.allocate(JAVA_INT);
            handle = OpenCl.createBuffer(context, OpenCl.CL_MEM_READ_WRITE, bytes, err);
            int rc = err.get(JAVA_INT, 0);
            if (rc != ClErrors.CL_SUCCESS) {
                throw ClErrors.error("clCreateBuffer", rc, "allocating " + floats + " floats (" + bytes + " bytes) on "
                        + describe() + ", which allows at most " + maxAllocBytes + " bytes in one buffer and has "
                        + globalMemBytes + " bytes in all");
            }
        }
        synchronized (liveBuffers) {
            liveBuffers.add(handle.address());
        }
        return new OpenClBuffer(this, handle, floats);
    }

    /** Releases the cl_mem at {@code address} unless it was released already (see {@link #liveBuffers}). */
    void releaseBuffer(long address) {
        synchronized (liveBuffers) {
            if (liveBuffers.remove(address)) OpenCl.releaseMemObject(MemorySegment.ofAddress(address));
        }
    }

    /** How many cl_mem objects this context has not released yet (for tests of the release paths). */
    int liveBuffers() {
        synchronized (liveBuffers) {
            return liveBuffers.size();
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int count) {
        ensureOpen();
        Objects.checkFromIndexSize(srcOffset, count, src.length);
        OpenClBuffer buffer = own(dst, "upload destination");
        checkRange(buffer, dstOffset, count, "upload");
        if (count == 0) return;
        drainBeforeCriticalCopy();
        // Straight from the Java array: the write is blocking and a critical call (see OpenCl).
        MemorySegment host = MemorySegment.ofArray(src)
                .asSlice((long) srcOffset * Float.BYTES, (long) count * Float.BYTES);
        int rc = OpenCl.writeBuffer(queue, buffer.handle(), dstOffset * Float.BYTES, (long) count * Float.BYTES, host);
        if (rc != ClErrors.CL_SUCCESS) {
            throw ClErrors.error("clEnqueueWriteBuffer", rc, "uploading " + count + " floats to offset " + dstOffset
                    + " of " + buffer);
        }
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int count) {
        ensureOpen();
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        OpenClBuffer buffer = own(src, "download source");
        checkRange(buffer, srcOffset, count, "download");
        if (count == 0) return;
        drainBeforeCriticalCopy();
        MemorySegment host = MemorySegment.ofArray(dst)
                .asSlice((long) dstOffset * Float.BYTES, (long) count * Float.BYTES);
        int rc = OpenCl.readBuffer(queue, buffer.handle(), srcOffset * Float.BYTES, (long) count * Float.BYTES, host);
        if (rc != ClErrors.CL_SUCCESS) {
            throw ClErrors.error("clEnqueueReadBuffer", rc, "downloading " + count + " floats from offset " + srcOffset
                    + " of " + buffer);
        }
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long count) {
        ensureOpen();
        OpenClBuffer from = own(src, "copy source");
        OpenClBuffer to = own(dst, "copy destination");
        checkRange(from, srcOffset, count, "copy from");
        checkRange(to, dstOffset, count, "copy to");
        if (count == 0) return;
        int rc = OpenCl.copyBuffer(queue, from.handle(), to.handle(), srcOffset * Float.BYTES, dstOffset * Float.BYTES,
                count * Float.BYTES);
        if (rc != ClErrors.CL_SUCCESS) {
            throw ClErrors.error("clEnqueueCopyBuffer", rc, "copying " + count + " floats from offset " + srcOffset
                    + " of " + from + " to offset " + dstOffset + " of " + to);
        }
    }

    /**
     * A blocking copy on an in-order queue first waits for every kernel queued before it. That wait happens here, in
     * an ordinary call, because inside a critical call the thread holds off every safepoint of the JVM (garbage
     * collection included) for as long as the driver takes: a long kernel would stall all Java threads. The critical
     * call that follows only copies.
     */
    private void drainBeforeCriticalCopy() {
        check(OpenCl.finish(queue), "clFinish", "waiting for the kernels queued on " + describe() + " before a copy");
    }

    /** Java-side bounds check: the driver would catch it too, but without saying which copy and which sizes. */
    private static void checkRange(OpenClBuffer buffer, long offset, long count, String what) {
        if (offset < 0 || count < 0 || offset > buffer.floats() - count) {
            throw new IndexOutOfBoundsException(what + " of " + count + " floats at offset " + offset
                    + " is outside " + buffer);
        }
    }

    @Override
    public DeviceProgram compile(String name, String source) {
        ensureOpen();
        OpenClProgram program = new OpenClProgram(this, name, source);
        programs.add(program);
        return program;
    }

    @Override
    public void finish() {
        ensureOpen();
        check(OpenCl.finish(queue), "clFinish", "waiting for the queue of " + describe());
    }

    @Override
    public boolean isClosed() { return closed; }

    /** Waits for the queue, then releases kernels, programs, buffers, the queue and the context. Twice is harmless. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        OpenCl.finish(queue); // a failure here is already reported by the launch or copy that caused it
        for (OpenClProgram program : programs) program.release();
        programs.clear();
        synchronized (liveBuffers) {
            for (long address : liveBuffers) OpenCl.releaseMemObject(MemorySegment.ofAddress(address));
            liveBuffers.clear();
        }
        OpenCl.releaseCommandQueue(queue);
        OpenCl.releaseContext(context);
        arena.close();
    }

    @Override
    public String toString() { return "OpenClContext[" + describe() + (closed ? ", closed]" : "]"); }
}
