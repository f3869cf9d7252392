package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers of the image kernel tests: the {@link ImageKernels} of each {@link OpenClFixture.Lib} (the cached ones
 * over the device's tiles, and uncached ones over the odd tiles), buffers placed at an offset between sentinels,
 * and comparisons against the CPU kernels.
 */
final class ImageFixture {
    static final float SENTINEL = -7.25f;
    private static final Map<OpenClFixture.Lib, ImageKernels> KERNELS = new HashMap<>();

    private ImageFixture() {}

    static ImageKernels kernels(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        if (which == OpenClFixture.Lib.DEVICE_TILES) return ImageKernels.on(lib.context());
        synchronized (KERNELS) {
            return KERNELS.computeIfAbsent(which, w -> ImageKernels.over(lib));
        }
    }

    /** {@code data} at float offset {@code off} of a device buffer, with {@code SENTINEL}s before and 5 after. */
    record Placed(DeviceBuffer buffer, int off, int length) {
        static Placed of(OpenClFixture dev, float[] data, int off) {
            float[] host = new float[off + data.length + 5];
            java.util.Arrays.fill(host, SENTINEL);
            System.arraycopy(data, 0, host, off, data.length);
            return new Placed(dev.upload(host), off, data.length);
        }

        /** The data part; the sentinels around it must be intact. */
        float[] read(OpenClFixture dev, String what) {
            float[] host = dev.download(buffer, off + length + 5);
            for (int i = 0; i < host.length; i++) {
                if (i < off || i >= off + length) assertEquals(SENTINEL, host[i], what + ": wrote outside its range at " + i);
            }
            return java.util.Arrays.copyOfRange(host, off, off + length);
        }
    }

    static float[] filled(int n, float value) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, value);
        return x;
    }

    /** Every element within {@code rel} times the reference's largest magnitude (NaN only where it is NaN). */
    static void assertClose(float[] expected, float[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (float e : expected) if (Float.isFinite(e)) scale = Math.max(scale, Math.abs(e));
        double tol = rel * scale + 1e-30;
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) || Float.isNaN(actual[i])) {
                if (Float.isNaN(expected[i]) != Float.isNaN(actual[i])) fail(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i]);
                continue;
            }
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i] + " within " + tol
                        + " (scale " + scale + ")");
            }
        }
    }

    /** Bit for bit. */
    static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i] + " bit for bit");
            }
        }
    }
}
