package dev.kiln.nn;

/**
 * Max and average pooling on raw float/double arrays, forward and backward, one plane at a time.
 *
 * <p>The window bounds depend only on the output row or column, so they are computed once per
 * call into small int arrays and the inner loops just walk them. Written twice (float, double)
 * for the same reason as {@link ConvKernels}.
 */
final class PoolKernels {
    private PoolKernels() {}

    /**
     * Max-pool window of each output position along one axis, as PyTorch walks it: start at
     * {@code o*stride - pad}, stop before {@code min(start + (k-1)*dil + 1, in)}, and step the start
     * by the dilation until it is inside the input (padding never wins the max).
     */
    private static int[][] maxWindows(int out, int in, int k, int stride, int pad, int dil) {
        int[] start = new int[out], end = new int[out];
        for (int o = 0; o < out; o++) {
            int s = o * stride - pad;
            end[o] = Math.min(s + (k - 1) * dil + 1, in);
            while (s < 0) s += dil;
            start[o] = s;
        }
        return new int[][] {start, end};
    }

    /** Writes the max of each window and the flat in-plane index of its first occurrence (NaN wins, as in PyTorch). */
    static void maxForward(float[] x, int xOff, PoolGeometry g, float[] out, int[] idx) {
        if (g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0 && g.pw() == 0
                && g.dh() == 1 && g.dw() == 1 && g.oh() * 2 <= g.h() && g.ow() * 2 <= g.w()) {
            maxForward2x2(x, xOff, g, out, idx);
            return;
        }
        int[][] rows = maxWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph(), g.dh());
        int[][] cols = maxWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw(), g.dw());
        int w = g.w(), dh = g.dh(), dw = g.dw(), oh = g.oh(), ow = g.ow();
        int[] ys = rows[0], ye = rows[1], xs = cols[0], xe = cols[1];
        for (int p = 0, o = 0; p < g.planes(); p++) {
            int base = xOff + p * g.inPlane();
            for (int oy = 0; oy < oh; oy++) {
                int y0 = ys[oy], y1 = ye[oy];
                for (int ox = 0; ox < ow; ox++, o++) {
                    int x0 = xs[ox], x1 = xe[ox];
                    float max = Float.NEGATIVE_INFINITY;
                    int arg = y0 * w + x0;
                    for (int iy = y0; iy < y1; iy += dh) {
                        int r = iy * w;
                        for (int ix = x0; ix < x1; ix += dw) {
                            float v = x[base + r + ix];
                            if (v > max || v != v) {  // v != v: NaN propagates, as in PyTorch
                                max = v;
                                arg = r + ix;
                            }
                        }
                    }
                    out[o] = max;
                    idx[o] = arg;
                }
            }
        }
    }

    /**
     * MaxPool2d(2) with every window inside the input (kernel 2, stride 2, no padding, no
     * dilation), the usual CNN pooling layer. The general loop walks per-window bound arrays with
     * strides; here the four candidates are read directly, in the same order (row by row) and with
     * the same comparison, so values and indices (including which NaN is reported) are identical.
     */
    private static void maxForward2x2(float[] x, int xOff, PoolGeometry g, float[] out, int[] idx) {
        int w = g.w(), oh = g.oh(), ow = g.ow(), plane = g.inPlane();
        for (int p = 0, o = 0; p < g.planes(); p++) {
            int base = xOff + p * plane;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = 2 * oy * w, r1 = r0 + w;
                for (int ox = 0; ox < ow; ox++, o++) {
                    int a0 = r0 + 2 * ox, a1 = a0 + 1, a2 = r1 + 2 * ox, a3 = a2 + 1;
                    // The first candidate always wins against -inf (or is a NaN, which wins too),
                    // so the walk starts from it. The other three pick by a select rather than a
                    // branch: which of four activations is largest is a coin toss the branch
                    // predictor loses about half the time.
                    float max = x[base + a0], v;
                    int arg = a0;
                    boolean t;
                    v = x[base + a1]; t = v > max || v != v; max = t ? v : max; arg = t ? a1 : arg;
                    v = x[base + a2]; t = v > max || v != v; max = t ? v : max; arg = t ? a2 : arg;
                    v = x[base + a3]; t = v > max || v != v; max = t ? v : max; arg = t ? a3 : arg;
                    out[o] = max;
                    idx[o] = arg;
                }
            }
        }
    }

    static void maxForward(double[] x, int xOff, PoolGeometry g, double[] out, int[] idx) {
        int[][] rows = maxWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph(), g.dh());
        int[][] cols = maxWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw(), g.dw());
        int w = g.w(), dh = g.dh(), dw = g.dw(), oh = g.oh(), ow = g.ow();
        int[] ys = rows[0], ye = rows[1], xs = cols[0], xe = cols[1];
        for (int p = 0, o = 0; p < g.planes(); p++) {
            int base = xOff + p * g.inPlane();
            for (int oy = 0; oy < oh; oy++) {
                int y0 = ys[oy], y1 = ye[oy];
                for (int ox = 0; ox < ow; ox++, o++) {
                    int x0 = xs[ox], x1 = xe[ox];
                    double max = Double.NEGATIVE_INFINITY;
                    int arg = y0 * w + x0;
                    for (int iy = y0; iy < y1; iy += dh) {
                        int r = iy * w;
                        for (int ix = x0; ix < x1; ix += dw) {
                            double v = x[base + r + ix];
                            if (v > max || v != v) {  // v != v: NaN propagates, as in PyTorch
                                max = v;
                                arg = r + ix;
                            }
                        }
                    }
                    out[o] = max;
                    idx[o] = arg;
                }
            }
        }
    }

    /** Routes each output gradient to the input position that won its window; overlapping windows add up. */
    static float[] maxBackward(float[] gout, int[] idx, PoolGeometry g) {
        float[] gin = new float[g.planes() * g.inPlane()];
        int per = g.outPlane();
        for (int p = 0, o = 0; p < g.planes(); p++) {
            int base = p * g.inPlane();
            for (int e = o + per; o < e; o++) gin[base + idx[o]] += gout[o];
        }
        return gin;
    }

    static double[] maxBackward(double[] gout, int[] idx, PoolGeometry g) {
        double[] gin = new double[g.planes() * g.inPlane()];
        int per = g.outPlane();
        for (int p = 0, o = 0; p < g.planes(); p++) {
            int base = p * g.inPlane();
            for (int e = o + per; o < e; o++) gin[base + idx[o]] += gout[o];
        }
        return gin;
    }

    /**
     * Average-pool windows along one axis, as PyTorch's CPU kernel: the window is first clipped to
     * the padded input (its length then is the count_include_pad divisor), then to the input itself.
     * Returns {start, end, paddedLength}.
     */
    private static int[][] avgWindows(int out, int in, int k, int stride, int pad) {
        int[] start = new int[out], end = new int[out], padded = new int[out];
        for (int o = 0; o < out; o++) {
            int s = o * stride - pad, e = Math.min(s + k, in + pad);
            padded[o] = e - s;
            start[o] = Math.max(s, 0);
            end[o] = Math.min(e, in);
        }
        return new int[][] {start, end, padded};
    }

    /** The divisor of each output position (row-major over the output plane). */
    static int[] avgDivisors(PoolGeometry g, boolean countIncludePad, Integer divisorOverride) {
        int[][] rows = avgWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph());
        int[][] cols = avgWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw());
        int[] div = new int[g.outPlane()];
        for (int oy = 0, o = 0; oy < g.oh(); oy++) {
            for (int ox = 0; ox < g.ow(); ox++, o++) {
                div[o] = divisorOverride != null ? divisorOverride
                        : countIncludePad ? rows[2][oy] * cols[2][ox]
                        : (rows[1][oy] - rows[0][oy]) * (cols[1][ox] - cols[0][ox]);
            }
        }
        return div;
    }

    static void avgForward(float[] x, int xOff, PoolGeometry g, int[] div, float[] out) {
        int[][] rows = avgWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph());
        int[][] cols = avgWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw());
        int w = g.w(), per = g.outPlane();
        for (int p = 0; p < g.planes(); p++) {
            int base = xOff + p * g.inPlane();
            for (int oy = 0, o = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++, o++) {
                    float sum = 0;  // accumulated in the tensor's type, as PyTorch's kernel does
                    for (int iy = rows[0][oy]; iy < rows[1][oy]; iy++) {
                        for (int ix = cols[0][ox], r = base + iy * w; ix < cols[1][ox]; ix++) sum += x[r + ix];
                    }
                    out[p * per + o] = sum / div[o];
                }
            }
        }
    }

    static void avgForward(double[] x, int xOff, PoolGeometry g, int[] div, double[] out) {
        int[][] rows = avgWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph());
        int[][] cols = avgWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw());
        int w = g.w(), per = g.outPlane();
        for (int p = 0; p < g.planes(); p++) {
            int base = xOff + p * g.inPlane();
            for (int oy = 0, o = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++, o++) {
                    double sum = 0;
                    for (int iy = rows[0][oy]; iy < rows[1][oy]; iy++) {
                        for (int ix = cols[0][ox], r = base + iy * w; ix < cols[1][ox]; ix++) sum += x[r + ix];
                    }
                    out[p * per + o] = sum / div[o];
                }
            }
        }
    }

    /** Spreads each output gradient evenly (by the same divisor) over its window's input positions. */
    static float[] avgBackward(float[] gout, PoolGeometry g, int[] div) {
        int[][] rows = avgWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph());
        int[][] cols = avgWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw());
        float[] gin = new float[g.planes() * g.inPlane()];
        int w = g.w(), per = g.outPlane();
        for (int p = 0; p < g.planes(); p++) {
            int base = p * g.inPlane();
            for (int oy = 0, o = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++, o++) {
                    float v = gout[p * per + o] / div[o];
                    for (int iy = rows[0][oy]; iy < rows[1][oy]; iy++) {
                        for (int ix = cols[0][ox], r = base + iy * w; ix < cols[1][ox]; ix++) gin[r + ix] += v;
                    }
                }
            }
        }
        return gin;
    }

    static double[] avgBackward(double[] gout, PoolGeometry g, int[] div) {
        int[][] rows = avgWindows(g.oh(), g.h(), g.kh(), g.sh(), g.ph());
        int[][] cols = avgWindows(g.ow(), g.w(), g.kw(), g.sw(), g.pw());
        double[] gin = new double[g.planes() * g.inPlane()];
        int w = g.w(), per = g.outPlane();
        for (int p = 0; p < g.planes(); p++) {
            int base = p * g.inPlane();
            for (int oy = 0, o = 0; oy < g.oh(); oy++) {
                for (int ox = 0; ox < g.ow(); ox++, o++) {
                    double v = gout[p * per + o] / div[o];
                    for (int iy = rows[0][oy]; iy < rows[1][oy]; iy++) {
                        for (int ix = cols[0][ox], r = base + iy * w; ix < cols[1][ox]; ix++) gin[r + ix] += v;
                    }
                }
            }
        }
        return gin;
    }
}
