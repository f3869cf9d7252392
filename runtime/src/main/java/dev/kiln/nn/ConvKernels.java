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

    static void im2col(float[] in, int inOff, ConvGeometry g, float[] col) {
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

    /** Adds each column entry back into the input position it was read from. */
    static void col2im(float[] col, ConvGeometry g, float[] out, int outOff) {
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

    static float[] forward(float[] x, int xOff, float[] wt, int wOff, float[] bias, int bOff, ConvGeometry g) {
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
