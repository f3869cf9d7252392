package dev.kiln.tensor;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceException;

import java.lang.ref.Cleaner;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The elements of a {@link Storage} on a device: a float32 buffer of the device's shared context
 * ({@link Backends#open}), so eager tensors and a compiled model's step on one device see the same queue.
 *
 * <p>Device buffers hold float32 only. float32 tensors are stored as they are; int64, int32 and bool tensors
 * (labels, argmax results, masks) are held as their exact float32 values, which covers every integer up to
 * 2^24 in magnitude. Other dtypes stay on the CPU for now.
 *
 * <p>{@link #upload} and {@link #download} copy whole tensors between the host and a device. The buffer is freed
 * once the storage becomes unreachable, as a CPU array is: a Cleaner queues it, and the next
 * allocation closes it, on the thread that uses the device (a context, CUDA's list of live buffers included, is
 * used from one thread at a time, so the Cleaner's own thread must not free anything). An allocation the device
 * refuses runs the garbage collector once and retries, since the collector does not see device memory.
 */
final class DeviceStorage {
    /** The largest integer magnitude a float32 holds exactly (and every integer below it). */
    static final long EXACT_INTEGER = 1L << 24;

    private static final Cleaner CLEANER = Cleaner.create();
    /** Buffers of storages that became unreachable, closed by the next {@link #allocate}. */
    private static final Queue<DeviceBuffer> UNREACHABLE = new ConcurrentLinkedQueue<>();

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
        freeUnreachable();
        DeviceBuffer buffer;
        try {
            buffer = ctx.allocate(n);
        } catch (DeviceException e) {
            collectGarbage();
            buffer = ctx.allocate(n);
        }
        DeviceStorage storage = new DeviceStorage(ctx, buffer);
        DeviceBuffer owned = buffer;  // the action must not hold the storage, or it would never become unreachable
        CLEANER.register(storage, () -> UNREACHABLE.add(owned));
        return new Storage(dtype, storage, n);
    }

    private static void freeUnreachable() {
        for (DeviceBuffer b; (b = UNREACHABLE.poll()) != null; ) b.close();  // closing twice is harmless
    }

    /** Gives the Cleaner a chance to queue what is unreachable, then frees it. */
    private static void collectGarbage() {
        System.gc();
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        freeUnreachable();
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

    /** A contiguous copy of CPU tensor {@code t} on {@code target}; integers beyond 2^24 in magnitude are refused. */
    static Tensor upload(Tensor t, Device target) {
        requireDeviceDtype(t.dtype, target);
        Tensor src = t.contiguousRaw();
        int n = src.numel();
        float[] host;
        int from;
        if (src.dtype == DType.FLOAT32) {
            host = src.storage.f32;
            from = src.offset;
        } else {
            host = new float[n];
            from = 0;
            for (int i = 0; i < n; i++) {
                long v = src.storage.getLong(src.offset + i);
                if (Math.abs(v) > EXACT_INTEGER) {
                    throw new IllegalArgumentException(src.dtype + " value " + v + " at flat index " + i
                            + " cannot be held exactly on " + target + ", which keeps integers as float32 (|v| <= 2^24)");
                }
                host[i] = v;
            }
        }
        Tensor out = DeviceOps.empty(target, t.dtype, t.shape);
        if (n > 0) DeviceOps.context(out).upload(host, from, DeviceOps.buffer(out), 0, n);
        return out;
    }

    /** A contiguous CPU copy of device tensor {@code t}, in its dtype. */
    static Tensor download(Tensor t) {
        Tensor src = t.contiguousRaw();
        int n = src.numel();
        float[] host = new float[n];
        if (n > 0) DeviceOps.context(src).download(DeviceOps.buffer(src), src.offset, host, 0, n);
        Object array = switch (t.dtype) {
            case FLOAT32 -> host;
            case INT64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = (long) host[i];
                yield v;
            }
            case INT32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = (int) host[i];
                yield v;
            }
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) v[i] = host[i] != 0f;
                yield v;
            }
            default -> throw new AssertionError(t.dtype + " on a device");
        };
        return new Tensor(Storage.wrap(t.dtype, array), 0, t.shape.clone(), Shapes.contiguousStrides(t.shape));
    }
}
