package dev.kiln.backend.opencl;

import dev.kiln.backend.DeviceContext;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Shared by the OpenCL tests: skip where the machine has no OpenCL device (CI installs PoCL, so they run there). */
final class OpenClTesting {
    private OpenClTesting() {}

    static final String NO_PLATFORM = "no OpenCL platform: apt-get install pocl-opencl-icd";

    static void assumeDevice() {
        assumeFalse(new OpenClBackend().devices().isEmpty(), NO_PLATFORM);
    }

    /** A fresh context on opencl:0, for a test class to close when it is done. */
    static DeviceContext open() {
        assumeDevice();
        return new OpenClBackend().open(0);
    }
}
