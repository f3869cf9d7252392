package dev.kiln.backend;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The registered {@link Backend}s and one open {@link DeviceContext} per device, shared by everything that runs
 * there (a model's step and eager tensors on the same device see the same buffers and queue).
 */
public final class Backends {
    private static final Map<Device, DeviceContext> OPEN = new HashMap<>();

    private Backends() {}

    /** Every backend on the class path, in ServiceLoader order. */
    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) list.add(b);
        return list;
    }

    /** The backend for {@code kind}, or a {@link DeviceException} naming what is missing from the class path. */
    public static Backend of(Device.Kind kind) {
        if (kind == Device.Kind.CPU) throw new IllegalArgumentException("the CPU needs no backend context");
        for (Backend b : all()) if (b.kind() == kind) return b;
        throw new DeviceException("no " + kind.prefix() + " backend is registered (no META-INF/services/"
                + Backend.class.getName() + " entry for it on the class path)");
    }

    /** The open context of {@code device}, opening it on first use; a device that cannot start throws. */
    public static synchronized DeviceContext open(Device device) {
        DeviceContext ctx = OPEN.get(device);
        if (ctx == null || ctx.isClosed()) {
            ctx = of(device.kind()).open(device.index());
            OPEN.put(device, ctx);
        }
        return ctx;
    }
}
