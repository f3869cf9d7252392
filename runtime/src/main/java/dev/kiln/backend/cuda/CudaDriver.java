package dev.kiln.backend.cuda;

import dev.kiln.backend.DeviceException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API ({@code libcuda.so.1}, installed with the NVIDIA driver), bound through FFM: the calls Kiln's
 * CUDA backend makes, each checked. The header's {@code #define}s are resolved by hand: the {@code _v2} symbols are
 * bound, and {@code cuCtxCreate} is never used (CUDA 13 remapped it to a {@code _v4} with another argument); the
 * device's primary context is retained instead.
 *
 * <p>Types: {@code CUresult}, {@code CUdevice} and the enums are C {@code int}; {@code CUdeviceptr} and
 * {@code size_t} are 64-bit; contexts, streams, modules and functions are pointers.
 */
final class CudaDriver {
    /** The library name: the driver's, never the development symlink {@code libcuda.so} (often a stub). */
    static final String LIBRARY = "libcuda.so.1";

    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CUDA_ERROR_INVALID_PTX = 218;
    static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
    static final int CUDA_ERROR_NOT_FOUND = 500;

    static final int ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    static final int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    static final int JIT_INFO_LOG_BUFFER = 3;
    static final int JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int JIT_ERROR_LOG_BUFFER = 5;
    static final int JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    /** A failed driver call: its result code, with the call and the driver's name for the code in the message. */
    static final class CudaError extends DeviceException {
        final int code;

        CudaError(String message, int code) {
            super(message);
            this.code = code;
        }
    }

    private static final Object LOCK = new Object();
    private static CudaDriver shared;
    private static DeviceException sharedFailure;

    private final String library;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuModuleLoadDataEx;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private final int version;

    private CudaDriver(String library, SymbolLookup lookup) {
        this.library = library;
        Linker l = Linker.nativeLinker();
        cuGetErrorName = bind(l, lookup, "cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuGetErrorString = bind(l, lookup, "cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuInit = bind(l, lookup, "cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuDriverGetVersion = bind(l, lookup, "cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGetCount = bind(l, lookup, "cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGet = bind(l, lookup, "cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = bind(l, lookup, "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetAttribute = bind(l, lookup, "cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = bind(l, lookup, "cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRetain = bind(l, lookup, "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRelease = bind(l, lookup, "cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuCtxSetCurrent = bind(l, lookup, "cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamCreate = bind(l, lookup, "cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamSynchronize = bind(l, lookup, "cuStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamDestroy = bind(l, lookup, "cuStreamDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuMemAlloc = bind(l, lookup, "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = bind(l, lookup, "cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        cuMemGetInfo = bind(l, lookup, "cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuMemcpyHtoDAsync = bind(l, lookup, "cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = bind(l, lookup, "cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemcpyDtoDAsync = bind(l, lookup, "cuMemcpyDtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuModuleLoadDataEx = bind(l, lookup, "cuModuleLoadDataEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        cuModuleGetFunction = bind(l, lookup, "cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuModuleUnload = bind(l, lookup, "cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuLaunchKernel = bind(l, lookup, "cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            check("cuInit", (int) cuInit.invokeExact(0));
            MemorySegment v = arena.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) cuDriverGetVersion.invokeExact(v));
            version = v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /**
     * The process's driver, loaded and initialised ({@code cuInit}) once. Where {@code libcuda.so.1} is missing or
     * {@code cuInit} fails, a {@link DeviceException} saying so (the same one on every call).
     */
    static CudaDriver load() {
        synchronized (LOCK) {
            if (shared != null) return shared;
            if (sharedFailure != null) throw new DeviceException(sharedFailure.getMessage(), sharedFailure);
            try {
                shared = load(LIBRARY);
                return shared;
            } catch (DeviceException e) {
                sharedFailure = e;
                throw e;
            }
        }
    }

    /** Loads and initialises the driver from {@code library} (a soname or a path); not memoised. */
    static CudaDriver load(String library) {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new DeviceException("CUDA is not available: " + library + " (the CUDA driver library, installed with"
                    + " the NVIDIA driver) could not be loaded (" + e.getMessage() + "). Install the NVIDIA driver, or in"
                    + " a container run with the NVIDIA container toolkit (--gpus all) so that " + library
                    + " is mounted; the CUDA toolkit alone does not provide it.");
        }
        try {
            return new CudaDriver(library, lookup);
        } catch (CudaError e) {
            throw new DeviceException("CUDA is not available: " + library + " loaded but " + e.getMessage()
                    + (e.code == CUDA_ERROR_NO_DEVICE ? " (no NVIDIA GPU is visible to this process)" : "")
                    + ". Check the NVIDIA driver (nvidia-smi).", e);
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new DeviceException(
                LIBRARY + " has no symbol " + name + ": the NVIDIA driver is too old for Kiln's CUDA backend"));
        return linker.downcallHandle(symbol, fd);
    }

    String library() { return library; }

    /** The driver's CUDA version as {@code 1000 * major + 10 * minor}, e.g. 13000. */
    int version() { return version; }

    /** "13.0". */
    String versionString() { return version / 1000 + "." + (version % 1000) / 10; }

    // ---- errors

    /** "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory". */
    String describe(int rc) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ADDRESS);
            String name = (int) cuGetErrorName.invokeExact(rc, p) == 0 ? cString(p.get(ADDRESS, 0)) : "CUDA error";
            String text = (int) cuGetErrorString.invokeExact(rc, p) == 0 ? cString(p.get(ADDRESS, 0)) : "unknown error";
            return name + " (" + rc + "): " + text;
        } catch (Throwable t) {
            return "CUDA error " + rc;
        }
    }

    private static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }

    void check(String call, int rc) {
        if (rc != CUDA_SUCCESS) throw new CudaError(call + " failed: " + describe(rc), rc);
    }

    // ---- devices

    int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) cuDeviceGetCount.invokeExact(n));
            return n.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** The {@code CUdevice} handle of ordinal {@code index}. */
    int device(int index) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate(JAVA_INT);
            check("cuDeviceGet(" + index + ")", (int) cuDeviceGet.invokeExact(d, index));
            return d.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(name, 256, device));
            return name.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    int attribute(int device, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            check("cuDeviceGetAttribute(" + attribute + ")", (int) cuDeviceGetAttribute.invokeExact(v, attribute, device));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** Compute capability ×10: 90 for an H100. */
    int computeCapability(int device) {
        return 10 * attribute(device, ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) + attribute(device, ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    long totalMemory(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.invokeExact(v, device));
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    // ---- contexts and streams

    MemorySegment primaryContextRetain(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) cuDevicePrimaryCtxRetain.invokeExact(ctx, device));
            return ctx.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void primaryContextRelease(int device) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) cuDevicePrimaryCtxRelease.invokeExact(device));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void setCurrent(MemorySegment context) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(context));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    MemorySegment streamCreate() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ADDRESS);
            check("cuStreamCreate", (int) cuStreamCreate.invokeExact(s, 0));
            return s.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void streamSynchronize(MemorySegment stream) {
        try {
            check("cuStreamSynchronize", (int) cuStreamSynchronize.invokeExact(stream));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void streamDestroy(MemorySegment stream) {
        try {
            check("cuStreamDestroy_v2", (int) cuStreamDestroy.invokeExact(stream));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    // ---- memory

    /** A device allocation of {@code bytes}; failure throws a {@link CudaError} (code 2 when out of memory). */
    long memAlloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(JAVA_LONG);
            check("cuMemAlloc_v2(" + bytes + " bytes)", (int) cuMemAlloc.invokeExact(p, bytes));
            return p.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void memFree(long pointer) {
        try {
            check("cuMemFree_v2", (int) cuMemFree.invokeExact(pointer));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** {free, total} bytes of the current context's device. */
    long[] memInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(free, total));
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void memcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    // ---- modules and launches

    /** A loaded module, or the load's result code with the JIT's error log. */
    record ModuleLoad(MemorySegment module, int result, String errorLog, String infoLog) {}

    /** Loads a NUL-terminated PTX image, capturing the driver JIT's error and info logs. */
    ModuleLoad moduleLoadData(String ptx) {
        final int logBytes = 16 * 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment module = arena.allocate(ADDRESS);
            MemorySegment image = arena.allocateFrom(ptx);
            MemorySegment errorLog = arena.allocate(logBytes);
            MemorySegment infoLog = arena.allocate(logBytes);
            MemorySegment options = arena.allocate(JAVA_INT, 4);
            MemorySegment values = arena.allocate(ADDRESS, 4);
            options.setAtIndex(JAVA_INT, 0, JIT_ERROR_LOG_BUFFER);
            values.setAtIndex(ADDRESS, 0, errorLog);
            options.setAtIndex(JAVA_INT, 1, JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(logBytes));
            options.setAtIndex(JAVA_INT, 2, JIT_INFO_LOG_BUFFER);
            values.setAtIndex(ADDRESS, 2, infoLog);
            options.setAtIndex(JAVA_INT, 3, JIT_INFO_LOG_BUFFER_SIZE_BYTES);
            values.setAtIndex(ADDRESS, 3, MemorySegment.ofAddress(logBytes));
            int rc = (int) cuModuleLoadDataEx.invokeExact(module, image, 4, options, values);
            return new ModuleLoad(rc == 0 ? module.get(ADDRESS, 0) : MemorySegment.NULL, rc,
                    errorLog.getString(0, StandardCharsets.UTF_8).strip(), infoLog.getString(0, StandardCharsets.UTF_8).strip());
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** The function {@code name} of {@code module}; a missing one throws a {@link CudaError} with code 500. */
    MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")", (int) cuModuleGetFunction.invokeExact(f, module, arena.allocateFrom(name)));
            return f.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    void moduleUnload(MemorySegment module) {
        try {
            check("cuModuleUnload", (int) cuModuleUnload.invokeExact(module));
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }

    /** Queues {@code function} on {@code stream}; {@code params} is a {@code void*[]} pointing at each argument. */
    int launchKernel(MemorySegment function, int gx, int gy, int gz, int bx, int by, int bz, MemorySegment stream,
                     MemorySegment params) {
        try {
            return (int) cuLaunchKernel.invokeExact(function, gx, gy, gz, bx, by, bz, 0, stream, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Nvrtc.rethrow(t);
        }
    }
}
