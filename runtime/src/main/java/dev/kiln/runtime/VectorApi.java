package dev.kiln.runtime;

/**
 * Checks that the JVM runs with the incubating Vector API ({@code jdk.incubator.vector}), which every Kiln kernel
 * uses. Without {@code --add-modules jdk.incubator.vector} the first kernel would die in a static initialiser with
 * {@code NoClassDefFoundError: jdk/incubator/vector/FloatVector}; the entry points (the generated models' {@code create},
 * the compiled {@code Trainer}, {@code Tensor} and {@code Torch}) call {@link #require()} first and say which flag
 * is missing instead. This class must not touch the Vector API itself.
 */
public final class VectorApi {
    /** The message of the exception {@link #require()} throws. */
    public static final String MESSAGE = "Kiln needs the Vector API: add --add-modules jdk.incubator.vector to the java "
            + "command (and --enable-native-access=ALL-UNNAMED for devices)";

    private static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorApi() {}

    /** Whether {@code jdk.incubator.vector} is in the boot layer. */
    public static boolean present() { return PRESENT; }

    /** Throws {@link IllegalStateException} naming the missing flag when the Vector API module is not loaded. */
    public static void require() {
        if (!PRESENT) throw new IllegalStateException(MESSAGE);
    }
}
