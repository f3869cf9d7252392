package dev.kiln.backend.cuda;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import dev.kiln.backend.KernelDialect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One open CUDA device: its primary context (retained, never created: {@code cuCtxCreate} changed in CUDA 13), one
 * stream that every copy and launch is queued on, and the buffers and modules made here. A CUDA context is current
 * per OS thread, so each entry point makes it current on the calling thread first ({@code cuCtxSetCurrent} is cheap):
 * the context may be used from any one thread at a time.
 *
 * <p>Host copies go through native staging memory with the {@code Async_v2} copies and a stream synchronise, so they
 * are ordered after queued kernels and return once the host array may be reused or read.
 */
final class CudaContext implements DeviceContext {
    /** NVRTC options beyond the architecture: none (no --use_fast_math: the CPU's results are the reference). */
    static final List<String> NVRTC_OPTIONS = List.of();
    /** Largest host copy staged at once, in floats (64 MiB). */
    private static final int STAGING_FLOATS = 16 << 20;

    private final CudaDriver driver;
    private final Device device;
    private final int cuDevice;
    private final String name;
    private final int computeCapability;
    private final long totalMemory;
    private final int maxThreadsPerBlock;
    private final Nvrtc nvrtc;
    private final String arch;
    private final PtxCache cache;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final Set<CudaBuffer> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<CudaProgram> programs = new ArrayList<>();
    private boolean closed;

    CudaContext(CudaDriver driver, int index, Path nvrtcPath, PtxCache cache) {
        this.driver = driver;
        this.device = new Device(Device.Kind.CUDA, index);
        this.cache = cache;
        int count = driver.deviceCount();
        if (index >= count) {
            throw new DeviceException(device + " does not exist: the CUDA driver " + driver.versionString() + " reports "
                    + count + " device" + (count == 1 ? "" : "s") + (count > 0 ? " (cuda:0 to cuda:" + (count - 1) + ")" : ""));
        }
        cuDevice = driver.device(index);
        name = driver.deviceName(cuDevice);
        computeCapability = driver.computeCapability(cuDevice);
        totalMemory = driver.totalMemory(cuDevice);
        maxThreadsPerBlock = driver.attribute(cuDevice, CudaDriver.ATTRIBUTE_MAX_THREADS_PER_BLOCK);
        // NVRTC before the context: a missing compiler leaves nothing to release.
        nvrtc = Nvrtc.load(nvrtcPath, driver.version() / 1000);
        arch = chooseArch(nvrtc, computeCapability, device + " (" + name + ")");
        context = driver.primaryContextRetain(cuDevice);
        MemorySegment s;
        try {
            driver.setCurrent(context);
            s = driver.streamCreate();
        } catch (RuntimeException e) {
            driver.primaryContextRelease(cuDevice);
            throw e;
        }
        stream = s;
    }

    /**
     * The virtual architecture to compile for: {@code compute_XY} of the device where NVRTC supports it, else the
     * newest one NVRTC supports below it (the driver JIT-compiles older PTX for newer GPUs).
     */
    static String chooseArch(Nvrtc nvrtc, int computeCapability, String what) {
        int[] supported = nvrtc.supportedArchs();
        int best = -1;
        for (int a : supported) if (a <= computeCapability) best = a;
        if (best < 0) {
            throw new DeviceException(what + " has compute capability " + computeCapability / 10 + "." + computeCapability % 10
                    + ", below what NVRTC " + nvrtc.version() + " (" + nvrtc.library() + ") targets "
                    + Arrays.toString(supported) + ": point -Dkiln.nvrtc at an older NVRTC (CUDA 12 supports compute_50+)");
        }
        return "compute_" + best;
    }

    private void enter() {
        if (closed) throw new DeviceException(device + " (" + name + ") is closed");
        driver.setCurrent(context);
    }

    @Override
    public Device device() { return device; }

    @Override
    public String name() { return name; }

    /** The virtual architecture programs are compiled for, e.g. {@code compute_90}. */
    String arch() { return arch; }

    int computeCapability() { return computeCapability; }

    Nvrtc nvrtc() { return nvrtc; }

    PtxCache cache() { return cache; }

    @Override
    public DeviceBuffer allocate(long floats) {
        if (floats < 0) throw new IllegalArgumentException("buffer size must be >= 0 floats, got " + floats);
        enter();
        long bytes = Math.max(1, floats) * Float.BYTES;
        long pointer;
        try {
            pointer = driver.memAlloc(bytes);
        } catch (CudaDriver.CudaError e) {
            if (e.code != CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) throw e;
            String free = "";
            try {
                long[] info = driver.memInfo();
                free = String.format(Locale.ROOT, "; %,d bytes free of %,d", info[0], info[1]);
            } catch (RuntimeException ignored) {
                free = String.format(Locale.ROOT, "; the device has %,d bytes in all", totalMemory);
            }
            throw new DeviceException(String.format(Locale.ROOT, "%s (%s): out of device memory allocating %,d floats (%,d bytes)%s",
                    device, name, floats, bytes, free), e);
        }
        CudaBuffer buffer = new CudaBuffer(this, pointer, floats);
        buffers.add(buffer);
        return buffer;
    }

    private CudaBuffer own(DeviceBuffer buffer, String role) {
        Objects.requireNonNull(buffer, role);
        if (!(buffer instanceof CudaBuffer b) || b.owner != this) {
            throw new IllegalArgumentException(role + " buffer " + buffer + " does not belong to " + device + " (" + name + ")");
        }
        if (b.closed) throw new IllegalStateException(role + " buffer " + b + " is closed");
        return b;
    }

    private static void checkRange(CudaBuffer b, long offset, long count, String role) {
        if (offset < 0 || count < 0 || offset > b.floats - count) {
            throw new IndexOutOfBoundsException(role + " range [" + offset + ", " + offset + " + " + count + ") is outside "
                    + b + " of " + b.floats + " floats");
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int count) {
        Objects.checkFromIndexSize(srcOffset, count, src.length);
        CudaBuffer d = own(dst, "destination");
        checkRange(d, dstOffset, count, "destination");
        if (count == 0) return;
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate((long) Math.min(count, STAGING_FLOATS) * Float.BYTES, 16);
            for (int done = 0; done < count; ) {
                int n = Math.min(count - done, STAGING_FLOATS);
                MemorySegment.copy(src, srcOffset + done, staging, JAVA_FLOAT, 0, n);
                driver.memcpyHtoDAsync(d.pointer + (dstOffset + done) * Float.BYTES, staging, (long) n * Float.BYTES, stream);
                sync("upload");
                done += n;
            }
        }
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int count) {
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        CudaBuffer s = own(src, "source");
        checkRange(s, srcOffset, count, "source");
        if (count == 0) return;
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate((long) Math.min(count, STAGING_FLOATS) * Float.BYTES, 16);
            for (int done = 0; done < count; ) {
                int n = Math.min(count - done, STAGING_FLOATS);
                driver.memcpyDtoHAsync(staging, s.pointer + (srcOffset + done) * Float.BYTES, (long) n * Float.BYTES, stream);
                sync("download");
                MemorySegment.copy(staging, JAVA_FLOAT, 0, dst, dstOffset + done, n);
                done += n;
            }
        }
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long count) {
        CudaBuffer s = own(src, "source");
        CudaBuffer d = own(dst, "destination");
        checkRange(s, srcOffset, count, "source");
        checkRange(d, dstOffset, count, "destination");
        if (count == 0) return;
        enter();
        driver.memcpyDtoDAsync(d.pointer + dstOffset * Float.BYTES, s.pointer + srcOffset * Float.BYTES, count * Float.BYTES, stream);
    }

    private void sync(String what) {
        try {
            driver.streamSynchronize(stream);
        } catch (CudaDriver.CudaError e) {
            throw new DeviceException(device + " (" + name + "): " + what + " failed; the error may come from an earlier"
                    + " kernel or copy on the stream: " + e.getMessage(), e);
        }
    }

    @Override
    public DeviceProgram compile(String programName, String source) {
        Objects.requireNonNull(programName, "program name");
        Objects.requireNonNull(source, "source");
        String full = KernelDialect.withPrelude(Device.Kind.CUDA, source);
        String ptx = cache.ptx(nvrtc, programName, full, arch, NVRTC_OPTIONS);
        enter();
        CudaDriver.ModuleLoad load = driver.moduleLoadData(ptx);
        if (load.result() != CudaDriver.CUDA_SUCCESS) {
            String hint = switch (load.result()) {
                case CudaDriver.CUDA_ERROR_UNSUPPORTED_PTX_VERSION, CudaDriver.CUDA_ERROR_INVALID_PTX ->
                        " NVRTC " + nvrtc.version() + " wrote this PTX; the driver supports CUDA " + driver.versionString()
                                + ": a driver older than NVRTC cannot load its PTX (update the driver, or point"
                                + " -Dkiln.nvrtc at an NVRTC no newer than the driver).";
                default -> "";
            };
            throw new DeviceException("CUDA program '" + programName + "' compiled (" + arch + ") but the driver cannot load it on "
                    + device + " (" + name + "): cuModuleLoadDataEx failed: " + driver.describe(load.result()) + "." + hint
                    + (load.errorLog().isEmpty() ? "" : "\nJIT log:\n" + load.errorLog()));
        }
        CudaProgram program = new CudaProgram(this, programName, load.module(), PtxEntries.parse(ptx));
        programs.add(program);
        return program;
    }

    @Override
    public void finish() {
        enter();
        sync("finish");
    }

    @Override
    public boolean isClosed() { return closed; }

    /** Waits for the stream, frees every buffer, unloads every module, destroys the stream, releases the context. */
    @Override
    public void close() {
        if (closed) return;
        RuntimeException first = null;
        try {
            driver.setCurrent(context);
            driver.streamSynchronize(stream);
        } catch (RuntimeException e) {
            first = e;
        }
        for (CudaBuffer b : List.copyOf(buffers)) {
            try {
                b.closed = true;
                driver.memFree(b.pointer);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        buffers.clear();
        for (CudaProgram p : programs) {
            try {
                driver.moduleUnload(p.module);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        programs.clear();
        try {
            driver.streamDestroy(stream);
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        try {
            driver.primaryContextRelease(cuDevice);
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        closed = true;
        if (first != null) throw new DeviceException(device + " (" + name + "): closing failed: " + first.getMessage(), first);
    }

    @Override
    public String toString() { return device + " (" + name + ", " + arch + ")"; }

    // ---------------------------------------------------------------------------------------------------------------

    static final class CudaBuffer implements DeviceBuffer {
        final CudaContext owner;
        final long pointer;
        final long floats;
        boolean closed;

        CudaBuffer(CudaContext owner, long pointer, long floats) {
            this.owner = owner;
            this.pointer = pointer;
            this.floats = floats;
        }

        @Override
        public long floats() { return floats; }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            if (owner.closed) return;
            owner.buffers.remove(this);
            owner.enter();
            owner.driver.memFree(pointer);
        }

        @Override
        public String toString() { return owner.device + " buffer 0x" + Long.toHexString(pointer) + " (" + floats + " floats)"; }
    }

    static final class CudaProgram implements DeviceProgram {
        final CudaContext owner;
        final String name;
        final MemorySegment module;
        final Map<String, List<PtxEntries.Param>> entries;
        private final Map<String, CudaKernel> kernels = new HashMap<>();

        CudaProgram(CudaContext owner, String name, MemorySegment module, Map<String, List<PtxEntries.Param>> entries) {
            this.owner = owner;
            this.name = name;
            this.module = module;
            this.entries = entries;
        }

        @Override
        public String name() { return name; }

        @Override
        public synchronized DeviceKernel kernel(String kernelName) {
            CudaKernel k = kernels.get(kernelName);
            if (k != null) return k;
            List<PtxEntries.Param> params = entries.get(kernelName);
            if (params == null) {
                throw new DeviceException("CUDA program '" + name + "' has no kernel '" + kernelName + "'; its kernels: "
                        + entries.keySet());
            }
            owner.enter();
            k = new CudaKernel(this, kernelName, owner.driver.moduleGetFunction(module, kernelName), params);
            kernels.put(kernelName, k);
            return k;
        }
    }

    static final class CudaKernel implements DeviceKernel {
        final CudaProgram program;
        final String name;
        final MemorySegment function;
        final List<PtxEntries.Param> params;

        CudaKernel(CudaProgram program, String name, MemorySegment function, List<PtxEntries.Param> params) {
            this.program = program;
            this.name = name;
            this.function = function;
            this.params = params;
        }

        @Override
        public String name() { return name; }

        @Override
        public void launch(int[] global, int[] local, Object... args) {
            CudaContext ctx = program.owner;
            int[] grid = new int[] {1, 1, 1};
            int[] block = new int[] {1, 1, 1};
            shape(global, local, grid, block, ctx.maxThreadsPerBlock);
            if (args.length != params.size()) {
                throw new IllegalArgumentException(this + " takes " + params.size() + " arguments "
                        + PtxEntries.signature(params) + ", got " + args.length);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pointers = arena.allocate(ADDRESS, Math.max(1, args.length));
                for (int i = 0; i < args.length; i++) {
                    MemorySegment slot = arena.allocate(8, 8);
                    Object a = args[i];
                    switch (params.get(i)) {
                        case POINTER -> {
                            if (!(a instanceof DeviceBuffer b)) throw argument(i, a);
                            slot.set(JAVA_LONG, 0, ctx.own(b, "argument " + i).pointer);
                        }
                        case INT -> {
                            if (!(a instanceof Integer v)) throw argument(i, a);
                            slot.set(JAVA_INT, 0, v);
                        }
                        case FLOAT -> {
                            if (!(a instanceof Float v)) throw argument(i, a);
                            slot.set(JAVA_FLOAT, 0, v);
                        }
                        case OTHER -> throw new IllegalArgumentException(this + ": parameter " + i
                                + " has a type Kiln cannot pass (only buffers, int and float)");
                    }
                    pointers.setAtIndex(ADDRESS, i, slot);
                }
                ctx.enter();
                int rc = ctx.driver.launchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
                        ctx.stream, pointers);
                if (rc != CudaDriver.CUDA_SUCCESS) {
                    throw new DeviceException(this + ": cuLaunchKernel(grid " + Arrays.toString(grid) + ", block "
                            + Arrays.toString(block) + ") failed: " + ctx.driver.describe(rc));
                }
            }
        }

        private IllegalArgumentException argument(int i, Object a) {
            return new IllegalArgumentException(this + " takes " + PtxEntries.signature(params) + "; argument " + i
                    + " must be a " + switch (params.get(i)) {
                        case POINTER -> "DeviceBuffer";
                        case INT -> "Integer";
                        case FLOAT -> "Float";
                        case OTHER -> "?";
                    } + ", got " + (a == null ? "null" : a.getClass().getSimpleName() + " " + a));
        }

        @Override
        public String toString() { return "kernel " + name + " of CUDA program '" + program.name + "'"; }
    }

    /**
     * Checks a launch's shape and fills CUDA's {@code grid} (global / local) and {@code block} (local), 3 each.
     * {@code global} must be a multiple of {@code local} in each of 1 to 3 dimensions.
     */
    static void shape(int[] global, int[] local, int[] grid, int[] block, int maxThreadsPerBlock) {
        Objects.requireNonNull(global, "global");
        Objects.requireNonNull(local, "local");
        if (global.length < 1 || global.length > 3 || local.length != global.length) {
            throw new IllegalArgumentException("a launch has 1 to 3 dimensions, the same in global and local: got global "
                    + Arrays.toString(global) + ", local " + Arrays.toString(local));
        }
        long threads = 1;
        for (int d = 0; d < global.length; d++) {
            if (local[d] < 1 || global[d] < 1 || global[d] % local[d] != 0) {
                throw new IllegalArgumentException("global " + Arrays.toString(global) + " must be a positive multiple of local "
                        + Arrays.toString(local) + " in each dimension (dimension " + d + ")");
            }
            grid[d] = global[d] / local[d];
            block[d] = local[d];
            threads *= local[d];
        }
        if (threads > maxThreadsPerBlock) {
            throw new IllegalArgumentException("local " + Arrays.toString(local) + " is " + threads
                    + " threads a block; the device allows " + maxThreadsPerBlock);
        }
    }
}
