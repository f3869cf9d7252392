package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * The float32 case of {@link NormOps#batchNorm} (a CNN's BatchNorm2d), reading and writing the
 * float arrays directly. The general path copies the input, its gradient and both results through
 * double[] tensors and back (four conversions of a whole activation per layer and step, plus a
 * saved double[] xhat), which profiled as the largest cost of a small CNN after the GEMMs.
 *
 * <p>The arithmetic is the general path's, operation for operation: statistics, xhat and the
 * outputs in double, in the same summation order, each result rounded once to float. So the
 * values are bit-identical to it. Instead of saving xhat (a double per element) the backward
 * recomputes it from a float copy of the input and the saved mean and 1/std, which gives the same
 * doubles at a quarter of the memory held between forward and backward.
 */
final class BatchNormFloat {
    private BatchNormFloat() {}

    /** Float32 input, and float32 (or absent) affine parameters and running statistics. */
    static boolean applies(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias) {
        return x.dtype() == DType.FLOAT32 && f32OrNull(runningMean) && f32OrNull(runningVar)
                && f32OrNull(weight) && f32OrNull(bias);
    }

    private static boolean f32OrNull(Tensor t) { return t == null || t.dtype() == DType.FLOAT32; }

    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                            boolean training, double momentum, double eps, int n, int c, int spatial) {
        int[] shape = x.shape().toArray();
        int count = n * spatial, total = n * c * spatial;
        // A private copy: the backward must see the input as it was, even if it is later modified in place.
        float[] v = copy(x);
        double[] mean = new double[c], invStd = new double[c];
        if (training) {
            double[] var = new double[c];
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    for (int k = (b * c + ch) * spatial, e = k + spatial; k < e; k++) s += v[k];
                }
                double m = s / count;
                mean[ch] = m;
                double ss = 0;
                for (int b = 0; b < n; b++) {
                    for (int k = (b * c + ch) * spatial, e = k + spatial; k < e; k++) {
                        double d = v[k] - m;
                        ss += d * d;
                    }
                }
                var[ch] = ss / count;
                invStd[ch] = 1 / Math.sqrt(var[ch] + eps);
            }
            if (runningMean != null) NormOps.updateRunning(runningMean, mean, 1.0, momentum);
            if (runningVar != null) NormOps.updateRunning(runningVar, var, count / (count - 1.0), momentum);
        } else {
            double[] rm = TensorData.values(runningMean), rv = TensorData.values(runningVar);
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                invStd[ch] = 1 / Math.sqrt(rv[ch] + eps);
            }
        }
        double[] w = weight == null ? null : TensorData.values(weight);
        double[] b0 = bias == null ? null : TensorData.values(bias);
        float[] out = new float[total];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double m = mean[ch], is = invStd[ch], wc = w == null ? 1 : w[ch], bc = b0 == null ? 0 : b0[ch];
                for (int k = (b * c + ch) * spatial, e = k + spatial; k < e; k++) {
                    out[k] = (float) ((v[k] - m) * is * wc + bc);
                }
            }
        }
        Tensor y = Torch.fromArray(out, shape);
        return Autograd.record("NativeBatchNormBackward0", y, grad -> {
            float[] gv = copy(grad);
            float[] gx = new float[total], gw = new float[c], gb = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double m = mean[ch], is = invStd[ch];
                double sumG = 0, sumGXhat = 0;
                for (int b = 0; b < n; b++) {
                    for (int k = (b * c + ch) * spatial, e = k + spatial; k < e; k++) {
                        double g = gv[k];
                        sumG += g;
                        sumGXhat += g * ((v[k] - m) * is);
                    }
                }
                gw[ch] = (float) sumGXhat;
                gb[ch] = (float) sumG;
                double scale = (w == null ? 1 : w[ch]) * is;
                double meanG = sumG / count;
                for (int b = 0; b < n; b++) {
                    for (int k = (b * c + ch) * spatial, e = k + spatial; k < e; k++) {
                        double g = gv[k];
                        // Batch statistics make mean and std functions of every x: see NormOps. The
                        // product is divided by count afterwards, as there, for the same rounding.
                        gx[k] = (float) (training ? scale * (g - meanG - ((v[k] - m) * is) * sumGXhat / count) : scale * g);
                    }
                }
            }
            return new Tensor[] {Torch.fromArray(gx, shape),
                    weight == null ? null : Torch.fromArray(gw, c),
                    bias == null ? null : Torch.fromArray(gb, c)};
        }, x, weight, bias);
    }

    /** The values of a float32 tensor, row-major, in a new array. */
    private static float[] copy(Tensor t) {
        Tensor d;
        try (var ignored = GradMode.noGrad()) {
            d = t.detach();
            if (d.dtype() != DType.FLOAT32) d = d.to(DType.FLOAT32);
            d = d.contiguous();
        }
        int off = d.storageOffset();
        return java.util.Arrays.copyOfRange((float[]) d.untypedStorage().array(), off, off + d.numel());
    }
}
