package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.Pool2dKernel;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageFixture.Placed;
import dev.kiln.backend.kernels.ImageKernels.PoolShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertClose;
import static dev.kiln.backend.kernels.ImageFixture.assertSameBits;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ImageKernels#poolForward} and {@link ImageKernels#poolBackward} against the CPU's {@link Pool2dKernel}. */
class ImagePoolKernelTest {
    /** max, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad, ceilMode, ties (inputs from 3 values). */
    private static final Object[][] POOLS = {
            {true, 32, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false, false, false},  // the Fashion-MNIST CNN's
            {true, 3, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1, false, false, true},      // odd sizes drop the last row
            {true, 2, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, false, true, false},      // 3x3/2 pad 1, ceil mode
            {true, 3, 7, 10, 3, 3, 2, 2, 1, 1, 1, 1, false, true, true},
            {true, 2, 7, 7, 3, 3, 1, 1, 1, 1, 2, 2, false, false, false},     // dilation 2
            {true, 2, 6, 9, 2, 3, 1, 2, 1, 0, 1, 1, false, true, true},       // overlapping windows, ties
            {false, 4, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, true, false, false},
            {false, 2, 7, 8, 3, 3, 2, 2, 1, 1, 1, 1, true, true, false},      // ceil mode: windows past the padding
            {false, 2, 7, 8, 3, 3, 2, 2, 1, 1, 1, 1, false, true, false},
            {false, 3, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, true, true, false},
            {false, 2, 6, 5, 3, 2, 2, 1, 1, 1, 1, 1, true, false, false},
            {false, 2, 6, 5, 3, 2, 2, 1, 1, 1, 1, 1, false, false, false},
    };

    /** PyTorch's pooling output size, ceil mode included (the last window must start inside input or left padding). */
    static int outSize(int in, int k, int s, int p, int d, boolean ceil) {
        int span = in + 2 * p - d * (k - 1) - 1;
        int out = (ceil ? Math.ceilDiv(span, s) : Math.floorDiv(span, s)) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void forwardAndBackwardMatchTheCpuKernel(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(5);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (Object[] row : POOLS) {
                for (int n : new int[] {1, 3}) check(k, dev, rng, row, n);
            }
        }
    }

    private static void check(ImageKernels k, OpenClFixture dev, SplittableRandom rng, Object[] r, int n) {
        boolean max = (Boolean) r[0], cip = (Boolean) r[12], ceil = (Boolean) r[13], ties = (Boolean) r[14];
        int c = (Integer) r[1], h = (Integer) r[2], w = (Integer) r[3], kh = (Integer) r[4], kw = (Integer) r[5];
        int sh = (Integer) r[6], sw = (Integer) r[7], ph = (Integer) r[8], pw = (Integer) r[9];
        int dh = (Integer) r[10], dw = (Integer) r[11];
        int oh = outSize(h, kh, sh, ph, max ? dh : 1, ceil), ow = outSize(w, kw, sw, pw, max ? dw : 1, ceil);
        PoolShape s = new PoolShape(max, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, cip);
        Pool2dKernel cpu = new Pool2dKernel(max, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, cip);
        cpu.ensureCapacity(n);
        String what = s + " n=" + n + " tiles " + k.library().tiles();

        float[] x = OpenClFixture.random(rng, n * s.inputSize(), -1, 1);
        if (ties) for (int i = 0; i < x.length; i++) x[i] = Math.round(x[i]) * 0.5f;
        if (max && n > 1) { // NaN wins the window, as in PyTorch; -infinity loses to anything
            x[3] = Float.NaN;
            x[x.length / 2] = Float.NEGATIVE_INFINITY;
        }
        float[] ref = new float[n * s.outputSize()];
        cpu.forward(x, n, ref);

        Placed dx = Placed.of(dev, x, 3), out = Placed.of(dev, filled(ref.length, Float.NaN), 5);
        DeviceBuffer argmax = max ? dev.upload(filled(ref.length, Float.NaN)) : null;
        k.poolForward(s, n, dx.buffer(), dx.off(), out.buffer(), out.off(), argmax);
        float[] got = out.read(dev, "forward " + what);
        if (max) assertSameBits(ref, got, "max forward " + what);
        else assertClose(ref, got, 1e-6, "average forward " + what);

        float[] gy = OpenClFixture.random(rng, ref.length, -1, 1);
        Placed dgy = Placed.of(dev, gy, 2);
        for (boolean accumulate : new boolean[] {false, true}) {
            float[] before = OpenClFixture.random(rng, x.length, -1, 1);
            float[] refIn = before.clone();
            cpu.backward(gy, n, refIn, accumulate);
            Placed gIn = Placed.of(dev, accumulate ? before : filled(x.length, Float.NaN), 4);
            k.poolBackward(s, n, dgy.buffer(), dgy.off(), argmax, gIn.buffer(), gIn.off(), accumulate);
            float[] gotIn = gIn.read(dev, "backward " + what);
            // Each input element adds its windows' gradients in the CPU's order: the same floats.
            if (max) assertSameBits(refIn, gotIn, "max backward " + (accumulate ? "accumulate " : "") + what);
            else assertClose(refIn, gotIn, 1e-6, "average backward " + (accumulate ? "accumulate " : "") + what);
        }
    }

    @Test
    void outputSizesFollowPyTorch() {
        assertEquals(14, outSize(28, 2, 2, 0, 1, false));
        assertEquals(3, outSize(7, 2, 2, 0, 1, false));
        assertEquals(4, outSize(7, 2, 2, 0, 1, true));
        assertEquals(5, outSize(8, 3, 2, 1, 1, true)); // ceil gives 5; its window starts at 7, inside
        assertEquals(4, outSize(6, 3, 2, 1, 1, true)); // the 5th would start at 7 = in + pad: dropped
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void rangesAreCheckedBeforeLaunching(OpenClFixture.Lib which) {
        ImageKernels k = ImageFixture.kernels(which);
        PoolShape s = new PoolShape(true, 2, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, false);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            DeviceBuffer x = dev.allocate(2 * s.inputSize()), out = dev.allocate(2 * s.outputSize());
            DeviceBuffer arg = dev.allocate(2 * s.outputSize() - 1);
            assertThrows(IndexOutOfBoundsException.class, () -> k.poolForward(s, 2, x, 0, out, 0, arg));
            assertThrows(NullPointerException.class, () -> k.poolForward(s, 2, x, 0, out, 0, null));
            assertThrows(IndexOutOfBoundsException.class, () -> k.poolForward(s, 2, x, 1, out, 0, out));
            assertThrows(IndexOutOfBoundsException.class, () -> k.poolBackward(s, 2, out, 0, out, x, 1, false));
        }
    }
}
