package dev.kiln.tensor;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;

/**
 * The elements of a {@link Storage} on a device: a float32 buffer of the device's shared context
 * ({@link Backends#open}), so eager tensors and a compiled model's step on one device see the same queue.
 *
 * <p>Device buffers hold float32 only. float32 tensors are stored as they are; int64, int32 and bool tensors
 * (labels, argmax results, masks) are held as their exact float32 values, which covers every integer up to
 * 2^24 in magnitude. Other dtypes stay on the CPU for now. The buffer is freed when the storage becomes
 * unreachable (the backend's Cleaner), as a CPU array is.
 */
final class DeviceStorage {
    /** The largest integer magnitude a float32 holds exactly (and every integer below it). */
    static final long EXACT_INTEGER = 1L << 24;

    final DeviceContext context;
    final DeviceBuffer buffer;

    private DeviceStorage(DeviceContext context, DeviceBuffer buffer) {
        this.context = context;
        this.buffer = buffer;
    }

    Device device() { return context.device(); }

    /** An uninitialised storage of {@code n} elements of {@code dtype} on {@code device}. */
    static Storage allocate(Device device, DType dtype, int n) {
        requireDeviceDtype(dtype, device);
        DeviceContext ctx = Backends.open(device);
        return new Storage(dtype, new DeviceStorage(ctx, ctx.allocate(n)), n);
    }

    /** Whether tensors of {@code dtype} may live on a device. */
    static boolean supports(DType dtype) {
        return dtype == DType.FLOAT32 || dtype == DType.INT64 || dtype == DType.INT32 || dtype == DType.BOOL;
    }

    static void requireDeviceDtype(DType dtype, Device device) {
        if (!supports(dtype)) {
            throw new UnsupportedOperationException("float32 only on devices for now: a " + dtype
                    + " tensor cannot live on " + device + " (int64, int32 and bool are held as exact float32 values,"
                    + " for labels and masks); convert it with .toFloat() first");
        }
    }
}
