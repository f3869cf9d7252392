package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import org.junit.jupiter.api.Test;

/**
 * conv2d on layers big enough that the GEMMs leave the small-matrix path (the fixture cases are
 * tiny), checked against a direct seven-loop convolution and its hand-derived gradients in double.
 */
class ConvReferenceTest {

    /** Direct conv: returns {out, gradInput, gradWeight, gradBias} for upstream gradient u. */
    private static double[][] reference(double[] x, double[] w, double[] b, double[] u, int n, int c, int h, int wd,
                                        int o, int kh, int kw, int s, int p, int d, int groups, int oh, int ow) {
        double[] out = new double[n * o * oh * ow], gx = new double[x.length], gw = new double[w.length], gb = new double[o];
        int cg = c / groups, og = o / groups;
        for (int in = 0; in < n; in++) {
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        int oi = ((in * o + oc) * oh + y) * ow + xx;
                        double acc = b[oc];
                        for (int ci = 0; ci < cg; ci++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int iy = y * s - p + i * d, ix = xx * s - p + j * d;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    int xi = ((in * c + grp * cg + ci) * h + iy) * wd + ix;
                                    int wi = ((oc * cg + ci) * kh + i) * kw + j;
                                    acc += x[xi] * w[wi];
                                    gx[xi] += w[wi] * u[oi];
                                    gw[wi] += x[xi] * u[oi];
                                }
                            }
                        }
                        out[oi] = acc;
                        gb[oc] += u[oi];
                    }
                }
            }
        }
        return new double[][] {out, gx, gw, gb};
    }

    private static void check(DType dtype, int n, int c, int h, int wd, int o, int k, int s, int p, int d, int groups,
                              double tol) {
        Torch.manualSeed(5);
        Tensor x = Torch.randn(new int[] {n, c, h, wd}, dtype).requiresGrad_();
        Tensor w = Torch.randn(new int[] {o, c / groups, k, k}, dtype).requiresGrad_();
        Tensor b = Torch.randn(new int[] {o}, dtype).requiresGrad_();
        Tensor out = Convolution.conv2d(x, w, b, new int[] {s}, new int[] {p}, new int[] {d}, groups);
        Tensor u = Torch.randn(out.shape().toArray(), dtype);
        out.mul(u).sum().backward();
        double[][] ref = reference(x.toDoubleArray(), w.toDoubleArray(), b.toDoubleArray(), u.toDoubleArray(), n, c, h,
                wd, o, k, k, s, p, d, groups, out.size(2), out.size(3));
        String what = dtype + " k" + k + " s" + s + " p" + p + " d" + d + " g" + groups;
        close(ref[0], out.toDoubleArray(), tol, what + " out");
        close(ref[1], x.grad().toDoubleArray(), tol, what + " grad input");
        close(ref[2], w.grad().toDoubleArray(), tol, what + " grad weight");
        close(ref[3], b.grad().toDoubleArray(), tol, what + " grad bias");
    }

    private static void close(double[] want, double[] got, double tol, String what) {
        assertTrue(want.length == got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= tol * Math.max(1, Math.abs(want[i])),
                    what + " at " + i + ": expected " + want[i] + " got " + got[i]);
        }
    }

    @Test
    void largeLayersMatchDirectConvolution() {
        check(DType.FLOAT64, 3, 16, 14, 13, 32, 3, 1, 1, 1, 1, 1e-10);
        check(DType.FLOAT32, 3, 16, 14, 13, 32, 3, 1, 1, 1, 1, 1e-4);
        check(DType.FLOAT64, 2, 16, 17, 15, 24, 3, 2, 2, 2, 2, 1e-10);
        check(DType.FLOAT32, 2, 32, 9, 9, 64, 1, 1, 0, 1, 1, 1e-4);  // 1x1: the input is its own column matrix
    }
}
