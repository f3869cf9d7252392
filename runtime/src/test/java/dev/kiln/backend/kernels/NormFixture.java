package dev.kiln.backend.kernels;

import java.util.HashMap;
import java.util.Map;

/** The {@link NormKernels} of each {@link OpenClFixture.Lib}: the cached ones over the device's tiles, uncached ones over the odd tiles. */
final class NormFixture {
    /** Relative tolerance against the CPU kernels: within 1e-5 of the reference's largest magnitude. */
    static final double TOL = 1e-5;

    private static final Map<OpenClFixture.Lib, NormKernels> KERNELS = new HashMap<>();

    private NormFixture() {}

    static NormKernels kernels(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        if (which == OpenClFixture.Lib.DEVICE_TILES) return NormKernels.on(lib.context());
        synchronized (KERNELS) {
            return KERNELS.computeIfAbsent(which, w -> NormKernels.over(lib));
        }
    }
}
