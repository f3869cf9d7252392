package dev.kiln.nn;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.DeviceLayers;
import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * Batch and layer normalisation as single differentiable ops (PyTorch's NativeBatchNormBackward0
 * and NativeLayerNormBackward0): both normalise groups of elements to zero mean and unit biased
 * variance, then scale and shift. Written out rather than composed from mean/var/sub/div because
 * the closed-form backward is one pass and needs no saved intermediates beyond mean and 1/std.
 * Device tensors are checked here as on the CPU, then normalised by {@link DeviceLayers} on the norm kernels.
 */
final class NormOps {
    private NormOps() {}

    /**
     * Input {@code [N, C, *]}: statistics per channel c over N and the trailing dims. In training
     * (or without running statistics) the batch's statistics normalise and, when running
     * statistics are given, update them in place: {@code r = (1 - momentum) r + momentum s}, with
     * the unbiased batch variance for {@code running_var}, as PyTorch does.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                            boolean training, double momentum, double eps) {
        return batchNorm(x, runningMean, runningVar, null, weight, bias, training, momentum, eps);
    }

    /**
     * As above; on a device, {@code numBatchesTracked} (or null) also gains 1 where the running statistics move,
     * in the same kernel, so a training step does not wait for the host.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor numBatchesTracked, Tensor weight,
                            Tensor bias, boolean training, double momentum, double eps) {
        TensorData.requireFloating(x, "batch_norm");
        if (x.dim() < 2) throw new IllegalArgumentException("batch_norm: expected an input of at least 2 dims, got " + x.dim() + "D");
        int[] shape = x.shape().toArray();
        int n = shape[0], c = shape[1], spatial = TensorData.product(shape, 2, shape.length);
        int count = n * spatial;
        if (training && count == 1) {
            throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size " + x.size());
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("batch_norm: running_mean and running_var must be defined in evaluation mode");
        }
        if (DeviceFunctional.onDevice(x, runningMean, runningVar, numBatchesTracked, weight, bias)) {
            return DeviceLayers.batchNorm(x, runningMean, runningVar, numBatchesTracked, weight, bias, training,
                    momentum, eps);
        }
        if (BatchNormFloat.applies(x, runningMean, runningVar, weight, bias)) {
            return BatchNormFloat.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps,
                    n, c, spatial);
        }
        double[] v = TensorData.values(x);
        double[] mean = new double[c], invStd = new double[c];
        if (training) {
            double[] var = new double[c];
            for (int ch = 0; ch < c; ch++) {
                double s = 0;
                for (int b = 0; b < n; b++) for (int i = 0; i < spatial; i++) s += v[(b * c + ch) * spatial + i];
                mean[ch] = s / count;
                double ss = 0;
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < spatial; i++) {
                        double d = v[(b * c + ch) * spatial + i] - mean[ch];
                        ss += d * d;
                    }
                }
                var[ch] = ss / count;
                invStd[ch] = 1 / Math.sqrt(var[ch] + eps);
            }
            if (runningMean != null) updateRunning(runningMean, mean, 1.0, momentum);
            if (runningVar != null) updateRunning(runningVar, var, count / (count - 1.0), momentum);
        } else {
            double[] rm = TensorData.values(runningMean), rv = TensorData.values(runningVar);
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                invStd[ch] = 1 / Math.sqrt(rv[ch] + eps);
            }
        }
        double[] w = weight == null ? null : TensorData.values(weight);
        double[] b0 = bias == null ? null : TensorData.values(bias);
        double[] xhat = new double[v.length], out = new double[v.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < spatial; i++) {
                    int k = (b * c + ch) * spatial + i;
                    xhat[k] = (v[k] - mean[ch]) * invStd[ch];
                    out[k] = xhat[k] * (w == null ? 1 : w[ch]) + (b0 == null ? 0 : b0[ch]);
                }
            }
        }
        Tensor y = TensorData.tensor(out, shape, x.dtype());
        return Autograd.record("NativeBatchNormBackward0", y, g -> {
            double[] gv = TensorData.values(g);
            double[] gx = new double[gv.length], gw = new double[c], gb = new double[c];
            for (int ch = 0; ch < c; ch++) {
                double sumG = 0, sumGXhat = 0;
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < spatial; i++) {
                        int k = (b * c + ch) * spatial + i;
                        sumG += gv[k];
                        sumGXhat += gv[k] * xhat[k];
                    }
                }
                gw[ch] = sumGXhat;
                gb[ch] = sumG;
                double scale = (w == null ? 1 : w[ch]) * invStd[ch];
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < spatial; i++) {
                        int k = (b * c + ch) * spatial + i;
                        // With batch statistics, mean and std depend on every x too: subtract the
                        // gradient's mean and its projection on xhat. Running statistics are constants.
                        gx[k] = training ? scale * (gv[k] - sumG / count - xhat[k] * sumGXhat / count) : scale * gv[k];
                    }
                }
            }
            return new Tensor[] {TensorData.tensor(gx, shape, x.dtype()),
                    weight == null ? null : TensorData.tensor(gw, new int[] {c}, weight.dtype()),
                    bias == null ? null : TensorData.tensor(gb, new int[] {c}, bias.dtype())};
        }, x, weight, bias);
    }

    static void updateRunning(Tensor running, double[] batch, double correction, double momentum) {
        double[] r = TensorData.values(running);
        for (int i = 0; i < r.length; i++) r[i] = momentum * (batch[i] * correction) + (1 - momentum) * r[i];
        try (var ignored = GradMode.noGrad()) {
            running.copy_(TensorData.tensor(r, running.shape().toArray(), running.dtype()));
        }
    }

    /** Normalises over the trailing {@code normalizedShape} dims, each row on its own statistics. */
    static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        TensorData.requireFloating(x, "layer_norm");
        int[] shape = x.shape().toArray();
        int k = normalizedShape.length;
        boolean fits = k > 0 && shape.length >= k
                && Arrays.equals(Arrays.copyOfRange(shape, shape.length - k, shape.length), normalizedShape);
        if (!fits) {
            String dims = Arrays.toString(normalizedShape);
            throw new IllegalArgumentException("Given normalized_shape=" + dims + ", expected input with shape [*, "
                    + dims.substring(1, dims.length() - 1) + "], but got input of size" + Arrays.toString(shape));
        }
        if (DeviceFunctional.onDevice(x, weight, bias)) return DeviceLayers.layerNorm(x, normalizedShape, weight, bias, eps);
        int d = TensorData.product(normalizedShape, 0, k);
        int rows = d == 0 ? 0 : x.numel() / d;
        double[] v = TensorData.values(x);
        double[] w = weight == null ? null : TensorData.values(weight);
        double[] b0 = bias == null ? null : TensorData.values(bias);
        double[] xhat = new double[v.length], out = new double[v.length], invStd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0, ss = 0;
            for (int j = 0; j < d; j++) s += v[r * d + j];
            double mean = s / d;
            for (int j = 0; j < d; j++) ss += (v[r * d + j] - mean) * (v[r * d + j] - mean);
            invStd[r] = 1 / Math.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) {
                int i = r * d + j;
                xhat[i] = (v[i] - mean) * invStd[r];
                out[i] = xhat[i] * (w == null ? 1 : w[j]) + (b0 == null ? 0 : b0[j]);
            }
        }
        Tensor y = TensorData.tensor(out, shape, x.dtype());
        return Autograd.record("NativeLayerNormBackward0", y, g -> {
            double[] gv = TensorData.values(g);
            double[] gx = new double[gv.length], gw = new double[d], gb = new double[d];
            for (int r = 0; r < rows; r++) {
                double sumG = 0, sumGXhat = 0;
                for (int j = 0; j < d; j++) {
                    int i = r * d + j;
                    double gs = gv[i] * (w == null ? 1 : w[j]);
                    sumG += gs;
                    sumGXhat += gs * xhat[i];
                    gw[j] += gv[i] * xhat[i];
                    gb[j] += gv[i];
                }
                for (int j = 0; j < d; j++) {
                    int i = r * d + j;
                    double gs = gv[i] * (w == null ? 1 : w[j]);
                    gx[i] = invStd[r] * (gs - sumG / d - xhat[i] * sumGXhat / d);
                }
            }
            return new Tensor[] {TensorData.tensor(gx, shape, x.dtype()),
                    weight == null ? null : TensorData.tensor(gw, normalizedShape, weight.dtype()),
                    bias == null ? null : TensorData.tensor(gb, normalizedShape, bias.dtype())};
        }, x, weight, bias);
    }
}
