package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One cl_kernel. A launch sets every argument (clSetKernelArg copies the value, so one 8-byte scratch slot serves
 * them all), then queues the NDRange; nothing is allocated per launch.
 */
final class OpenClKernel implements DeviceKernel {
    /** What a parameter takes, from the kernel's argument info; ANY where the driver keeps no info. */
    private enum Param { BUFFER, INT, FLOAT, ANY }

    private final OpenClProgram program;
    private final String name;
    private final MemorySegment handle;
    private final Param[] params;
    private final String[] typeNames;
    private final MemorySegment value;
    private final MemorySegment global;
    private final MemorySegment local;

    OpenClKernel(OpenClProgram program, String name, MemorySegment handle) {
        this.program = program;
        this.name = name;
        this.handle = handle;
        int count = OpenCl.infoInt((size, v, sizeRet) ->
                OpenCl.getKernelInfo(handle, OpenCl.CL_KERNEL_NUM_ARGS, size, v, sizeRet),
                "clGetKernelInfo(CL_KERNEL_NUM_ARGS)");
        this.params = new Param[count];
        this.typeNames = new String[count];
        for (int i = 0; i < count; i++) describeParam(i);
        OpenClContext owner = program.owner();
        this.value = owner.arena().allocate(JAVA_LONG);
        this.global = owner.arena().allocate(JAVA_LONG, 3);
        this.local = owner.arena().allocate(JAVA_LONG, 3);
    }

    private void describeParam(int index) {
        int address;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment qualifier = call.allocate(JAVA_INT);
            int rc = OpenCl.getKernelArgInfo(handle, index, OpenCl.CL_KERNEL_ARG_ADDRESS_QUALIFIER,
                    JAVA_INT.byteSize(), qualifier, MemorySegment.NULL);
            if (rc != ClErrors.CL_SUCCESS) { // CL_KERNEL_ARG_INFO_NOT_AVAILABLE: the driver checks sizes only
                params[index] = Param.ANY;
                typeNames[index] = "?";
                return;
            }
            address = qualifier.get(JAVA_INT, 0);
        }
        String type = OpenCl.infoString((size, v, sizeRet) -> OpenCl.getKernelArgInfo(handle, index,
                OpenCl.CL_KERNEL_ARG_TYPE_NAME, size, v, sizeRet), "clGetKernelArgInfo(CL_KERNEL_ARG_TYPE_NAME)");
        typeNames[index] = type;
        params[index] = address == OpenCl.CL_KERNEL_ARG_ADDRESS_GLOBAL
                || address == OpenCl.CL_KERNEL_ARG_ADDRESS_CONSTANT
                ? Param.BUFFER
                : address != OpenCl.CL_KERNEL_ARG_ADDRESS_PRIVATE ? Param.ANY
                : switch (type) {
                    case "int", "uint", "unsigned int" -> Param.INT;
                    case "float" -> Param.FLOAT;
                    default -> Param.ANY;
                };
    }

    @Override
    public String name() { return name; }

    MemorySegment handle() { return handle; }

    @Override
    public void launch(int[] globalSize, int[] localSize, Object... args) {
        OpenClContext owner = program.owner();
        owner.ensureOpen();
        int dims = checkSizes(globalSize, localSize);
        Objects.requireNonNull(args, "args");
        if (args.length != params.length) {
            throw new IllegalArgumentException(this + " takes " + params.length + " arguments, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) setArg(owner, i, args[i]);
        for (int d = 0; d < dims; d++) {
            global.setAtIndex(JAVA_LONG, d, globalSize[d]);
            local.setAtIndex(JAVA_LONG, d, localSize[d]);
        }
        int rc = OpenCl.enqueueNDRangeKernel(owner.queue(), handle, dims, global, local);
        if (rc != ClErrors.CL_SUCCESS) {
            throw ClErrors.error("clEnqueueNDRangeKernel", rc, this + " with global " + Arrays.toString(globalSize)
                    + " and local " + Arrays.toString(localSize) + " on " + owner.describe() + " (at most "
                    + owner.maxWorkGroupSize() + " work items in a group)");
        }
    }

    private int checkSizes(int[] globalSize, int[] localSize) {
        if (globalSize == null || localSize == null || globalSize.length != localSize.length
                || globalSize.length < 1 || globalSize.length > 3) {
            throw new IllegalArgumentException(this + ": global and local sizes need the same 1 to 3 dimensions, got "
                    + Arrays.toString(globalSize) + " and " + Arrays.toString(localSize));
        }
        for (int d = 0; d < globalSize.length; d++) {
            if (globalSize[d] <= 0 || localSize[d] <= 0) {
                throw new IllegalArgumentException(this + ": sizes must be positive, got global "
                        + Arrays.toString(globalSize) + " and local " + Arrays.toString(localSize));
            }
            if (globalSize[d] % localSize[d] != 0) {
                throw new IllegalArgumentException(this + ": global size " + globalSize[d] + " in dimension " + d
                        + " is not a multiple of the local size " + localSize[d]
                        + " (round it up and guard the kernel with an index check)");
            }
        }
        return globalSize.length;
    }

    private void setArg(OpenClContext owner, int index, Object arg) {
        long size;
        switch (arg) {
            case OpenClBuffer buffer -> {
                expect(index, Param.BUFFER, arg);
                value.set(ADDRESS, 0, owner.own(buffer, "argument " + index + " of " + this).handle());
                size = ADDRESS.byteSize();
            }
            case DeviceBuffer buffer -> throw new IllegalArgumentException("argument " + index + " of " + this
                    + " is not an OpenCL buffer: " + buffer.getClass().getName());
            case Integer i -> {
                expect(index, Param.INT, arg);
                value.set(JAVA_INT, 0, i);
                size = Integer.BYTES;
            }
            case Float f -> {
                expect(index, Param.FLOAT, arg);
                value.set(JAVA_FLOAT, 0, f);
                size = Float.BYTES;
            }
            case null -> throw new IllegalArgumentException("argument " + index + " of " + this + " is null");
            default -> throw new IllegalArgumentException("argument " + index + " of " + this + " has type "
                    + arg.getClass().getName() + "; kernels take DeviceBuffer, Integer or Float");
        }
        int rc = OpenCl.setKernelArg(handle, index, size, value);
        if (rc != ClErrors.CL_SUCCESS) {
            throw ClErrors.error("clSetKernelArg", rc, "argument " + index + " (" + arg.getClass().getSimpleName()
                    + ", " + size + " bytes) of " + this
                    + (typeNames[index].equals("?") ? "" : ", a C " + typeNames[index]));
        }
    }

    private void expect(int index, Param wanted, Object arg) {
        Param param = params[index];
        if (param != Param.ANY && param != wanted) {
            throw new IllegalArgumentException("argument " + index + " of " + this + " is a C " + typeNames[index]
                    + " but was given " + (arg instanceof DeviceBuffer ? "a DeviceBuffer"
                    : (arg instanceof Integer ? "an " : "a ") + arg.getClass().getSimpleName() + " (" + arg + ")"));
        }
    }

    @Override
    public String toString() { return "kernel '" + name + "' of program '" + program.name() + "'"; }
}
