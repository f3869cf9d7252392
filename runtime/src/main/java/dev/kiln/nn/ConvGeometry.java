package dev.kiln.nn;

/**
 * The sizes of one conv2d call (batched NCHW input, OIHW weight) and, for each kernel offset, the
 * range of output positions that read inside the image.
 *
 * <p>Those ranges are what make im2col cheap: padding taps read zeros, and since the same taps are
 * zero for every image of a batch, a zero-filled column buffer only ever needs its valid entries
 * rewritten (and col2im only ever scatters valid entries back). The eager convolution and the
 * compiled models' {@code Conv2dKernel} share it.
 */
public final class ConvGeometry {
    public final int n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow;
    /** Per kernel row ki: output rows oy in [oyLo[ki], oyHi[ki]) read input row oy*sh + ki*dh - ph inside [0, h). */
    public final int[] oyLo, oyHi;
    /** Per kernel column kj: the same for output columns. */
    public final int[] oxLo, oxHi;

    public ConvGeometry(int n, int c, int h, int w, int o, int kh, int kw, int[] stride, int[] padding, int[] dilation,
                 int groups) {
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.o = o;
        this.kh = kh;
        this.kw = kw;
        this.sh = stride[0];
        this.sw = stride[1];
        this.ph = padding[0];
        this.pw = padding[1];
        this.dh = dilation[0];
        this.dw = dilation[1];
        this.groups = groups;
        this.oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        this.ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        this.oyLo = new int[kh];
        this.oyHi = new int[kh];
        this.oxLo = new int[kw];
        this.oxHi = new int[kw];
        validRanges(kh, sh, ph, dh, h, oh, oyLo, oyHi);
        validRanges(kw, sw, pw, dw, w, ow, oxLo, oxHi);
    }

    /** Input index = out * stride + (k * dilation - pad); keeps the outs where it lies in [0, in). */
    private static void validRanges(int k, int stride, int pad, int dil, int in, int out, int[] lo, int[] hi) {
        for (int i = 0; i < k; i++) {
            int shift = i * dil - pad;
            int first = shift >= 0 ? 0 : Math.ceilDiv(-shift, stride);
            int end = shift > in - 1 ? 0 : Math.min(out, (in - 1 - shift) / stride + 1);
            lo[i] = Math.min(first, out);
            hi[i] = Math.max(lo[i], end);
        }
    }

    /** Input channels per group. */
    int cg() { return c / groups; }

    /** Output channels per group. */
    int og() { return o / groups; }

    /** Rows of one group's column matrix: cg * kh * kw (also the weight's row length). */
    int kg() { return cg() * kh * kw; }

    /** Output positions per plane. */
    int l() { return oh * ow; }

    int inPlane() { return h * w; }

    /** A 1x1, stride-1, unpadded conv: the input image already is its column matrix. */
    public boolean identityColumns() { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
}
