package dev.kiln.backend.cpu;

/**
 * MaxPool2d or AvgPool2d of a generated model over NCHW samples, with PyTorch's window rules (as the eager
 * {@code dev.kiln.nn.PoolKernels}): max windows skip padding and record the first maximum (NaN wins); average
 * windows divide by the padded or the in-image count. Windows depend only on the output row or column, so
 * they are computed once here. The argmax buffer grows with {@link #ensureCapacity}, so a step allocates nothing.
 */
public final class Pool2dKernel {
    private final boolean max;
    /** 2x2 windows at stride 2, no padding or dilation, all inside the image: the CNN case, without the window walk. */
    private final boolean max2x2;
    private final int c, h, w, oh, ow, dh, dw;
    /** Per output row/column: the first and one-past-last input index of its window. */
    private final int[] ys, ye, xs, xe;
    /** Average pooling: the divisor of each output position of a plane. */
    private final float[] div;
    /** Max pooling: in-plane index of each output's maximum, for the backward scatter. */
    private int[] argmax = new int[0];

    /** {@code ceilMode} only changes the output size, which the compiler passes as {@code oh, ow}. */
    public Pool2dKernel(boolean max, int c, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int ph, int pw,
                        int dh, int dw, boolean countIncludePad) {
        this.max = max;
        this.max2x2 = max && kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1
                && 2 * oh <= h && 2 * ow <= w;
        this.c = c;
        this.h = h;
        this.w = w;
        this.oh = oh;
        this.ow = ow;
        this.dh = max ? dh : 1;
        this.dw = max ? dw : 1;
        this.ys = new int[oh];
        this.ye = new int[oh];
        this.xs = new int[ow];
        this.xe = new int[ow];
        int[] padH = new int[oh], padW = new int[ow];
        windows(max, oh, h, kh, sh, ph, dh, ys, ye, padH);
        windows(max, ow, w, kw, sw, pw, dw, xs, xe, padW);
        this.div = new float[max ? 0 : oh * ow];
        for (int oy = 0; oy < oh && !max; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                div[oy * ow + ox] = countIncludePad ? padH[oy] * padW[ox] : (ye[oy] - ys[oy]) * (xe[ox] - xs[ox]);
            }
        }
    }

    /**
     * Max: start at {@code o*stride - pad}, end before {@code min(start + (k-1)*dil + 1, in)}, then step the start
     * by the dilation until it is inside the input. Average: clip to the padded input (that length is the
     * count_include_pad divisor), then to the input.
     */
    private static void windows(boolean max, int out, int in, int k, int stride, int pad, int dil, int[] start, int[] end,
                                int[] padded) {
        for (int o = 0; o < out; o++) {
            int s = o * stride - pad;
            if (max) {
                end[o] = Math.min(s + (k - 1) * dil + 1, in);
                while (s < 0) s += dil;
                start[o] = s;
            } else {
                int e = Math.min(s + k, in + pad);
                padded[o] = e - s;
                start[o] = Math.max(s, 0);
                end[o] = Math.min(e, in);
            }
        }
    }

    public void ensureCapacity(int maxBatch) {
        if (max && argmax.length < maxBatch * c * oh * ow) argmax = new int[maxBatch * c * oh * ow];
    }

    public void forward(float[] x, int n, float[] out) {
        int planes = n * c, inPlane = h * w;
        if (max2x2) {
            maxForward2x2(x, planes, out);
            return;
        }
        for (int p = 0, o = 0; p < planes; p++) {
            int base = p * inPlane;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, o++) {
                    if (max) maxWindow(x, base, oy, ox, out, o);
                    else out[o] = windowSum(x, base, oy, ox) / div[oy * ow + ox];
                }
            }
        }
    }

    /**
     * The same comparisons as {@link #maxWindow} in the same order (row by row, first maximum wins, NaN wins), with
     * the four taps read directly: the generic window walk took an eighth of a Fashion-MNIST training step.
     */
    private void maxForward2x2(float[] x, int planes, float[] out) {
        int inPlane = h * w;
        for (int p = 0, o = 0; p < planes; p++) {
            int base = p * inPlane;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = 2 * oy * w, r1 = r0 + w;
                for (int ox = 0; ox < ow; ox++, o++) {
                    int i0 = r0 + 2 * ox, i2 = r1 + 2 * ox;
                    float best = x[base + i0];
                    int arg = i0;
                    float v = x[base + i0 + 1];
                    if (v > best || v != v) { best = v; arg = i0 + 1; }
                    v = x[base + i2];
                    if (v > best || v != v) { best = v; arg = i2; }
                    v = x[base + i2 + 1];
                    if (v > best || v != v) { best = v; arg = i2 + 1; }
                    out[o] = best;
                    argmax[o] = arg;
                }
            }
        }
    }

    private void maxWindow(float[] x, int base, int oy, int ox, float[] out, int o) {
        float best = Float.NEGATIVE_INFINITY;
        int arg = ys[oy] * w + xs[ox];
        for (int iy = ys[oy]; iy < ye[oy]; iy += dh) {
            for (int ix = xs[ox], r = iy * w; ix < xe[ox]; ix += dw) {
                float v = x[base + r + ix];
                if (v > best || v != v) { // v != v: NaN propagates, as in PyTorch
                    best = v;
                    arg = r + ix;
                }
            }
        }
        out[o] = best;
        argmax[o] = arg;
    }

    /** Summed in float, as PyTorch's CPU kernel does for float32. */
    private float windowSum(float[] x, int base, int oy, int ox) {
        float sum = 0f;
        for (int iy = ys[oy]; iy < ye[oy]; iy++) {
            for (int ix = xs[ox], r = base + iy * w; ix < xe[ox]; ix++) sum += x[r + ix];
        }
        return sum;
    }

    /** The input gradient, added to {@code gIn} when {@code accumulate}: max routes to the argmax, average spreads evenly. */
    public void backward(float[] gOut, int n, float[] gIn, boolean accumulate) {
        int planes = n * c, inPlane = h * w;
        if (!accumulate) java.util.Arrays.fill(gIn, 0, planes * inPlane, 0f);
        for (int p = 0, o = 0; p < planes; p++) {
            int base = p * inPlane;
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, o++) {
                    if (max) {
                        gIn[base + argmax[o]] += gOut[o];
                        continue;
                    }
                    float v = gOut[o] / div[oy * ow + ox];
                    for (int iy = ys[oy]; iy < ye[oy]; iy++) {
                        for (int ix = xs[ox], r = base + iy * w; ix < xe[ox]; ix++) gIn[r + ix] += v;
                    }
                }
            }
        }
    }
}
