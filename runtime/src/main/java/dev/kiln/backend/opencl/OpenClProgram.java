package dev.kiln.backend.opencl;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import dev.kiln.backend.KernelDialect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.kiln.backend.opencl.ClErrors.check;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A program built from dialect source for its context's device. Kernels are created once per name and kept: a
 * cl_kernel holds its arguments, and {@link OpenClKernel#launch} sets all of them on every launch, so sharing one is
 * safe on the single thread a context is used from. Released with the context (the SPI gives programs no close).
 */
final class OpenClProgram implements DeviceProgram {
    /**
     * -cl-kernel-arg-info keeps each parameter's type, so a launch can refuse a Float given for an int (same size:
     * the driver would take the bits without complaint).
     */
    private static final String BUILD_OPTIONS = "-cl-kernel-arg-info";

    private final OpenClContext owner;
    private final String name;
    private final MemorySegment handle;
    private final Map<String, OpenClKernel> kernels = new LinkedHashMap<>();

    OpenClProgram(OpenClContext owner, String name, String source) {
        this.owner = owner;
        this.name = name;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment err = call.allocate(JAVA_INT);
            MemorySegment text = call.allocateFrom(KernelDialect.withPrelude(Device.Kind.OPENCL, source));
            MemorySegment program = OpenCl.createProgramWithSource(owner.context(), OpenCl.handles(call, text), err);
            check(err.get(JAVA_INT, 0), "clCreateProgramWithSource", "program '" + name + "' on " + owner.describe());
            int rc = OpenCl.buildProgram(program, owner.deviceList(), call.allocateFrom(BUILD_OPTIONS));
            if (rc != ClErrors.CL_SUCCESS) {
                String log = buildLog(program);
                OpenCl.releaseProgram(program);
                throw ClErrors.error("clBuildProgram", rc, "program '" + name + "' does not build for "
                        + owner.describe() + "; the compiler's log (line 1 is the program's first line):\n" + log);
            }
            this.handle = program;
        }
    }

    private String buildLog(MemorySegment program) {
        try {
            String log = OpenCl.infoString((size, value, sizeRet) -> OpenCl.getProgramBuildInfo(program,
                    owner.deviceId(), OpenCl.CL_PROGRAM_BUILD_LOG, size, value, sizeRet), "clGetProgramBuildInfo");
            return log.isEmpty() ? "(the driver left the log empty)" : log;
        } catch (DeviceException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String name() { return name; }

    OpenClContext owner() { return owner; }

    @Override
    public DeviceKernel kernel(String kernelName) {
        owner.ensureOpen();
        OpenClKernel kernel = kernels.get(kernelName);
        if (kernel != null) return kernel;
        MemorySegment created;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment err = call.allocate(JAVA_INT);
            created = OpenCl.createKernel(handle, call.allocateFrom(kernelName), err);
            int rc = err.get(JAVA_INT, 0);
            if (rc == ClErrors.CL_INVALID_KERNEL_NAME) {
                throw ClErrors.error("clCreateKernel", rc, "program '" + name + "' has no kernel '" + kernelName
                        + "'; its kernels are: " + kernelNames());
            }
            check(rc, "clCreateKernel", "kernel '" + kernelName + "' of program '" + name + "' on " + owner.describe());
        }
        try {
            kernel = new OpenClKernel(this, kernelName, created);
        } catch (RuntimeException e) {
            OpenCl.releaseKernel(created);
            throw e;
        }
        kernels.put(kernelName, kernel);
        return kernel;
    }

    private String kernelNames() {
        try {
            return OpenCl.infoString((size, value, sizeRet) ->
                    OpenCl.getProgramInfo(handle, OpenCl.CL_PROGRAM_KERNEL_NAMES, size, value, sizeRet),
                    "clGetProgramInfo(CL_PROGRAM_KERNEL_NAMES)").replace(";", ", ");
        } catch (DeviceException e) {
            return "(unknown: " + e.getMessage() + ")";
        }
    }

    /** Called by the context's close: the kernels, then the program. */
    void release() {
        for (OpenClKernel kernel : kernels.values()) OpenCl.releaseKernel(kernel.handle());
        kernels.clear();
        OpenCl.releaseProgram(handle);
    }

    @Override
    public String toString() { return "program '" + name + "' on " + owner.describe(); }
}
