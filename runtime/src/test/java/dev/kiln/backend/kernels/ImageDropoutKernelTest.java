package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageFixture.Placed;
import dev.kiln.compiled.DropoutMask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertClose;
import static dev.kiln.backend.kernels.ImageFixture.assertSameBits;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ImageKernels#dropoutForward}'s masks bit for bit as {@link DropoutMask}'s, and the backward. */
class ImageDropoutKernelTest {
    private static final long[] STATES = {0L, 42L ^ 0x5DEECE66DL, -1L, Long.MIN_VALUE, 0x00000000FFFFFFFFL,
            0x7FFFFFFF80000000L, 0x9E3779B97F4A7C15L * -3};
    private static final int[] COUNTS = {1, 7, 1000, 4099};
    private static final float[] PS = {0.5f, 0.1f, 0.9f, 0.3f, 0f, 1f};

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void masksAreTheCpuStreamsBitForBit(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(3);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            int t = 0;
            for (long state : STATES) {
                for (int count : COUNTS) {
                    float p = PS[t++ % PS.length];
                    String what = "state " + Long.toHexString(state) + " count " + count + " p " + p;
                    float[] mask = new float[count];
                    new DropoutMask(state).fill(mask, 0, count, p);
                    float[] x = OpenClFixture.random(rng, count, -3, 3);
                    float[] out = new float[count];
                    for (int i = 0; i < count; i++) out[i] = x[i] * mask[i];

                    Placed dx = Placed.of(dev, x, 3), dOut = Placed.of(dev, filled(count, Float.NaN), 6);
                    DeviceBuffer dMask = dev.upload(filled(count, Float.NaN));
                    k.dropoutForward(count, dx.buffer(), dx.off(), dOut.buffer(), dOut.off(), dMask, state, p);
                    assertSameBits(mask, dev.download(dMask, count), "mask " + what);
                    assertSameBits(out, dOut.read(dev, "out " + what), "out " + what);

                    // In place, x and out one buffer.
                    k.dropoutForward(count, dx.buffer(), dx.off(), dx.buffer(), dx.off(), dMask, state, p);
                    assertSameBits(out, dx.read(dev, "in place " + what), "in place " + what);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void aStreamContinuesWhereTheDeviceLeftIt(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            // One model stream: the CPU draws 300 masks, the device the next 500, the CPU the next 200.
            DropoutMask cpu = new DropoutMask(1234), device = new DropoutMask(1234);
            float[] expected = new float[1000], head = new float[300];
            cpu.fill(expected, 0, 1000, 0.25f);
            device.fill(head, 0, 300, 0.25f);
            DeviceBuffer x = dev.upload(filled(500, 1f)), out = dev.allocate(500), mask = dev.allocate(500);
            k.dropoutForward(500, x, 0, out, 0, mask, device.state(), 0.25f);
            device.skip(500);
            float[] tail = new float[200];
            device.fill(tail, 0, 200, 0.25f);
            assertSameBits(Arrays.copyOf(expected, 300), head, "head");
            assertSameBits(Arrays.copyOfRange(expected, 300, 800), dev.download(mask, 500), "device part");
            assertSameBits(Arrays.copyOfRange(expected, 800, 1000), tail, "tail after skip");
        }
    }

    @Test
    void skipThenFillIsTheTailOfALongerFill() {
        for (long seed : STATES) {
            for (int skip : new int[] {0, 1, 5, 1000}) {
                for (int len : new int[] {1, 17}) {
                    float[] all = new float[skip + len], tail = new float[len];
                    new DropoutMask(seed).fill(all, 0, skip + len, 0.4f);
                    DropoutMask m = new DropoutMask(seed);
                    assertEquals(seed, m.state());
                    m.skip(skip);
                    m.fill(tail, 0, len, 0.4f);
                    assertSameBits(Arrays.copyOfRange(all, skip, skip + len), tail,
                            "seed " + seed + " skip " + skip + " len " + len);
                }
            }
        }
        DropoutMask m = new DropoutMask(9);
        m.fill(new float[10], 0, 10, 0.5f);
        DropoutMask n = new DropoutMask(9);
        n.skip(10);
        assertEquals(m.state(), n.state(), "fill advances the state by one draw per value");
        assertThrows(IllegalArgumentException.class, () -> n.skip(-1));
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void backwardMultipliesByTheMask(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(8);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int count : COUNTS) {
                float[] mask = new float[count];
                new DropoutMask(count).fill(mask, 0, count, 0.5f);
                float[] gy = OpenClFixture.random(rng, count, -1, 1), before = OpenClFixture.random(rng, count, -1, 1);
                float[] ref = new float[count], refAcc = new float[count];
                for (int i = 0; i < count; i++) {
                    ref[i] = gy[i] * mask[i];
                    refAcc[i] = before[i] + gy[i] * mask[i];
                }
                DeviceBuffer dMask = dev.upload(mask);
                Placed dgy = Placed.of(dev, gy, 2);
                Placed gIn = Placed.of(dev, filled(count, Float.NaN), 7);
                k.dropoutBackward(count, dgy.buffer(), dgy.off(), dMask, gIn.buffer(), gIn.off(), false);
                assertSameBits(ref, gIn.read(dev, "backward"), "backward count " + count);
                Placed acc = Placed.of(dev, before, 1);
                k.dropoutBackward(count, dgy.buffer(), dgy.off(), dMask, acc.buffer(), acc.off(), true);
                assertClose(refAcc, acc.read(dev, "accumulate"), 1e-6, "accumulated backward count " + count);
                // In place: gOut becomes gIn.
                k.dropoutBackward(count, dgy.buffer(), dgy.off(), dMask, dgy.buffer(), dgy.off(), false);
                assertSameBits(ref, dgy.read(dev, "in place"), "in-place backward count " + count);
            }
            DeviceBuffer b = dev.allocate(10);
            assertThrows(IndexOutOfBoundsException.class, () -> k.dropoutBackward(11, b, 0, b, b, 0, false));
            assertThrows(IndexOutOfBoundsException.class, () -> k.dropoutForward(10, b, 1, b, 0, b, 0L, 0.5f));
            assertThrows(IllegalArgumentException.class, () -> k.dropoutForward(10, b, 0, b, 0, b, 0L, 1.5f));
        }
    }
}
