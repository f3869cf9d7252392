package dev.kiln.backend.cpu;

/** Switches shared by the compiled-model kernels. */
public final class Kernels {
    /**
     * {@code -Dkiln.compiled.scalar=true} runs every kernel's plain scalar loop instead of the Vector API:
     * the way to rule the SIMD code out when a result looks wrong, and the oracle the kernel tests use.
     */
    public static final boolean SCALAR = Boolean.getBoolean("kiln.compiled.scalar");

    private Kernels() {}
}
