package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The hand-written FFM binding of {@code libOpenCL.so.1}, the ICD loader that forwards each call to the vendor driver
 * named in {@code /etc/OpenCL/vendors}. Only the calls Kiln makes are bound. Handles ({@code cl_context},
 * {@code cl_mem}, ...) are opaque pointers and travel as {@link MemorySegment}s; {@code size_t}, {@code cl_ulong} and
 * {@code cl_bitfield} are 64-bit ({@code JAVA_LONG}: Kiln runs on 64-bit Linux, checked when the class loads),
 * {@code cl_int}, {@code cl_uint} and {@code cl_bool} 32-bit.
 *
 * <p>The handles are {@code static final} so that the JIT treats them as constants; each wrapper turns the
 * {@code Throwable} that {@code invokeExact} declares into an unchecked exception. The wrappers return the driver's
 * status code: callers add what they were doing to the message ({@link ClErrors#error}).
 */
final class OpenCl {
    private OpenCl() {}

    static final String LIBRARY = "libOpenCL.so.1";

    // Parameter names and flags from cl.h, only those used.
    static final int CL_TRUE = 1;
    static final int CL_PLATFORM_VERSION = 0x0901;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
    static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_NAME = 0x102B;
    static final long CL_CONTEXT_PLATFORM = 0x1084;
    static final long CL_MEM_READ_WRITE = 1;
    static final int CL_PROGRAM_KERNEL_NAMES = 0x1168;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final int CL_KERNEL_NUM_ARGS = 0x1191;
    static final int CL_KERNEL_ARG_ADDRESS_QUALIFIER = 0x1196;
    static final int CL_KERNEL_ARG_TYPE_NAME = 0x1198;
    static final int CL_KERNEL_ARG_ADDRESS_GLOBAL = 0x119B;
    static final int CL_KERNEL_ARG_ADDRESS_CONSTANT = 0x119D;
    static final int CL_KERNEL_ARG_ADDRESS_PRIVATE = 0x119E;

    private static final Linker LINKER = Linker.nativeLinker();
    /** The loaded library, or the reason it could not be loaded (a String); set before any handle below. */
    private static final Object LOADED = load(LIBRARY);
    private static final SymbolLookup LIB = LOADED instanceof SymbolLookup lookup ? lookup : null;

    private static final FunctionDescriptor INFO = // (handle, param, size, value, size_ret) -> cl_int
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    private static final FunctionDescriptor RELEASE = FunctionDescriptor.of(JAVA_INT, ADDRESS);

    private static final MethodHandle GET_PLATFORM_IDS = bind("clGetPlatformIDs",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GET_PLATFORM_INFO = bind("clGetPlatformInfo", INFO);
    private static final MethodHandle GET_DEVICE_IDS = bind("clGetDeviceIDs",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GET_DEVICE_INFO = bind("clGetDeviceInfo", INFO);
    private static final MethodHandle CREATE_CONTEXT = bind("clCreateContext",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle CREATE_QUEUE_WITH_PROPERTIES = bind("clCreateCommandQueueWithProperties",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    /** OpenCL 1.x's queue constructor, for a platform that predates clCreateCommandQueueWithProperties. */
    private static final MethodHandle CREATE_QUEUE = bind("clCreateCommandQueue",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle CREATE_PROGRAM_WITH_SOURCE = bind("clCreateProgramWithSource",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle BUILD_PROGRAM = bind("clBuildProgram",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle GET_PROGRAM_INFO = bind("clGetProgramInfo", INFO);
    private static final MethodHandle GET_PROGRAM_BUILD_INFO = bind("clGetProgramBuildInfo",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    private static final MethodHandle CREATE_KERNEL = bind("clCreateKernel",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle GET_KERNEL_INFO = bind("clGetKernelInfo", INFO);
    private static final MethodHandle GET_KERNEL_ARG_INFO = bind("clGetKernelArgInfo",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    private static final MethodHandle SET_KERNEL_ARG = bind("clSetKernelArg",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle CREATE_BUFFER = bind("clCreateBuffer",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
    /*
     * Blocking reads and writes are critical calls with heap access: the driver copies straight from or into the
     * Java float[] (MemorySegment.ofArray), no staging copy. That is sound only because the call blocks: the array
     * cannot move while the thread is inside a critical call, and the driver keeps no pointer to it afterwards. A
     * non-blocking copy would have to stage through native memory. The context drains its queue with clFinish first,
     * so the critical call only copies (OpenClContext#drainBeforeCriticalCopy).
     */
    private static final FunctionDescriptor TRANSFER = FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle ENQUEUE_WRITE_BUFFER = bind("clEnqueueWriteBuffer", TRANSFER,
            Linker.Option.critical(true));
    private static final MethodHandle ENQUEUE_READ_BUFFER = bind("clEnqueueReadBuffer", TRANSFER,
            Linker.Option.critical(true));
    private static final MethodHandle ENQUEUE_COPY_BUFFER = bind("clEnqueueCopyBuffer",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ENQUEUE_ND_RANGE_KERNEL = bind("clEnqueueNDRangeKernel",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS,
                    JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FINISH = bind("clFinish", RELEASE);
    private static final MethodHandle RELEASE_MEM_OBJECT = bind("clReleaseMemObject", RELEASE);
    private static final MethodHandle RELEASE_KERNEL = bind("clReleaseKernel", RELEASE);
    private static final MethodHandle RELEASE_PROGRAM = bind("clReleaseProgram", RELEASE);
    private static final MethodHandle RELEASE_COMMAND_QUEUE = bind("clReleaseCommandQueue", RELEASE);
    private static final MethodHandle RELEASE_CONTEXT = bind("clReleaseContext", RELEASE);

    /** The library, or the message that says why not; the lookup lives as long as the JVM (Arena.global()). */
    static Object load(String library) {
        if (ADDRESS.byteSize() != 8 || LINKER.canonicalLayouts().get("size_t").byteSize() != 8) {
            return "the OpenCL binding assumes a 64-bit size_t and pointers";
        }
        try {
            return SymbolLookup.libraryLookup(library, Arena.global());
        } catch (RuntimeException e) { // IllegalArgumentException: not found; IllegalCallerException: no native access
            return "cannot load " + library + ", the OpenCL ICD loader: apt-get install ocl-icd-libopencl1 and a"
                    + " driver such as pocl-opencl-icd (" + e.getMessage() + ")";
        }
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (LIB == null) return null;
        return LIB.find(name).map(symbol -> LINKER.downcallHandle(symbol, descriptor, options)).orElse(null);
    }

    /** Whether the library loaded (devices() answers an empty list where not). */
    static boolean available() { return LIB != null; }

    /** Throws a {@link DeviceException} saying why the library is unusable. */
    static void require() {
        if (LIB == null) throw new DeviceException((String) LOADED);
        if (GET_PLATFORM_IDS == null || CREATE_CONTEXT == null || BUILD_PROGRAM == null
                || ENQUEUE_ND_RANGE_KERNEL == null) {
            throw new DeviceException(LIBRARY + " lacks the OpenCL 1.2 entry points Kiln calls; the ICD loader is"
                    + " too old");
        }
    }

    static int getPlatformIDs(int entries, MemorySegment platforms, MemorySegment count) {
        try {
            return (int) GET_PLATFORM_IDS.invokeExact(entries, platforms, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getPlatformInfo(MemorySegment platform, int param, long size, MemorySegment value,
                               MemorySegment sizeRet) {
        try {
            return (int) GET_PLATFORM_INFO.invokeExact(platform, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getDeviceIDs(MemorySegment platform, long type, int entries, MemorySegment devices,
                            MemorySegment count) {
        try {
            return (int) GET_DEVICE_IDS.invokeExact(platform, type, entries, devices, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getDeviceInfo(MemorySegment device, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) GET_DEVICE_INFO.invokeExact(device, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createContext(MemorySegment properties, int numDevices, MemorySegment devices,
                                       MemorySegment errcode) {
        try {
            return (MemorySegment) CREATE_CONTEXT.invokeExact(properties, numDevices, devices, MemorySegment.NULL,
                    MemorySegment.NULL, errcode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * An in-order queue without profiling. OpenCL 2.0+ names the constructor clCreateCommandQueueWithProperties;
     * a 1.x platform (for which the loader answers CL_INVALID_OPERATION or lacks the symbol) gets the 1.x one.
     */
    static MemorySegment createCommandQueue(MemorySegment context, MemorySegment device, boolean openCl2,
                                            MemorySegment errcode) {
        try {
            if (openCl2 && CREATE_QUEUE_WITH_PROPERTIES != null) {
                return (MemorySegment) CREATE_QUEUE_WITH_PROPERTIES.invokeExact(context, device, MemorySegment.NULL,
                        errcode);
            }
            return (MemorySegment) CREATE_QUEUE.invokeExact(context, device, 0L, errcode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createProgramWithSource(MemorySegment context, MemorySegment strings, MemorySegment errcode) {
        try {
            return (MemorySegment) CREATE_PROGRAM_WITH_SOURCE.invokeExact(context, 1, strings, MemorySegment.NULL,
                    errcode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Builds for the one device in {@code deviceList} (a {@code cl_device_id[1]}), without a callback: it blocks. */
    static int buildProgram(MemorySegment program, MemorySegment deviceList, MemorySegment options) {
        try {
            return (int) BUILD_PROGRAM.invokeExact(program, 1, deviceList, options, MemorySegment.NULL,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getProgramInfo(MemorySegment program, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) GET_PROGRAM_INFO.invokeExact(program, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getProgramBuildInfo(MemorySegment program, MemorySegment device, int param, long size,
                                   MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) GET_PROGRAM_BUILD_INFO.invokeExact(program, device, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createKernel(MemorySegment program, MemorySegment name, MemorySegment errcode) {
        try {
            return (MemorySegment) CREATE_KERNEL.invokeExact(program, name, errcode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getKernelInfo(MemorySegment kernel, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) GET_KERNEL_INFO.invokeExact(kernel, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getKernelArgInfo(MemorySegment kernel, int index, int param, long size, MemorySegment value,
                                MemorySegment sizeRet) {
        if (GET_KERNEL_ARG_INFO == null) return ClErrors.CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        try {
            return (int) GET_KERNEL_ARG_INFO.invokeExact(kernel, index, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            return (int) SET_KERNEL_ARG.invokeExact(kernel, index, size, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment createBuffer(MemorySegment context, long flags, long bytes, MemorySegment errcode) {
        try {
            return (MemorySegment) CREATE_BUFFER.invokeExact(context, flags, bytes, MemorySegment.NULL, errcode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocking write of {@code bytes} from {@code host} (heap or native) to {@code buffer} at byte {@code offset}. */
    static int writeBuffer(MemorySegment queue, MemorySegment buffer, long offset, long bytes, MemorySegment host) {
        try {
            return (int) ENQUEUE_WRITE_BUFFER.invokeExact(queue, buffer, CL_TRUE, offset, bytes, host, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Blocking read of {@code bytes} from {@code buffer} at byte {@code offset} into {@code host} (heap or native). */
    static int readBuffer(MemorySegment queue, MemorySegment buffer, long offset, long bytes, MemorySegment host) {
        try {
            return (int) ENQUEUE_READ_BUFFER.invokeExact(queue, buffer, CL_TRUE, offset, bytes, host, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int copyBuffer(MemorySegment queue, MemorySegment src, MemorySegment dst, long srcOffset, long dstOffset,
                          long bytes) {
        try {
            return (int) ENQUEUE_COPY_BUFFER.invokeExact(queue, src, dst, srcOffset, dstOffset, bytes, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int enqueueNDRangeKernel(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global,
                                    MemorySegment local) {
        try {
            return (int) ENQUEUE_ND_RANGE_KERNEL.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int finish(MemorySegment queue) {
        try {
            return (int) FINISH.invokeExact(queue);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int releaseMemObject(MemorySegment mem) { return release(RELEASE_MEM_OBJECT, mem); }
    static int releaseKernel(MemorySegment kernel) { return release(RELEASE_KERNEL, kernel); }
    static int releaseProgram(MemorySegment program) { return release(RELEASE_PROGRAM, program); }
    static int releaseCommandQueue(MemorySegment queue) { return release(RELEASE_COMMAND_QUEUE, queue); }
    static int releaseContext(MemorySegment context) { return release(RELEASE_CONTEXT, context); }

    private static int release(MethodHandle handle, MemorySegment object) {
        try {
            return (int) handle.invokeExact(object);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // Info queries, shared by platforms, devices, programs and kernels: ask for the size, then the value.

    /** A string-valued info parameter, without its terminating NUL. */
    interface InfoCall { int call(long size, MemorySegment value, MemorySegment sizeRet); }

    static String infoString(InfoCall call, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            ClErrors.check(call.call(0, MemorySegment.NULL, size), what, "asking the size");
            long bytes = size.get(JAVA_LONG, 0);
            if (bytes <= 1) return "";
            MemorySegment value = arena.allocate(bytes);
            ClErrors.check(call.call(bytes, value, MemorySegment.NULL), what, "reading " + bytes + " bytes");
            return value.getString(0, StandardCharsets.UTF_8).strip();
        }
    }

    /** A {@code size_t} or {@code cl_ulong} info parameter (both 8 bytes here). */
    static long infoLong(InfoCall call, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            ClErrors.check(call.call(JAVA_LONG.byteSize(), value, MemorySegment.NULL), what, "reading 8 bytes");
            return value.get(JAVA_LONG, 0);
        }
    }

    /** A {@code cl_uint} info parameter. */
    static int infoInt(InfoCall call, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            ClErrors.check(call.call(JAVA_INT.byteSize(), value, MemorySegment.NULL), what, "reading 4 bytes");
            return value.get(JAVA_INT, 0);
        }
    }

    /** An array of {@code n} handles, for the calls that take a {@code const cl_device_id*}. */
    static MemorySegment handles(Arena arena, MemorySegment... handles) {
        MemorySegment array = arena.allocate(MemoryLayout.sequenceLayout(handles.length, ADDRESS));
        for (int i = 0; i < handles.length; i++) array.setAtIndex(ADDRESS, i, handles[i]);
        return array;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new DeviceException("OpenCL call failed in the binding: " + t, t);
    }
}
