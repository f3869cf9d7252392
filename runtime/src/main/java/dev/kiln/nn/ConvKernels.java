package dev.kiln.nn;

import dev.kiln.backend.cpu.Gemm;

/**
 * conv2d as im2col + GEMM, forward and both backward products, on raw float/double arrays.
 *
 * <p>Per image, the input is unfolded into a column matrix [C*kh*kw, oh*ow] (one row per kernel
 * tap), so that for group g the output is {@code W_g [og, kg] x col_g [kg, L]}. The input gradient
 * is {@code W_g^T x gradOut_g} folded back by col2im (a scatter-add, since taps overlap), and the
 * weight gradient sums {@code gradOut_g x col_g^T} over the batch. The column buffer is recomputed
 * in backward rather than saved: unfolding is a copy, far cheaper than the GEMMs, and saving it
 * would hold kh*kw times the input per layer until backward.
 *
 * <p>Everything is written twice, for float[] and double[], because Java generics cannot abstract
 * over primitive arrays and a boxed or virtual element accessor would dominate the hot loops.
 */
final class ConvKernels {
    private ConvKernels() {}

    // ------------------------------------------------------------------ float32

    static void im2col(float[] in, int inOff, ConvGeometry g, float[] col) { im2col(in, inOff, g, col, 0, g.l()); }

    /** Unfolds one image into columns {@code [colOff, colOff + l)} of a column matrix whose rows are {@code ld} long. */
    static void im2col(float[] in, int inOff, ConvGeometry g, float[] col, int colOff, int ld) {
        int row = 0;
        for (int c = 0; c < g.c; c++) {
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int lo = g.oxLo[kj], hi = g.oxHi[kj];
                    if (lo >= hi) continue;
                    int rowStart = inOff + c * g.inPlane() + (ki * g.dh - g.ph) * g.w + kj * g.dw - g.pw;
                    for (int oy = g.oyLo[ki]; oy < g.oyHi[ki]; oy++) {
                        int src = rowStart + oy * g.sh * g.w, dst = colOff + row * ld + oy * g.ow;
                        if (g.sw == 1) {
                            System.arraycopy(in, src + lo, col, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) col[dst + ox] = in[src + ox * g.sw];
                        }
                    }
                }
            }
        }
    }

    /** Adds each column entry back into the input position it was read from. */
    static void col2im(float[] col, ConvGeometry g, float[] out, int outOff) { col2im(col, 0, g.l(), g, out, outOff); }

    /** col2im reading columns {@code [colOff, colOff + l)} of a column matrix whose rows are {@code ld} long. */
    static void col2im(float[] col, int colOff, int ld, ConvGeometry g, float[] out, int outOff) {
        int row = 0;
        for (int c = 0; c < g.c; c++) {
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int lo = g.oxLo[kj], hi = g.oxHi[kj], sw = g.sw;
                    int rowStart = outOff + c * g.inPlane() + (ki * g.dh - g.ph) * g.w + kj * g.dw - g.pw;
                    for (int oy = g.oyLo[ki]; oy < g.oyHi[ki]; oy++) {
                        int dst = rowStart + oy * g.sh * g.w, src = colOff + row * ld + oy * g.ow;
                        for (int ox = lo; ox < hi; ox++) out[dst + ox * sw] += col[src + ox];
                    }
                }
            }
        }
    }

    /**
     * Floats a batched column buffer may take (16 MiB): enough for a whole 64-image batch of a
     * 32-channel 3x3 layer on 14x14 maps, while a large evaluation batch is cut into chunks.
     */
    private static final long COLUMN_BUDGET = 1L << 22;

    /**
     * Whether to unfold several images side by side into one column matrix [kg, images * l] and run
     * one GEMM per chunk of images instead of one per image. Per image the GEMM is small (a
     * 64 x 196 x 288 product for a typical second layer), so the per-call packing, fork and join
     * dominate; batched, the same products keep both cores busy on large blocks. Each output
     * element is still the same k-long sum in the same order (the k dimension is not batched), so
     * the results are bit-identical, provided the per-image product already took Gemm's blocked
     * path; single groups only, and not for 1x1 convolutions, which need no unfolding.
     */
    private static boolean batched(ConvGeometry g) {
        return g.groups == 1 && !g.identityColumns() && g.n > 1 && Gemm.blocked(g.o, g.l(), g.kg());
    }

    /** Images per chunk: as many as fit {@link #COLUMN_BUDGET}, at least one. */
    private static int chunk(ConvGeometry g) {
        return (int) Math.max(1, Math.min(g.n, COLUMN_BUDGET / ((long) g.kg() * g.l())));
    }

    private static float[] forwardBatched(float[] x, int xOff, float[] wt, int wOff, float[] bias, int bOff, ConvGeometry g) {
        int l = g.l(), k = g.kg(), o = g.o, inImage = g.c * g.inPlane(), chunk = chunk(g), ld = chunk * l;
        float[] out = new float[g.n * o * l];
        // Zero-filled once: the padding taps are the same zeros for every image, and im2col only
        // writes the valid ones, so the buffer is reused across chunks with a fixed row length.
        float[] col = new float[k * ld], prod = new float[o * ld];
        for (int n0 = 0; n0 < g.n; n0 += chunk) {
            int count = Math.min(chunk, g.n - n0), cols = count * l;
            for (int i = 0; i < count; i++) im2col(x, xOff + (n0 + i) * inImage, g, col, i * l, ld);
            // The bias goes in first and the GEMM accumulates onto it, as the per-image path does.
            if (bias != null) {
                for (int oc = 0; oc < o; oc++) java.util.Arrays.fill(prod, oc * ld, oc * ld + cols, bias[bOff + oc]);
            }
            Gemm.sgemm(false, false, o, cols, k, wt, wOff, k, col, 0, ld, prod, 0, ld, bias != null);
            for (int i = 0; i < count; i++) {
                for (int oc = 0; oc < o; oc++) System.arraycopy(prod, oc * ld + i * l, out, ((n0 + i) * o + oc) * l, l);
            }
        }
        return out;
    }

    /** The input gradient a chunk of images at a time (see {@link #batched}): gcol = W^T x gout, then col2im per image. */
    private static float[] inputGradBatched(float[] gout, float[] wt, int wOff, ConvGeometry g) {
        int l = g.l(), k = g.kg(), o = g.o, inImage = g.c * g.inPlane(), chunk = chunk(g), ld = chunk * l;
        float[] gin = new float[g.n * inImage];
        float[] goutCols = new float[o * ld], gcol = new float[k * ld];
        for (int n0 = 0; n0 < g.n; n0 += chunk) {
            int count = Math.min(chunk, g.n - n0), cols = count * l;
            // [images, o, l] -> [o, images * l], the layout the single GEMM needs.
            for (int i = 0; i < count; i++) {
                for (int oc = 0; oc < o; oc++) System.arraycopy(gout, ((n0 + i) * o + oc) * l, goutCols, oc * ld + i * l, l);
            }
            Gemm.sgemm(true, false, k, cols, o, wt, wOff, k, goutCols, 0, ld, gcol, 0, ld, false);
            for (int i = 0; i < count; i++) col2im(gcol, i * l, ld, g, gin, (n0 + i) * inImage);
        }
        return gin;
    }

    static float[] forward(float[] x, int xOff, float[] wt, int wOff, float[] bias, int bOff, ConvGeometry g) {
        if (batched(g)) return forwardBatched(x, xOff, wt, wOff, bias, bOff, g);
        int l = g.l(), og = g.og(), kg = g.kg(), inImage = g.c * g.inPlane();
        float[] out = new float[g.n * g.o * l];
        float[] col = g.identityColumns() ? null : new float[g.c * g.kh * g.kw * l];
        for (int n = 0; n < g.n; n++) {
            float[] src = col == null ? x : col;
            int srcOff = col == null ? xOff + n * inImage : 0;
            if (col != null) im2col(x, xOff + n * inImage, g, col);
            int outOff = n * g.o * l;
            if (bias != null) {
                for (int oc = 0; oc < g.o; oc++) java.util.Arrays.fill(out, outOff + oc * l, outOff + (oc + 1) * l, bias[bOff + oc]);
            }
            for (int gi = 0; gi < g.groups; gi++) {
                Gemm.sgemm(false, false, og, l, kg, wt, wOff + gi * og * kg, kg, src, srcOff + gi * kg * l, l,
                        out, outOff + gi * og * l, l, bias != null);
            }
        }
        return out;
    }

    static float[] inputGrad(float[] gout, float[] wt, int wOff, ConvGeometry g) {
        if (batched(g) && Gemm.blocked(g.kg(), g.l(), g.o)) return inputGradBatched(gout, wt, wOff, g);
        int l = g.l(), og = g.og(), kg = g.kg(), inImage = g.c * g.inPlane();
        float[] gin = new float[g.n * inImage];
        float[] gcol = g.identityColumns() ? null : new float[g.c * g.kh * g.kw * l];
        for (int n = 0; n < g.n; n++) {
            for (int gi = 0; gi < g.groups; gi++) {
                Gemm.sgemm(true, false, kg, l, og, wt, wOff + gi * og * kg, kg, gout, (n * g.o + gi * og) * l, l,
                        gcol == null ? gin : gcol, (gcol == null ? n * inImage : 0) + gi * kg * l, l, false);
            }
            if (gcol != null) col2im(gcol, g, gin, n * inImage);
        }
        return gin;
    }

    static float[] weightGrad(float[] gout, float[] x, int xOff, ConvGeometry g) {
        int l = g.l(), og = g.og(), kg = g.kg(), inImage = g.c * g.inPlane();
        float[] gw = new float[g.o * kg];
        float[] col = g.identityColumns() ? null : new float[g.c * g.kh * g.kw * l];
        for (int n = 0; n < g.n; n++) {
            float[] src = col == null ? x : col;
            int srcOff = col == null ? xOff + n * inImage : 0;
            if (col != null) im2col(x, xOff + n * inImage, g, col);
            for (int gi = 0; gi < g.groups; gi++) {
                Gemm.sgemm(false, true, og, kg, l, gout, (n * g.o + gi * og) * l, l, src, srcOff + gi * kg * l, l,
                        gw, gi * og * kg, kg, n > 0);
            }
        }
        return gw;
    }

    /** Sums over batch and positions; accumulated in double so a large batch does not lose the small terms. */
    static float[] biasGrad(float[] gout, ConvGeometry g) {
        float[] gb = new float[g.o];
        int l = g.l();
        for (int oc = 0; oc < g.o; oc++) {
            double s = 0;
            for (int n = 0; n < g.n; n++) {
                for (int i = (n * g.o + oc) * l, e = i + l; i < e; i++) s += gout[i];
            }
            gb[oc] = (float) s;
        }
        return gb;
    }

    // ------------------------------------------------------------------ float64 (same algorithm)

    static void im2col(double[] in, int inOff, ConvGeometry g, double[] col) {
        int l = g.l(), row = 0;
        for (int c = 0; c < g.c; c++) {
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int lo = g.oxLo[kj], hi = g.oxHi[kj];
                    if (lo >= hi) continue;
                    int rowStart = inOff + c * g.inPlane() + (ki * g.dh - g.ph) * g.w + kj * g.dw - g.pw;
                    for (int oy = g.oyLo[ki]; oy < g.oyHi[ki]; oy++) {
                        int src = rowStart + oy * g.sh * g.w, dst = row * l + oy * g.ow;
                        if (g.sw == 1) {
                            System.arraycopy(in, src + lo, col, dst + lo, hi - lo);
                        } else {
                            for (int ox = lo; ox < hi; ox++) col[dst + ox] = in[src + ox * g.sw];
                        }
                    }
                }
            }
        }
    }

    static void col2im(double[] col, ConvGeometry g, double[] out, int outOff) {
        int l = g.l(), row = 0;
        for (int c = 0; c < g.c; c++) {
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++, row++) {
                    int lo = g.oxLo[kj], hi = g.oxHi[kj], sw = g.sw;
                    int rowStart = outOff + c * g.inPlane() + (ki * g.dh - g.ph) * g.w + kj * g.dw - g.pw;
                    for (int oy = g.oyLo[ki]; oy < g.oyHi[ki]; oy++) {
                        int dst = rowStart + oy * g.sh * g.w, src = row * l + oy * g.ow;
                        for (int ox = lo; ox < hi; ox++) out[dst + ox * sw] += col[src + ox];
                    }
                }
            }
        }
    }

    static double[] forward(double[] x, int xOff, double[] wt, int wOff, double[] bias, int bOff, ConvGeometry g) {
        int l = g.l(), og = g.og(), kg = g.kg(), inImage = g.c * g.inPlane();
        double[] out = new double[g.n * g.o * l];
        double[] col = g.identityColumns() ? null : new double[g.c * g.kh * g.kw * l];
        for (int n = 0; n < g.n; n++) {
            double[] src = col == null ? x : col;
            int srcOff = col == null ? xOff + n * inImage : 0;
            if (col != null) im2col(x, xOff + n * inImage, g, col);
            int outOff = n * g.o * l;
            if (bias != null) {
                for (int oc = 0; oc < g.o; oc++) java.util.Arrays.fill(out, outOff + oc * l, outOff + (oc + 1) * l, bias[bOff + oc]);
            }
            for (int gi = 0; gi < g.groups; gi++) {
                Gemm.dgemm(false, false, og, l, kg, wt, wOff + gi * og * kg, kg, src, srcOff + gi * kg * l, l,
                        out, outOff + gi * og * l, l, bias != null);
            }
        }
        return out;
    }

    static double[] inputGrad(double[] gout, double[] wt, int wOff, ConvGeometry g) {
        int l = g.l(), og = g.og(), kg = g.kg(), inImage = g.c * g.inPlane();
        double[] gin = new double[g.n * inImage];
        double[] gcol = g.identityColumns() ? null : new double[g.c * g.kh * g.kw * l];
        for (int n = 0; n < g.n; n++) {
            for (int gi = 0; gi < g.groups; gi++) {
                Gemm.dgemm(true, false, kg, l, og, wt, wOff + gi * og * kg, kg, gout, (n * g.o + gi * og) * l, l,
                        gcol == null ? gin : gcol, (gcol == null ? n * inImage : 0) + gi * kg * l, l, false);
            }
            if (gcol != null) col2im(gcol, g, gin, n * inImage);
        }
        return gin;
    }

    static double[] weightGrad(double[] gout, double[] x, int xOff, ConvGeometry g) {
        int l = g.l(), og = g.og(), kg = g.kg(), inImage = g.c * g.inPlane();
        double[] gw = new double[g.o * kg];
        double[] col = g.identityColumns() ? null : new double[g.c * g.kh * g.kw * l];
        for (int n = 0; n < g.n; n++) {
            double[] src = col == null ? x : col;
            int srcOff = col == null ? xOff + n * inImage : 0;
            if (col != null) im2col(x, xOff + n * inImage, g, col);
            for (int gi = 0; gi < g.groups; gi++) {
                Gemm.dgemm(false, true, og, kg, l, gout, (n * g.o + gi * og) * l, l, src, srcOff + gi * kg * l, l,
                        gw, gi * og * kg, kg, n > 0);
            }
        }
        return gw;
    }

    static double[] biasGrad(double[] gout, ConvGeometry g) {
        double[] gb = new double[g.o];
        int l = g.l();
        for (int oc = 0; oc < g.o; oc++) {
            double s = 0;
            for (int n = 0; n < g.n; n++) {
                for (int i = (n * g.o + oc) * l, e = i + l; i < e; i++) s += gout[i];
            }
            gb[oc] = s;
        }
        return gb;
    }
}
