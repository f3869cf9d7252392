package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.Conv2dKernel;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageFixture.Placed;
import dev.kiln.backend.kernels.ImageKernels.ConvShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertClose;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ImageKernels#conv2dForward} and {@link ImageKernels#conv2dBackward} against the CPU's {@link Conv2dKernel}. */
class ImageConvKernelTest {
    /** c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw. */
    private static final int[][] SHAPES = {
            {1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1},   // the Fashion-MNIST CNN's first layer
            {32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1},  // and its second
            {4, 9, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1},      // stride 2
            {3, 8, 7, 4, 3, 3, 1, 1, 0, 0, 1, 1},      // no padding
            {2, 6, 7, 3, 5, 3, 1, 1, 2, 2, 1, 1},      // padding 2
            {3, 9, 10, 4, 3, 3, 1, 1, 2, 1, 2, 2},     // dilation 2
            {5, 4, 6, 7, 1, 1, 1, 1, 0, 0, 1, 1},      // 1x1: the image is its own columns
            {4, 7, 7, 3, 1, 1, 2, 2, 0, 0, 1, 1},      // 1x1 at stride 2
            {3, 7, 5, 5, 3, 2, 2, 1, 1, 0, 1, 2},      // odd sizes, mixed stride and dilation
            {2, 11, 9, 3, 2, 2, 3, 3, 0, 1, 1, 1},     // stride past the kernel: inputs no tap reads
    };
    /** Floats per value: the GEMM sums in another order than the CPU, so within this of the values' scale. */
    private static final double TOL = 1e-5;

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void forwardAndBackwardMatchTheCpuKernel(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(11);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int[] s : SHAPES) {
                for (int n : new int[] {1, 3}) check(k, dev, rng, s, n);
            }
        }
    }

    private static void check(ImageKernels k, OpenClFixture dev, SplittableRandom rng, int[] s, int n) {
        ConvShape g = new ConvShape(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]);
        Conv2dKernel cpu = new Conv2dKernel(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], 1);
        assertEquals(cpu.outputSize(), g.outputSize(), "output size");
        String what = g + " n=" + n + " tiles " + k.library().tiles();
        int weights = g.weights(), o = g.o();
        float[] x = OpenClFixture.random(rng, n * g.inputSize(), -1, 1);
        float[] params = OpenClFixture.random(rng, weights + o + 3, -1, 1); // weights, bias, 3 unused
        float[] gy = OpenClFixture.random(rng, n * g.outputSize(), -1, 1);
        Placed dx = Placed.of(dev, x, 5), dp = Placed.of(dev, params, 3), dgy = Placed.of(dev, gy, 7);
        // NaN scratch: every element the kernels read must have been written in the same call.
        DeviceBuffer scratch = dev.upload(filled((int) g.scratchFloats(n), Float.NaN));

        for (boolean bias : new boolean[] {true, false}) {
            float[] ref = new float[n * g.outputSize()];
            cpu.forward(x, n, params, 0, bias ? weights : -1, ref);
            Placed out = Placed.of(dev, filled(ref.length, Float.NaN), 9);
            k.conv2dForward(g, n, dx.buffer(), dx.off(), dp.buffer(), dp.off(), bias ? dp.off() + weights : -1,
                    out.buffer(), out.off(), scratch);
            assertClose(ref, out.read(dev, "forward " + what), TOL, "forward " + (bias ? "with" : "without") + " bias " + what);
        }

        // Overwrite everything (NaN before: nothing may be read), accumulate everything, then no bias and no gIn.
        backward(k, dev, rng, g, cpu, n, x, params, gy, dx, dp, dgy, scratch, true, false, true, false, what);
        backward(k, dev, rng, g, cpu, n, x, params, gy, dx, dp, dgy, scratch, true, true, true, true, what);
        backward(k, dev, rng, g, cpu, n, x, params, gy, dx, dp, dgy, scratch, false, false, false, false, what);
        backward(k, dev, rng, g, cpu, n, x, params, gy, dx, dp, dgy, scratch, false, true, true, false, what);
    }

    private static void backward(ImageKernels k, OpenClFixture dev, SplittableRandom rng, ConvShape g,
                                 Conv2dKernel cpu, int n, float[] x, float[] params, float[] gy, Placed dx,
                                 Placed dp, Placed dgy, DeviceBuffer scratch, boolean bias, boolean accParams,
                                 boolean withIn, boolean accIn, String what) {
        int weights = g.weights(), o = g.o();
        String how = what + (bias ? " bias" : " no bias") + (accParams ? " accumulate" : "")
                + (withIn ? accIn ? " gIn accumulate" : " gIn" : " no gIn");
        // grads: [weights][bias], the bias gradient (if any) written from weights.
        float[] before = OpenClFixture.random(rng, weights + o, -2, 2);
        float[] ref = before.clone();
        float[] refIn = withIn ? OpenClFixture.random(rng, n * g.inputSize(), -2, 2) : null;
        float[] inBefore = refIn == null ? null : refIn.clone();
        cpu.backward(gy, x, n, params, 0, ref, 0, bias ? weights : -1, accParams, refIn, accIn);

        float[] deviceBefore = before.clone();
        if (!accParams) Arrays.fill(deviceBefore, 0, bias ? weights + o : weights, Float.NaN);
        Placed grads = Placed.of(dev, deviceBefore, 4);
        Placed gIn = withIn ? Placed.of(dev, accIn ? inBefore : filled(inBefore.length, Float.NaN), 6) : null;
        k.conv2dBackward(g, n, dgy.buffer(), dgy.off(), dx.buffer(), dx.off(), dp.buffer(), dp.off(),
                grads.buffer(), grads.off(), bias ? grads.off() + weights : -1, accParams,
                gIn == null ? null : gIn.buffer(), gIn == null ? 0 : gIn.off(), accIn, scratch);
        float[] got = grads.read(dev, "gradients " + how);
        assertClose(Arrays.copyOf(ref, weights), Arrays.copyOf(got, weights), TOL, "weight gradient " + how);
        if (bias) {
            assertClose(Arrays.copyOfRange(ref, weights, weights + o), Arrays.copyOfRange(got, weights, weights + o),
                    TOL, "bias gradient " + how);
        } else {
            ImageFixture.assertSameBits(Arrays.copyOfRange(before, weights, weights + o),
                    Arrays.copyOfRange(got, weights, weights + o), "untouched bias gradient " + how);
        }
        if (withIn) assertClose(refIn, gIn.read(dev, "gIn " + how), TOL, "input gradient " + how);
    }

    @Test
    void shapesMatchTheCpuAndRefuseGroups() {
        for (int[] s : SHAPES) {
            ConvShape g = new ConvShape(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]);
            var geometry = new dev.kiln.nn.ConvGeometry(1, s[0], s[1], s[2], s[3], s[4], s[5], new int[] {s[6], s[7]},
                    new int[] {s[8], s[9]}, new int[] {s[10], s[11]}, 1);
            assertEquals(geometry.oh, g.oh(), g.toString());
            assertEquals(geometry.ow, g.ow(), g.toString());
            assertEquals((long) (s[0] * s[4] * s[5] + s[3]) * 4 * g.oh() * g.ow(), g.scratchFloats(4));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ConvShape.of(4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2));
        assertTrue(e.getMessage().contains("groups"), e.getMessage());
        assertEquals(new ConvShape(4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1), ConvShape.of(4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 2, 2, 1, 5, 5, 1, 1, 0, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 8, 8, 1, 3, 3, 0, 1, 0, 0, 1, 1));
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void rangesAreCheckedBeforeLaunching(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        ConvShape g = new ConvShape(2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            int n = 2;
            DeviceBuffer x = dev.allocate(n * g.inputSize()), p = dev.allocate(g.weights() + g.o());
            DeviceBuffer out = dev.allocate(n * g.outputSize()), scratch = dev.allocate((int) g.scratchFloats(n));
            DeviceBuffer small = dev.allocate((int) g.scratchFloats(n) - 1);
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dForward(g, n, x, 1, p, 0, g.weights(), out, 0, scratch));
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dForward(g, n, x, 0, p, g.o() + 1, -1, out, 0, scratch));
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dForward(g, n, x, 0, p, 0, g.weights() + 1, out, 0, scratch));
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dForward(g, n, x, 0, p, 0, -1, out, 1, scratch));
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dForward(g, n, x, 0, p, 0, -1, out, 0, small));
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dBackward(g, n, out, 0, x, 0, p, 0, p, 0,
                    g.weights(), false, x, 1, false, scratch));
            assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dBackward(g, n, out, 0, x, 0, p, 0, p,
                    g.o() + 1, 0, false, null, 0, false, scratch));
            assertThrows(IllegalArgumentException.class, () -> k.conv2dForward(g, -1, x, 0, p, 0, -1, out, 0, scratch));
        }
    }
}
