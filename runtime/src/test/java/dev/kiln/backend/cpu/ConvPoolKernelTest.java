package dev.kiln.backend.cpu;

import dev.kiln.nn.Convolution;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The compiled conv and pooling kernels against the eager {@link Convolution} with autograd: same weights,
 * same batch, forward output, input gradient and parameter gradients, over geometries that exercise padding,
 * stride, dilation, groups, the 1x1 shortcut and ceil mode.
 */
class ConvPoolKernelTest {
    /** c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups. */
    private static final int[][] CONVS = {
        {1, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {3, 7, 9, 6, 3, 2, 2, 1, 1, 0, 1, 2, 1},
        {4, 6, 6, 4, 3, 3, 1, 2, 2, 1, 2, 1, 2},
        {5, 4, 4, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    };

    @Test
    void convMatchesEagerForwardAndGradients() {
        for (int[] g : CONVS) {
            Torch.manualSeed(g[0] * 31 + g[3]);
            int n = 3, c = g[0], h = g[1], w = g[2], o = g[3], kh = g[4], kw = g[5];
            Conv2dKernel k = new Conv2dKernel(c, h, w, o, kh, kw, g[6], g[7], g[8], g[9], g[10], g[11], g[12]);
            Tensor x = Torch.randn(n, c, h, w).requiresGrad_();
            Tensor wt = Torch.randn(o, c / g[12], kh, kw).requiresGrad_();
            Tensor b = Torch.randn(o).requiresGrad_();
            Tensor y = Convolution.conv2d(x, wt, b, new int[] {g[6], g[7]}, new int[] {g[8], g[9]}, new int[] {g[10], g[11]}, g[12]);
            Tensor gy = Torch.randn(y.size().toArray());
            y.mul(gy).sum().backward();

            int wSize = (int) wt.numel();
            float[] params = new float[wSize + o];
            System.arraycopy(wt.detach().toFloatArray(), 0, params, 0, wSize);
            System.arraycopy(b.detach().toFloatArray(), 0, params, wSize, o);
            float[] out = new float[n * k.outputSize()];
            k.forward(x.detach().toFloatArray(), n, params, 0, wSize, out);
            assertClose(y.detach().toFloatArray(), out, "forward " + java.util.Arrays.toString(g));

            // Pre-filled gradients check both modes: overwrite (the trainer's) and accumulate (autograd's).
            float[] grads = new float[params.length], gIn = new float[n * c * h * w];
            java.util.Arrays.fill(gIn, 5f);
            java.util.Arrays.fill(grads, 5f);
            k.backward(gy.toFloatArray(), x.detach().toFloatArray(), n, params, 0, grads, 0, wSize, false, gIn, false);
            assertClose(x.grad().toFloatArray(), gIn, "input gradient " + java.util.Arrays.toString(g));
            assertClose(wt.grad().toFloatArray(), java.util.Arrays.copyOf(grads, wSize), "weight gradient " + java.util.Arrays.toString(g));
            assertClose(b.grad().toFloatArray(), java.util.Arrays.copyOfRange(grads, wSize, wSize + o), "bias gradient");
            k.backward(gy.toFloatArray(), x.detach().toFloatArray(), n, params, 0, grads, 0, wSize, true, gIn, true);
            assertClose(x.grad().mul(2).toFloatArray(), gIn, "accumulated input gradient");
            assertClose(wt.grad().mul(2).toFloatArray(), java.util.Arrays.copyOf(grads, wSize), "accumulated weight gradient");
        }
    }

    @Test
    void forwardAfterBackwardStillSeesZeroPadding() {
        Conv2dKernel k = new Conv2dKernel(1, 4, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        float[] params = new float[10];
        java.util.Arrays.fill(params, 0, 9, 1f);
        float[] x = new float[16], out = new float[16], gOut = new float[16], grads = new float[10], gIn = new float[16];
        java.util.Arrays.fill(gOut, 1f);
        k.forward(x, 1, params, 0, -1, out);
        k.backward(gOut, x, 1, params, 0, grads, 0, -1, false, gIn, false);
        k.forward(x, 1, params, 0, -1, out);
        assertClose(new float[16], out, "zero input through a padded conv after a backward");
    }

    /** max, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil, countIncludePad. */
    private static final int[][] POOLS = {
        {1, 2, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1},
        {1, 2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1}, // the 2x2 fast path with an odd row and column left over
        {1, 3, 7, 9, 3, 3, 2, 2, 1, 1, 2, 1, 1, 1},
        {0, 2, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1},
        {0, 2, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0},
        {0, 1, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1},
    };

    @Test
    void poolingMatchesEagerForwardAndInputGradient() {
        for (int[] p : POOLS) {
            Torch.manualSeed(p[1] + p[2]);
            boolean max = p[0] == 1, ceil = p[12] == 1;
            int n = 2, c = p[1], h = p[2], w = p[3];
            Tensor x = Torch.randn(n, c, h, w).requiresGrad_();
            int[] kernel = {p[4], p[5]}, stride = {p[6], p[7]}, pad = {p[8], p[9]}, dil = {p[10], p[11]};
            Tensor y = max ? Convolution.maxPool2d(x, kernel, stride, pad, dil, ceil)
                    : Convolution.avgPool2d(x, kernel, stride, pad, ceil, p[13] == 1, null);
            Tensor gy = Torch.randn(y.size().toArray());
            y.mul(gy).sum().backward();
            int oh = y.size(2), ow = y.size(3);
            Pool2dKernel k = new Pool2dKernel(max, c, h, w, oh, ow, p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[13] == 1);
            k.ensureCapacity(n);
            float[] out = new float[n * c * oh * ow], gIn = new float[n * c * h * w];
            k.forward(x.detach().toFloatArray(), n, out);
            assertClose(y.detach().toFloatArray(), out, "pool forward " + java.util.Arrays.toString(p));
            k.backward(gy.toFloatArray(), n, gIn, false);
            assertClose(x.grad().toFloatArray(), gIn, "pool input gradient " + java.util.Arrays.toString(p));
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f * Math.max(1f, Math.abs(expected[i])), what + " at " + i);
        }
    }
}
