package dev.kiln.autograd;

/**
 * Whether operations are recorded for autograd on this thread: PyTorch's {@code torch.no_grad()}.
 *
 * <pre>{@code try (var ignored = GradMode.noGrad()) { w.sub_(w.grad().mul(lr)); } }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** A scope in which no graph is recorded; closing it restores the previous mode. */
    public static Scope noGrad() { return set(false); }

    /** A scope in which recording is on again, e.g. inside a no-grad block. */
    public static Scope enableGrad() { return set(true); }

    private static Scope set(boolean enabled) {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = enabled;
        return () -> flag[0] = previous;
    }

    /** A try-with-resources scope that cannot throw on close. */
    public interface Scope extends AutoCloseable {
        @Override void close();
    }
}
