package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageKernels;
import dev.kiln.backend.kernels.ImageKernels.ConvShape;
import dev.kiln.backend.kernels.ImageKernels.PoolShape;
import dev.kiln.backend.kernels.NormKernels;

/**
 * The device forms of the image and normalisation layers of {@code nn}: conv2d, max and average pooling, dropout,
 * batch and layer normalisation and embedding, run by the compiled models' kernels ({@link ImageKernels},
 * {@link NormKernels}) on eager tensors. Each is one autograd node with the name and inputs of its CPU twin in
 * {@code nn}, so the graph is the same on every device; only the kernels differ. The {@code nn} ops check their
 * arguments as on the CPU (PyTorch's messages), then hand device tensors here.
 *
 * <p>The kernels take a layer's parameters (weight and bias, gamma and beta) and its running statistics at two
 * offsets of one buffer, where the eager modules hold separate tensors: those are packed into a small temporary
 * (a copy launch per tensor of C floats), and gradients come back as views of one packed result. Activations are
 * never copied for this. Results repeat bit for bit on one device and stay within float rounding of the CPU's
 * (which sums BatchNorm and LayerNorm statistics in double).
 */
public final class DeviceLayers {
    private DeviceLayers() {}

    // ------------------------------------------------------------ convolution

    /**
     * {@code F.conv2d} of a batched [N, C, H, W] float32 input on a device (arguments checked by the caller, the
     * size arguments as (height, width) pairs), as {@code ConvolutionBackward0}: the image kernels' im2col and
     * GEMM forward and backward, the whole batch in one GEMM. Only {@code groups = 1} has device kernels.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        Device device = DeviceOps.common(input, weight, bias);
        if (groups != 1) {
            throw new UnsupportedOperationException("conv2d with groups=" + groups + " is not implemented on " + device
                    + " (its kernels support groups=1 only); move the tensors to the CPU with .cpu() to run it there");
        }
        requireFloat("conv2d", device, input, weight, bias);
        int n = input.shape[0];
        ConvShape g = new ConvShape(input.shape[1], input.shape[2], input.shape[3], weight.shape[0], weight.shape[2],
                weight.shape[3], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        int weights = g.weights(), o = g.o();
        Tensor x = input.contiguousRaw(), w = weight.contiguousRaw();
        Tensor params = bias == null ? w : pack(device, w, bias);
        Tensor out = DeviceOps.empty(device, DType.FLOAT32, new int[] {n, o, g.oh(), g.ow()});
        ImageKernels k = ImageKernels.on(DeviceOps.context(x));
        k.conv2dForward(g, n, buf(x), x.offset, buf(params), params.offset, bias == null ? -1 : params.offset + weights,
                buf(out), 0, buf(scratch(device, g.scratchFloats(n))));
        boolean needInput = input.requiresGrad, needWeight = weight.requiresGrad;
        boolean needBias = bias != null && bias.requiresGrad;
        int[] inShape = input.shape.clone(), wShape = weight.shape.clone();
        return Autograd.record("ConvolutionBackward0", out, grad -> {
            Tensor go = grad.contiguousRaw();
            // The kernels always form dW; the bias gradient, when wanted, lands right after it.
            Tensor grads = DeviceOps.empty(device, DType.FLOAT32, new int[] {weights + (needBias ? o : 0)});
            Tensor gi = needInput ? DeviceOps.empty(device, DType.FLOAT32, inShape) : null;
            k.conv2dBackward(g, n, buf(go), go.offset, buf(x), x.offset, buf(w), w.offset, buf(grads), 0,
                    needBias ? weights : -1, false, gi == null ? null : buf(gi), 0, false,
                    buf(scratch(device, g.scratchFloats(n))));
            return new Tensor[] {gi, needWeight ? grads.narrow(0, 0, weights).view(wShape) : null,
                    needBias ? grads.narrow(0, weights, o) : null};
        }, input, weight, bias);
    }

    // ------------------------------------------------------------ pooling

    /**
     * {@code F.max_pool2d} ({@code s.max()}) or {@code F.avg_pool2d} of {@code n} images of {@code s.c()} planes
     * (a 3-D input is one image) on a device, the output shaped {@code outShape}: returns the values, recorded as
     * {@code MaxPool2DWithIndicesBackward0} or {@code AvgPool2DBackward0}, and for max pooling the int64 in-plane
     * indices of the maxima (PyTorch's {@code return_indices}), also on the device; null for average pooling.
     * Average pooling divides by the padded window or its in-image part ({@code s.countIncludePad()}); a divisor
     * override is the caller's rescaling of that.
     */
    public static Tensor[] pool2d(Tensor input, PoolShape s, int n, int[] outShape) {
        Device device = DeviceOps.device(input);
        requireFloat(s.max() ? "max_pool2d" : "avg_pool2d", device, input);
        Tensor x = input.contiguousRaw();
        Tensor out = DeviceOps.empty(device, DType.FLOAT32, outShape);
        Tensor indices = s.max() ? DeviceOps.empty(device, DType.INT64, outShape) : null;  // held as exact floats
        ImageKernels k = ImageKernels.on(DeviceOps.context(x));
        k.poolForward(s, n, buf(x), x.offset, buf(out), 0, indices == null ? null : buf(indices));
        int[] inShape = input.shape.clone();
        Tensor values = Autograd.record(s.max() ? "MaxPool2DWithIndicesBackward0" : "AvgPool2DBackward0", out,
                grad -> {
                    Tensor go = grad.contiguousRaw();
                    Tensor gi = DeviceOps.empty(device, DType.FLOAT32, inShape);
                    k.poolBackward(s, n, buf(go), go.offset, indices == null ? null : buf(indices), buf(gi), 0, false);
                    return new Tensor[] {gi};
                }, input);
        return new Tensor[] {values, indices};
    }

    // ------------------------------------------------------------ dropout

    /**
     * Inverted dropout in training mode on a device, {@code 0 < p <= 1}: the image kernels draw each element's
     * mask from the device's SplitMix64 stream ({@link DeviceRandom}: not the CPU generator's draws, as PyTorch's
     * CUDA masks are not its CPU ones) and multiply in the same launch; the backward multiplies by the kept mask
     * ({@code NativeDropoutBackward0}, PyTorch's CUDA node). In place, the mask multiplies {@code x} with
     * {@code mul_}, recorded as the CPU's in-place dropout is.
     */
    public static Tensor dropout(Tensor x, double p, boolean inplace) {
        Device device = DeviceOps.device(x);
        requireFloat("dropout", device, x);
        int count = x.numel();
        Tensor xc = x.contiguousRaw();
        Tensor mask = DeviceOps.empty(device, DType.FLOAT32, x.shape);
        Tensor out = DeviceOps.empty(device, DType.FLOAT32, x.shape);
        ImageKernels k = ImageKernels.on(DeviceOps.context(xc));
        k.dropoutForward(count, buf(xc), xc.offset, buf(out), 0, buf(mask), DeviceRandom.take(device, count), (float) p);
        if (inplace) return x.mul_(mask);
        return Autograd.record("NativeDropoutBackward0", out, grad -> {
            Tensor go = grad.contiguousRaw();
            Tensor gi = DeviceOps.empty(device, DType.FLOAT32, go.shape);
            k.dropoutBackward(count, buf(go), go.offset, buf(mask), buf(gi), 0, false);
            return new Tensor[] {gi};
        }, x);
    }

    // ------------------------------------------------------------ batch norm

    /**
     * {@code F.batch_norm} of a float32 [N, C, *] input on a device, as {@code NativeBatchNormBackward0}, with the
     * CPU's rules (arguments checked by the caller). {@code batchStats}: normalise with the batch's statistics and,
     * when the running statistics are given, move them by {@code momentum} (the variance unbiased) and add 1 to
     * {@code numBatchesTracked} when given, all on the device; else normalise with the running statistics, which
     * then are constants of the graph.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor numBatchesTracked,
                                   Tensor weight, Tensor bias, boolean batchStats, double momentum, double eps) {
        Device device = DeviceOps.common(x, runningMean, runningVar, numBatchesTracked, weight, bias);
        requireFloat("batch_norm", device, x, runningMean, runningVar, weight, bias);
        int n = x.shape[0], c = x.shape[1], spatial = product(x.shape, 2);
        Tensor xc = x.contiguousRaw();
        NormKernels k = NormKernels.on(DeviceOps.context(xc));
        Tensor params = weight == null && bias == null ? null : pack(device, weight, bias);
        int gammaOff = weight != null ? 0 : -1, betaOff = bias == null ? -1 : weight != null ? c : 0;
        boolean needInput = x.requiresGrad, needWeight = weight != null && weight.requiresGrad;
        boolean needBias = bias != null && bias.requiresGrad;
        boolean recorded = Autograd.needed(x, weight, bias);
        // The backward reads xhat for dx with batch statistics, and for dgamma / dbeta always.
        boolean keepXhat = recorded && (batchStats || needWeight || needBias);
        Tensor y = DeviceOps.empty(device, DType.FLOAT32, x.shape);
        Tensor xhat = keepXhat ? DeviceOps.empty(device, DType.FLOAT32, x.shape) : null;
        Tensor stats;  // [mean | invStd] in training; [running mean | running variance] in eval
        Tensor dxScale = null;
        if (batchStats) {
            stats = DeviceOps.empty(device, DType.FLOAT32, new int[] {NormKernels.statisticsFloats(c)});
            boolean track = runningMean != null && runningVar != null;
            Tensor state = !track ? null : numBatchesTracked == null ? pack(device, runningMean, runningVar)
                    : pack(device, runningMean, runningVar, numBatchesTracked);
            k.batchNormStatistics(n, c, spatial, buf(xc), xc.offset, buf(stats), 0, state == null ? null : buf(state),
                    0, c, track && numBatchesTracked != null ? 2 * c : -1, track, (float) momentum, (float) eps);
            if (track) {
                DeviceOps.copyInto(runningMean, state.narrow(0, 0, c).view(runningMean.shape));
                DeviceOps.copyInto(runningVar, state.narrow(0, c, c).view(runningVar.shape));
                if (numBatchesTracked != null) {
                    DeviceOps.copyInto(numBatchesTracked, state.narrow(0, 2 * c, 1).view(numBatchesTracked.shape));
                }
            }
            k.batchNormForward(n, c, spatial, buf(xc), xc.offset, buf(stats), 0, params == null ? null : buf(params),
                    gammaOff, betaOff, buf(y), 0, xhat == null ? null : buf(xhat), 0);
        } else {
            stats = pack(device, runningMean, runningVar);
            k.batchNormEval(n, c, spatial, buf(xc), xc.offset, buf(stats), 0, c, (float) eps,
                    params == null ? null : buf(params), gammaOff, betaOff, buf(y), 0,
                    xhat == null ? null : buf(xhat), 0);
            if (recorded && needInput) {
                // Constant statistics: dx = dy * gamma / sqrt(var + eps), the running variance as of this forward.
                try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
                    Tensor scale = stats.narrow(0, c, c).add(eps).rsqrt();
                    if (weight != null) scale = scale.mul(weight.reshape(c));
                    int[] bshape = new int[x.dim()];
                    java.util.Arrays.fill(bshape, 1);
                    bshape[1] = c;
                    dxScale = scale.view(bshape);
                }
            }
        }
        Tensor scale = dxScale;
        return Autograd.record("NativeBatchNormBackward0", y, grad -> {
            Tensor go = grad.contiguousRaw();
            Tensor grads = needWeight || needBias ? DeviceOps.empty(device, DType.FLOAT32, new int[] {2 * c}) : null;
            Tensor gi = needInput && batchStats ? DeviceOps.empty(device, DType.FLOAT32, go.shape) : null;
            if (grads != null || gi != null) {
                k.batchNormBackward(n, c, spatial, buf(go), go.offset, buf(xhat), 0, buf(stats), 0,
                        params == null ? null : buf(params), gammaOff, grads == null ? null : buf(grads),
                        needWeight ? 0 : -1, needBias ? c : -1, false, gi == null ? null : buf(gi), 0, false);
            }
            if (needInput && !batchStats) gi = go.mul(scale);
            return new Tensor[] {gi, needWeight ? grads.narrow(0, 0, c).view(weight.shape) : null,
                    needBias ? grads.narrow(0, c, c).view(bias.shape) : null};
        }, x, weight, bias);
    }

    // ------------------------------------------------------------ layer norm

    /**
     * {@code F.layer_norm} over the trailing {@code normalizedShape} of a float32 tensor on a device (arguments
     * checked by the caller), as {@code NativeLayerNormBackward0}: the norm kernels' row statistics, forward and
     * backward.
     */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        Device device = DeviceOps.common(x, weight, bias);
        requireFloat("layer_norm", device, x, weight, bias);
        int cols = Shapes.numel(normalizedShape), rows = cols == 0 ? 0 : x.numel() / cols;
        boolean needInput = x.requiresGrad, needWeight = weight != null && weight.requiresGrad;
        boolean needBias = bias != null && bias.requiresGrad;
        int[] shape = x.shape.clone();
        if (cols == 0 || rows == 0) {  // nothing to normalise: empty results and zero gradients
            Tensor y = DeviceOps.empty(device, DType.FLOAT32, shape);
            return Autograd.record("NativeLayerNormBackward0", y, grad -> new Tensor[] {
                    needInput ? DeviceOps.filled(device, DType.FLOAT32, shape, 0f) : null,
                    needWeight ? DeviceOps.filled(device, DType.FLOAT32, weight.shape, 0f) : null,
                    needBias ? DeviceOps.filled(device, DType.FLOAT32, bias.shape, 0f) : null}, x, weight, bias);
        }
        Tensor xc = x.contiguousRaw();
        NormKernels k = NormKernels.on(DeviceOps.context(xc));
        Tensor params = weight == null && bias == null ? null : pack(device, weight, bias);
        int gammaOff = weight != null ? 0 : -1, betaOff = bias == null ? -1 : weight != null ? cols : 0;
        Tensor y = DeviceOps.empty(device, DType.FLOAT32, shape);
        Tensor xhat = DeviceOps.empty(device, DType.FLOAT32, shape);
        Tensor invStd = DeviceOps.empty(device, DType.FLOAT32, new int[] {rows});
        k.layerNormForward(rows, cols, buf(xc), xc.offset, params == null ? null : buf(params), gammaOff, betaOff,
                (float) eps, buf(y), 0, buf(xhat), 0, buf(invStd), 0);
        return Autograd.record("NativeLayerNormBackward0", y, grad -> {
            Tensor go = grad.contiguousRaw();
            Tensor grads = needWeight || needBias ? DeviceOps.empty(device, DType.FLOAT32, new int[] {2 * cols}) : null;
            Tensor gi = needInput ? DeviceOps.empty(device, DType.FLOAT32, shape) : null;
            k.layerNormBackward(rows, cols, buf(go), go.offset, buf(xhat), 0, buf(invStd), 0,
                    params == null ? null : buf(params), gammaOff, grads == null ? null : buf(grads),
                    needWeight ? 0 : -1, needBias ? cols : -1, false, gi == null ? null : buf(gi), 0, false);
            return new Tensor[] {gi, needWeight ? grads.narrow(0, 0, cols).view(weight.shape) : null,
                    needBias ? grads.narrow(0, cols, cols).view(bias.shape) : null};
        }, x, weight, bias);
    }

    // ------------------------------------------------------------ embedding

    /**
     * {@code F.embedding}: rows of a float32 [num, dim] {@code weight} picked by int64 or int32 {@code indices}, both
     * on one device, as {@code EmbeddingBackward0}; {@code paddingIdx} (already in [0, num), or null) gets no
     * gradient. The indices are read back to the host and checked first (one small download), so an index out of
     * range throws the CPU's error, naming it and its row, instead of leaving NaN rows. The backward adds each row's
     * gradients in increasing position, in float (the compiled CPU kernel's sums bit for bit; the eager CPU adds in
     * double, so a row picked several times may differ in its last bit), without atomics.
     */
    public static Tensor embedding(Tensor indices, Tensor weight, Integer paddingIdx) {
        Device device = DeviceOps.common(indices, weight);
        requireFloat("embedding", device, weight);
        int count = indices.numel(), num = weight.shape[0], dim = weight.shape[1];
        Tensor idx = indices.contiguousRaw(), w = weight.contiguousRaw();
        if (count > 0) {
            float[] host = new float[count];
            DeviceOps.context(idx).download(buf(idx), idx.offset, host, 0, count);
            int bad = NormKernels.invalidIndex(host, 0, count, num);
            if (bad >= 0) {
                int perRow = indices.dim() == 0 ? 1 : Math.max(1, count / Math.max(1, indices.shape[0]));
                throw new IndexOutOfBoundsException("index out of range in self: index " + (long) host[bad] + " at row "
                        + bad / perRow + " of the input (flat position " + bad + "), expected in [0, " + num + ")");
            }
        }
        int[] outShape = java.util.Arrays.copyOf(indices.shape, indices.dim() + 1);
        outShape[indices.dim()] = dim;
        Tensor out = DeviceOps.empty(device, DType.FLOAT32, outShape);
        NormKernels k = NormKernels.on(DeviceOps.context(w));
        k.embeddingForward(count, num, dim, buf(idx), idx.offset, buf(w), w.offset, buf(out), 0);
        return Autograd.record("EmbeddingBackward0", out, grad -> {
            Tensor go = grad.contiguousRaw();
            Tensor gw = DeviceOps.empty(device, DType.FLOAT32, new int[] {num, dim});
            Tensor links = DeviceOps.empty(device, DType.FLOAT32, new int[] {count});
            k.embeddingBackward(count, num, dim, paddingIdx == null ? -1 : paddingIdx, buf(go), go.offset, buf(idx),
                    idx.offset, buf(gw), 0, false, buf(links), 0);
            return new Tensor[] {gw};
        }, weight);
    }

    // ------------------------------------------------------------ helpers

    private static DeviceBuffer buf(Tensor t) { return DeviceOps.buffer(t); }

    /** One contiguous float32 tensor holding the values of {@code parts} (nulls skipped) one after another. */
    private static Tensor pack(Device device, Tensor... parts) {
        int total = 0;
        for (Tensor p : parts) if (p != null) total += p.numel();
        Tensor packed = DeviceOps.empty(device, DType.FLOAT32, new int[] {total});
        int at = 0;
        for (Tensor p : parts) {
            if (p == null) continue;
            DeviceOps.copyInto(packed.narrow(0, at, p.numel()).view(p.shape), p);
            at += p.numel();
        }
        return packed;
    }

    /** Device scratch of {@code floats} floats, for one kernel call. */
    private static Tensor scratch(Device device, long floats) {
        if (floats > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a convolution needing " + floats + " floats of scratch exceeds the "
                    + "kernels' int indexing on " + device + "; use a smaller batch");
        }
        return DeviceOps.empty(device, DType.FLOAT32, new int[] {(int) floats});
    }

    private static int product(int[] shape, int from) {
        int p = 1;
        for (int d = from; d < shape.length; d++) p *= shape[d];
        return p;
    }

    private static void requireFloat(String op, Device device, Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null && t.dtype != DType.FLOAT32) {
                throw new UnsupportedOperationException("float32 only on devices for now: " + op + " of a " + t.dtype
                        + " tensor on " + device);
            }
        }
    }
}
