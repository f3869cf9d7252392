package dev.kiln.backend.cpu;

import dev.kiln.nn.ConvGeometry;

/**
 * One Conv2d layer of a generated model: im2col plus the {@link Dense} products, per image, over NCHW
 * samples in the model's flat buffers. The geometry is fixed at compile time, so the generated class
 * builds one of these per layer and the column buffers are allocated once, here; a step allocates nothing.
 *
 * <p>Per image and group g, with {@code col} the unfolded input [C*kh*kw, L] (L = oh*ow):
 * forward {@code out_g = W_g col_g} (broadcast product), weight gradient {@code dW_g += dOut_g col_g^T}
 * (dot products along L), input gradient {@code dcol_g = W_g^T dOut_g} folded back by col2im. These are
 * the rules of {@code nn.functional.conv2d}'s autograd, the same as the eager {@code dev.kiln.nn.Convolution}.
 */
public final class Conv2dKernel {
    private final int c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow;
    /** Per kernel row ki: output rows oy in [oyLo[ki], oyHi[ki]) read an input row inside the image. */
    private final int[] oyLo, oyHi, oxLo, oxHi;
    /** Padding taps are never written, so they stay the zeros they were allocated with. */
    private final float[] col;
    /** The input gradient's columns: apart from {@link #col}, whose padding taps must stay zero. */
    private final float[] gcol;
    private final boolean identity;

    public Conv2dKernel(int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups) {
        this.c = c;
        this.h = h;
        this.w = w;
        this.o = o;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = ph;
        this.pw = pw;
        this.dh = dh;
        this.dw = dw;
        this.groups = groups;
        var geometry = new ConvGeometry(1, c, h, w, o, kh, kw, new int[] {sh, sw}, new int[] {ph, pw}, new int[] {dh, dw}, groups);
        this.oh = geometry.oh;
        this.ow = geometry.ow;
        this.oyLo = geometry.oyLo;
        this.oyHi = geometry.oyHi;
        this.oxLo = geometry.oxLo;
        this.oxHi = geometry.oxHi;
        this.identity = geometry.identityColumns();
        this.col = identity ? new float[0] : new float[c * kh * kw * oh * ow];
        this.gcol = new float[col.length];
    }

    private int l() { return oh * ow; }

    private int kg() { return c / groups * kh * kw; }

    /** {@code out = conv2d(x, W, b)} for n samples; {@code bOff < 0}: no bias. */
    public void forward(float[] x, int n, float[] params, int wOff, int bOff, float[] out) {
        int l = l(), og = o / groups, kg = kg(), inImage = c * h * w;
        for (int s = 0; s < n; s++) {
            float[] src = columns(x, s * inImage);
            int srcOff = identity ? s * inImage : 0, outOff = s * o * l;
            for (int g = 0; g < groups; g++) {
                Dense.matmulNN(params, wOff + g * og * kg, og, kg, src, srcOff + g * kg * l, l, out, outOff + g * og * l, false);
            }
            if (bOff >= 0) {
                for (int oc = 0; oc < o; oc++) {
                    float b = params[bOff + oc];
                    for (int i = outOff + oc * l, e = i + l; i < e; i++) out[i] += b;
                }
            }
        }
    }

    /**
     * Parameter gradients into {@code grads} (added when {@code accumulate}), and when {@code gIn} is not null
     * the input gradient (added to it when {@code accumulateIn}).
     */
    public void backward(float[] gOut, float[] x, int n, float[] params, int wOff, float[] grads, int gwOff, int gbOff,
                         boolean accumulate, float[] gIn, boolean accumulateIn) {
        int l = l(), og = o / groups, kg = kg(), inImage = c * h * w;
        if (gbOff >= 0) biasGradient(gOut, n, grads, gbOff, accumulate);
        for (int s = 0; s < n; s++) {
            float[] src = columns(x, s * inImage);
            int srcOff = identity ? s * inImage : 0;
            for (int g = 0; g < groups; g++) {
                Dense.matmulNT(gOut, (s * o + g * og) * l, og, l, src, srcOff + g * kg * l, kg, grads, gwOff + g * og * kg,
                        accumulate || s > 0);
            }
        }
        if (gIn == null) return;
        for (int s = 0; s < n; s++) {
            if (identity) {
                for (int g = 0; g < groups; g++) {
                    Dense.matmulTN(params, wOff + g * og * kg, kg, og, gOut, (s * o + g * og) * l, l, gIn, s * inImage + g * kg * l,
                            accumulateIn);
                }
                continue;
            }
            for (int g = 0; g < groups; g++) {
                Dense.matmulTN(params, wOff + g * og * kg, kg, og, gOut, (s * o + g * og) * l, l, gcol, g * kg * l, false);
            }
            if (!accumulateIn) java.util.Arrays.fill(gIn, s * inImage, (s + 1) * inImage, 0f);
            col2im(gIn, s * inImage);
        }
    }

    /**
     * Sums over samples and positions: each plane in float vectors, the planes across the batch in double (the eager
     * kernel sums everything in double; a scalar double loop took 3% of a CNN step).
     */
    private void biasGradient(float[] gOut, int n, float[] grads, int gbOff, boolean accumulate) {
        int l = l();
        for (int oc = 0; oc < o; oc++) {
            double sum = accumulate ? grads[gbOff + oc] : 0;
            for (int s = 0; s < n; s++) sum += Dense.sum(gOut, (s * o + oc) * l, l);
            grads[gbOff + oc] = (float) sum;
        }
    }

    /** The column matrix of one image: the image itself for a 1x1 unpadded stride-1 conv, else im2col into {@link #col}. */
    private float[] columns(float[] x, int xOff) {
        if (identity) return x;
        int l = l(), row = 0;
        for (int ch = 0; ch < c; ch++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++, row++) {
                    int lo = oxLo[kj], hi = oxHi[kj];
                    if (lo >= hi) continue;
                    int rowStart = xOff + ch * h * w + (ki * dh - ph) * w + kj * dw - pw;
                    for (int oy = oyLo[ki]; oy < oyHi[ki]; oy++) {
                        int src = rowStart + oy * sh * w, dst = row * l + oy * ow;
                        if (sw == 1) {
                            System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) col[dst + ox] = x[src + ox * sw];
                        }
                    }
                }
            }
        }
        return col;
    }

    /** Adds each column entry back into the input position it was read from (taps overlap, so it sums). */
    private void col2im(float[] gIn, int gOff) {
        int l = l(), row = 0;
        for (int ch = 0; ch < c; ch++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++, row++) {
                    int lo = oxLo[kj], hi = oxHi[kj];
                    int rowStart = gOff + ch * h * w + (ki * dh - ph) * w + kj * dw - pw;
                    for (int oy = oyLo[ki]; oy < oyHi[ki]; oy++) {
                        int dst = rowStart + oy * sh * w, src = row * l + oy * ow;
                        for (int ox = lo; ox < hi; ox++) gIn[dst + ox * sw] += gcol[src + ox];
                    }
                }
            }
        }
    }

    /** Floats per output sample: {@code o * oh * ow}. */
    public int outputSize() { return o * l(); }
}
