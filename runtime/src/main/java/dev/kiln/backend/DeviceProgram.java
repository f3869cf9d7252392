package dev.kiln.backend;

/** A compiled program (an OpenCL program or a CUDA module) and the kernels in it. */
public interface DeviceProgram {
    String name();

    /** The entry point {@code kernelName}; an unknown name throws a {@link DeviceException} naming it and the program. */
    DeviceKernel kernel(String kernelName);
}
