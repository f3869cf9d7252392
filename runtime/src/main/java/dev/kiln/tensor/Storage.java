package dev.kiln.tensor;

/**
 * A flat, typed block of elements that one or more tensors view through (offset, shape, strides).
 *
 * <p>The backing array is a plain Java primitive array so that it can be shared with user code
 * (the equivalent of {@code numpy()} / {@code from_numpy}) and handed to kernels without copying.
 * Exactly one of the typed fields is non-null; the generic accessors convert on the fly and are
 * used by the slow paths, while kernels read the typed arrays directly.
 *
 * <p>On a device the elements live in a {@link DeviceStorage} instead and every typed field is null:
 * the host accessors refuse (naming the device) rather than let a CPU kernel read nothing.
 */
public final class Storage {
    final DType dtype;
    final float[] f32;
    final double[] f64;
    final long[] i64;
    final int[] i32;
    /** int16 values, or float16 or bfloat16 bit patterns. */
    final short[] i16;
    /** uint8 (read unsigned) or int8 values. */
    final byte[] i8;
    final boolean[] b;
    final int length;
    /** Where the elements live when not on the CPU; null on the CPU. */
    final DeviceStorage onDevice;

    private Storage(DType dtype, Object array, int length) {
        this.dtype = dtype;
        this.f32 = array instanceof float[] a ? a : null;
        this.f64 = array instanceof double[] a ? a : null;
        this.i64 = array instanceof long[] a ? a : null;
        this.i32 = array instanceof int[] a ? a : null;
        this.i16 = array instanceof short[] a ? a : null;
        this.i8 = array instanceof byte[] a ? a : null;
        this.b = array instanceof boolean[] a ? a : null;
        this.length = length;
        this.onDevice = null;
    }

    /** A storage of {@code length} elements held on a device. */
    Storage(DType dtype, DeviceStorage onDevice, int length) {
        this.dtype = dtype;
        this.f32 = null;
        this.f64 = null;
        this.i64 = null;
        this.i32 = null;
        this.i16 = null;
        this.i8 = null;
        this.b = null;
        this.length = length;
        this.onDevice = onDevice;
    }

    /** A zero-filled storage of {@code n} elements. */
    static Storage allocate(DType dtype, int n) {
        return new Storage(dtype, switch (dtype) {
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case INT64 -> new long[n];
            case INT32 -> new int[n];
            case INT16, FLOAT16, BFLOAT16 -> new short[n];
            case UINT8, INT8 -> new byte[n];
            case BOOL -> new boolean[n];
        }, n);
    }

    /** Wraps a user's array without copying; the dtype must match the array's element type. */
    static Storage wrap(DType dtype, Object array) {
        boolean ok = switch (dtype) {
            case FLOAT32 -> array instanceof float[];
            case FLOAT64 -> array instanceof double[];
            case INT64 -> array instanceof long[];
            case INT32 -> array instanceof int[];
            case INT16, FLOAT16, BFLOAT16 -> array instanceof short[];
            case UINT8, INT8 -> array instanceof byte[];
            case BOOL -> array instanceof boolean[];
        };
        if (!ok) {
            throw new IllegalArgumentException("array of " + array.getClass().getSimpleName()
                    + " cannot back a tensor of dtype " + dtype);
        }
        return new Storage(dtype, array, java.lang.reflect.Array.getLength(array));
    }

    public DType dtype() { return dtype; }

    public int length() { return length; }

    /** Where the elements live: {@link dev.kiln.backend.Device#CPU} or the device holding them. */
    public dev.kiln.backend.Device device() { return onDevice == null ? dev.kiln.backend.Device.CPU : onDevice.device(); }

    /** The backing primitive array (shared, not copied); a storage on a device has none. */
    public Object array() {
        if (onDevice != null) throw hostAccess();
        return switch (dtype) {
            case FLOAT32 -> f32;
            case FLOAT64 -> f64;
            case INT64 -> i64;
            case INT32 -> i32;
            case INT16, FLOAT16, BFLOAT16 -> i16;
            case UINT8, INT8 -> i8;
            case BOOL -> b;
        };
    }

    double getDouble(int i) {
        if (onDevice != null) throw hostAccess();
        return switch (dtype) {
            case FLOAT32 -> f32[i];
            case FLOAT64 -> f64[i];
            case INT64 -> i64[i];
            case INT32 -> i32[i];
            case INT16 -> i16[i];
            case INT8 -> i8[i];
            case UINT8 -> i8[i] & 0xFF;
            case FLOAT16 -> Float.float16ToFloat(i16[i]);
            case BFLOAT16 -> BFloat16.toFloat(i16[i]);
            case BOOL -> b[i] ? 1 : 0;
        };
    }

    long getLong(int i) {
        if (onDevice != null) throw hostAccess();
        return switch (dtype) {
            case FLOAT32 -> (long) f32[i];
            case FLOAT64 -> (long) f64[i];
            case INT64 -> i64[i];
            case INT32 -> i32[i];
            case INT16 -> i16[i];
            case INT8 -> i8[i];
            case UINT8 -> i8[i] & 0xFF;
            case FLOAT16 -> (long) Float.float16ToFloat(i16[i]);
            case BFLOAT16 -> (long) BFloat16.toFloat(i16[i]);
            case BOOL -> b[i] ? 1 : 0;
        };
    }

    boolean getBool(int i) {
        if (onDevice != null) throw hostAccess();
        return switch (dtype) {
            case BOOL -> b[i];
            case INT64 -> i64[i] != 0;
            case INT32 -> i32[i] != 0;
            case INT16 -> i16[i] != 0;
            case UINT8, INT8 -> i8[i] != 0;
            default -> getDouble(i) != 0;
        };
    }

    /** Stores {@code v} converted as C++ casts do in PyTorch: truncation toward zero for integers. */
    void setDouble(int i, double v) {
        if (onDevice != null) throw hostAccess();
        switch (dtype) {
            case FLOAT32 -> f32[i] = (float) v;
            case FLOAT64 -> f64[i] = v;
            case INT64 -> i64[i] = (long) v;
            case INT32 -> i32[i] = (int) (long) v;
            case INT16 -> i16[i] = (short) (long) v;
            case UINT8, INT8 -> i8[i] = (byte) (long) v;
            case FLOAT16 -> i16[i] = Float.floatToFloat16((float) v);
            case BFLOAT16 -> i16[i] = BFloat16.fromDouble(v);
            case BOOL -> b[i] = v != 0;
        }
    }

    void setLong(int i, long v) {
        if (onDevice != null) throw hostAccess();
        switch (dtype) {
            case FLOAT32 -> f32[i] = (float) v;
            case FLOAT64 -> f64[i] = (double) v;
            case INT64 -> i64[i] = v;
            case INT32 -> i32[i] = (int) v;
            case INT16 -> i16[i] = (short) v;
            case UINT8, INT8 -> i8[i] = (byte) v;
            case FLOAT16 -> i16[i] = Float.floatToFloat16((float) v);
            case BFLOAT16 -> i16[i] = BFloat16.fromFloat((float) v);
            case BOOL -> b[i] = v != 0;
        }
    }

    void setBool(int i, boolean v) {
        if (onDevice != null) throw hostAccess();
        if (dtype == DType.BOOL) b[i] = v;
        else setLong(i, v ? 1 : 0);
    }

    /**
     * A CPU kernel reached a device storage: an op without a device implementation that the dispatch did not
     * name. Refused rather than copied, so that no op silently runs on the host.
     */
    private UnsupportedOperationException hostAccess() {
        return new UnsupportedOperationException("this operation reads elements on the host and is not implemented "
                + "for tensors on " + onDevice.device() + " yet; move the tensor with .cpu() first");
    }
}
