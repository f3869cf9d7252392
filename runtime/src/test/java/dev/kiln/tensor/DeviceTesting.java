package dev.kiln.tensor;

import dev.kiln.backend.Backends;
import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The device the eager device tests run on, opencl:0 (PoCL on a machine without a GPU; CI installs it), and the
 * comparisons they share. A test calls {@link #device()} first and is skipped, saying why, where no OpenCL device
 * opens.
 */
public final class DeviceTesting {
    private DeviceTesting() {}

    public static final Device OPENCL = Device.of("opencl:0");

    private static String unavailable;
    private static boolean opened;

    /** opencl:0, or the test is skipped with the reason it did not open. */
    public static synchronized Device device() {
        if (!opened && unavailable == null) {
            try {
                Backends.open(OPENCL);
                opened = true;
            } catch (DeviceException e) {
                unavailable = e.getMessage();
            }
        }
        assumeTrue(opened, () -> "no OpenCL device for the eager device tests (apt-get install pocl-opencl-icd): "
                + unavailable);
        return OPENCL;
    }

    /** {@code actual} (any device) equals {@code expected} (CPU) in shape and dtype, and element-wise within tolerance. */
    public static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : e[i] == a[i] || Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]);
            int at = i;
            assertTrue(ok, () -> what + ": element " + at + " is " + a[at] + ", expected " + e[at]
                    + " (rtol " + rtol + ", atol " + atol + ")");
        }
    }
}
