package dev.kiln.backend.kernels;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The OpenCL device the kernel tests run on (PoCL on a machine without a GPU), opened once, and the two libraries
 * every test runs against ({@link Lib}): the device's default tiles and {@link #ODD}, whose sizes divide nothing,
 * so both tile shapes and the bounds checks are exercised. Tests are skipped, saying why, where no OpenCL device
 * opens.
 */
final class OpenClFixture implements AutoCloseable {
    /** Non-power-of-two, non-square tiles: 8 x 8 threads of 3 x 2, 5-deep slices; reductions of 32. */
    static final Tiles ODD = new Tiles(24, 16, 5, 3, 2, 32);

    private static DeviceContext context;
    private static String unavailable;
    private static final Map<Tiles, KernelLibrary> LIBRARIES = new HashMap<>();

    private final DeviceContext ctx;
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    OpenClFixture(KernelLibrary lib) {
        this.ctx = lib.context();
    }

    /** The opencl:0 context, or the test is skipped with the reason it did not open. */
    static synchronized DeviceContext context() {
        if (context == null && unavailable == null) {
            try {
                context = Backends.open(Device.of("opencl:0"));
            } catch (DeviceException e) {
                unavailable = e.getMessage();
            }
        }
        assumeTrue(context != null, () -> "no OpenCL device to run the kernel library on: " + unavailable);
        return context;
    }

    /** The two libraries each test runs on; the test is skipped, saying why, where no OpenCL device opens. */
    enum Lib {
        /** The device's own tiles ({@link Tiles#forDevice}), as {@link KernelLibrary#on} compiles them. */
        DEVICE_TILES,
        /** {@link #ODD} tiles, compiled with {@link KernelLibrary#withTiles}. */
        ODD_TILES;

        KernelLibrary get() {
            DeviceContext ctx = context();
            if (this == DEVICE_TILES) return KernelLibrary.on(ctx);
            synchronized (LIBRARIES) {
                return LIBRARIES.computeIfAbsent(ODD, t -> KernelLibrary.withTiles(ctx, t));
            }
        }
    }

    DeviceBuffer upload(float[] host) {
        DeviceBuffer b = allocate(host.length);
        if (host.length > 0) ctx.upload(host, 0, b, 0, host.length);
        return b;
    }

    DeviceBuffer allocate(int floats) {
        DeviceBuffer b = ctx.allocate(Math.max(1, floats));
        buffers.add(b);
        return b;
    }

    float[] download(DeviceBuffer b, int floats) {
        float[] host = new float[floats];
        ctx.download(b, 0, host, 0, floats);
        return host;
    }

    static float[] random(SplittableRandom rng, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextDouble(lo, hi);
        return x;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : buffers) b.close();
    }
}
