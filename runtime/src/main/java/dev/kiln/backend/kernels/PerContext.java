package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceContext;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One compiled kernel set per open device context: programs are built once per context and reused by every
 * model and tensor there; entries of closed contexts are dropped on the next look-up.
 */
final class PerContext<T> {
    private final Map<DeviceContext, T> cache = new IdentityHashMap<>();

    /** The set of {@code ctx}, made by {@code make} on first use. */
    synchronized T get(DeviceContext ctx, Function<DeviceContext, T> make) {
        cache.keySet().removeIf(DeviceContext::isClosed);
        T t = cache.get(ctx);
        if (t == null) {
            t = make.apply(ctx);
            cache.put(ctx, t);
        }
        return t;
    }
}
