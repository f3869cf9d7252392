package dev.kiln.nn;

import dev.kiln.backend.kernels.ImageKernels;
import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.DeviceLayers;
import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.ValuesIndices;

/**
 * PyTorch's {@code torch.nn.functional} convolution and pooling: {@code conv2d}, {@code max_pool2d},
 * {@code avg_pool2d}. Inputs are NCHW (or CHW, unbatched), float32 or float64.
 *
 * <p>Each call is one autograd op with its own backward rule ({@code ConvolutionBackward0},
 * {@code MaxPool2DWithIndicesBackward0}, {@code AvgPool2DBackward0}), not a composition of
 * elementwise ops, so a CNN's graph stays small and the backward runs as GEMMs. Size arguments
 * take one value for both spatial dims or a (height, width) pair, as PyTorch's int-or-tuple.
 *
 * <p>Device tensors (float32) are checked here as on the CPU, then run by {@link DeviceLayers} on the image kernels
 * under the same node names; conv2d there has groups = 1 only.
 */
public final class Convolution {
    private Convolution() {}

    // ------------------------------------------------------------------ conv2d

    /** {@code F.conv2d(input, weight, bias)} with stride 1, no padding, no dilation, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
        return conv2d(input, weight, bias, new int[] {1}, new int[] {0}, new int[] {1}, 1);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {1}, 1);
    }

    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int dilation,
                                int groups) {
        return conv2d(input, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups);
    }

    /**
     * {@code F.conv2d}: input [N, C, H, W] or [C, H, W], weight [O, C/groups, kh, kw], bias [O] or
     * null. Output [N, O, oh, ow] with {@code oh = (H + 2*padH - dilH*(kh-1) - 1) / strideH + 1}.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        ConvChecks.convInputDim(input);
        if (input.dim() == 3) {  // unbatched: a batch of one, as PyTorch does it (checks see the batched shape)
            return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        }
        int spatial = weight.dim() - 2;
        int[] s = ConvChecks.expandConvParam(stride, "stride", spatial);
        int[] p = ConvChecks.expandConvParam(padding, "padding", spatial);
        int[] d = ConvChecks.expandConvParam(dilation, "dilation", spatial);
        ConvGeometry g = ConvChecks.conv(input, weight, bias, s, p, d, groups);
        if (DeviceFunctional.onDevice(input, weight, bias)) return DeviceLayers.conv2d(input, weight, bias, s, p, d, groups);
        Tensor x = dense(input), w = dense(weight), b = bias == null ? null : dense(bias);
        boolean f32 = input.dtype() == DType.FLOAT32;
        Object out = f32
                ? ConvKernels.forward(floats(x), x.storageOffset(), floats(w), w.storageOffset(),
                        b == null ? null : floats(b), b == null ? 0 : b.storageOffset(), g)
                : ConvKernels.forward(doubles(x), x.storageOffset(), doubles(w), w.storageOffset(),
                        b == null ? null : doubles(b), b == null ? 0 : b.storageOffset(), g);
        Tensor result = Torch.fromArray(out, input.dtype(), g.n, g.o, g.oh, g.ow);
        boolean needInput = input.requiresGrad(), needWeight = weight.requiresGrad();
        boolean needBias = bias != null && bias.requiresGrad();
        return Autograd.record("ConvolutionBackward0", result, grad -> {
            Tensor go = dense(grad.to(input.dtype()));
            int[] inShape = input.shape().toArray(), wShape = weight.shape().toArray();
            Tensor gi = null, gw = null, gb = null;
            if (f32) {
                float[] gof = floatsFrom(go);
                if (needInput) gi = Torch.fromArray(ConvKernels.inputGrad(gof, floats(w), w.storageOffset(), g), inShape);
                if (needWeight) gw = Torch.fromArray(ConvKernels.weightGrad(gof, floats(x), x.storageOffset(), g), wShape);
                if (needBias) gb = Torch.fromArray(ConvKernels.biasGrad(gof, g), g.o);
            } else {
                double[] god = doublesFrom(go);
                if (needInput) gi = Torch.fromArray(ConvKernels.inputGrad(god, doubles(w), w.storageOffset(), g), inShape);
                if (needWeight) gw = Torch.fromArray(ConvKernels.weightGrad(god, doubles(x), x.storageOffset(), g), wShape);
                if (needBias) gb = Torch.fromArray(ConvKernels.biasGrad(god, g), g.o);
            }
            return new Tensor[] {gi, gw, gb};
        }, input, weight, bias);
    }

    // ------------------------------------------------------------------ max_pool2d

    /** {@code F.max_pool2d(input, k)}: stride k, no padding. */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false);
    }

    public static Tensor maxPool2d(Tensor input, int kernelSize, int stride) {
        return maxPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, new int[] {1}, false);
    }

    public static Tensor maxPool2d(Tensor input, int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        return maxPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation},
                ceilMode);
    }

    /** {@code F.max_pool2d}; a null or empty stride means the kernel size. The gradient goes to the first max of each window. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                   boolean ceilMode) {
        return maxPool(input, kernelSize, stride, padding, dilation, ceilMode, null);
    }

    /**
     * {@code F.max_pool2d(..., return_indices=True)}: the values and, as int64, the flat index
     * ({@code row * W + col}) within its input plane of the element each value came from.
     */
    public static ValuesIndices maxPool2dWithIndices(Tensor input, int[] kernelSize, int[] stride, int[] padding,
                                                     int[] dilation, boolean ceilMode) {
        if (DeviceFunctional.onDevice(input)) {
            Tensor[] r = maxPoolOnDevice(input, kernelSize, stride, padding, dilation, ceilMode);
            return new ValuesIndices("max_pool2d_with_indices", r[0], r[1]);
        }
        int[][] indices = new int[1][];
        Tensor values = maxPool(input, kernelSize, stride, padding, dilation, ceilMode, indices);
        long[] longIdx = new long[indices[0].length];
        for (int i = 0; i < longIdx.length; i++) longIdx[i] = indices[0][i];
        return new ValuesIndices("max_pool2d_with_indices", values, Torch.fromArray(longIdx, values.shape().toArray()));
    }

    /** The values; the int indices (kept for backward) are also handed out through {@code indicesOut} when given. */
    private static Tensor maxPool(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                  boolean ceilMode, int[][] indicesOut) {
        if (DeviceFunctional.onDevice(input)) return maxPoolOnDevice(input, kernelSize, stride, padding, dilation, ceilMode)[0];
        int[][] params = ConvChecks.poolParams("max_pool2d", kernelSize, stride, padding, dilation);
        ConvChecks.poolInputDim("max_pool2d", input);
        PoolGeometry g = ConvChecks.pool("max_pool2d", input, params, ceilMode);
        Tensor x = dense(input);
        int[] idx = new int[g.planes() * g.outPlane()];
        boolean f32 = input.dtype() == DType.FLOAT32;
        Object out;
        if (f32) PoolKernels.maxForward(floats(x), x.storageOffset(), g, (float[]) (out = new float[idx.length]), idx);
        else PoolKernels.maxForward(doubles(x), x.storageOffset(), g, (double[]) (out = new double[idx.length]), idx);
        if (indicesOut != null) indicesOut[0] = idx;
        int[] inShape = input.shape().toArray();
        Tensor values = Torch.fromArray(out, input.dtype(), pooledShape(input, g));
        return Autograd.record("MaxPool2DWithIndicesBackward0", values, grad -> {
            Tensor go = dense(grad.to(input.dtype()));
            Object gin = f32 ? PoolKernels.maxBackward(floatsFrom(go), idx, g) : PoolKernels.maxBackward(doublesFrom(go), idx, g);
            return new Tensor[] {Torch.fromArray(gin, input.dtype(), inShape)};
        }, input);
    }

    /** max_pool2d of a device tensor, checked as on the CPU: the values and the int64 indices, on the device. */
    private static Tensor[] maxPoolOnDevice(Tensor input, int[] kernelSize, int[] stride, int[] padding,
                                            int[] dilation, boolean ceilMode) {
        int[][] params = ConvChecks.poolParams("max_pool2d", kernelSize, stride, padding, dilation);
        ConvChecks.poolInputDim("max_pool2d", input);
        PoolGeometry g = ConvChecks.pool("max_pool2d", input, params, ceilMode);
        return DeviceLayers.pool2d(input, poolShape(input, g, true, false), input.dim() == 4 ? input.size(0) : 1,
                pooledShape(input, g));
    }

    /** The device kernels' geometry: n images (the batch, or 1 unbatched) of the input's channels. */
    private static ImageKernels.PoolShape poolShape(Tensor input, PoolGeometry g, boolean max, boolean countIncludePad) {
        return new ImageKernels.PoolShape(max, input.size(-3), g.h(), g.w(), g.oh(), g.ow(), g.kh(), g.kw(), g.sh(),
                g.sw(), g.ph(), g.pw(), max ? g.dh() : 1, max ? g.dw() : 1, countIncludePad);
    }

    // ------------------------------------------------------------------ avg_pool2d

    /** {@code F.avg_pool2d(input, k)}: stride k, no padding, count_include_pad. */
    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, new int[] {kernelSize}, null, new int[] {0}, false, true, null);
    }

    public static Tensor avgPool2d(Tensor input, int kernelSize, int stride) {
        return avgPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {0}, false, true, null);
    }

    public static Tensor avgPool2d(Tensor input, int kernelSize, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        return avgPool2d(input, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, ceilMode,
                countIncludePad, null);
    }

    /**
     * {@code F.avg_pool2d}; a null or empty stride means the kernel size. Each window's sum is divided
     * by {@code divisorOverride} if given, else by the window's size within the padded input
     * (countIncludePad) or by its number of real input elements.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        int[][] params = ConvChecks.poolParams("avg_pool2d", kernelSize, stride, padding, new int[] {1});
        if (divisorOverride != null && divisorOverride == 0) throw new IllegalArgumentException("divisor must be not zero");
        ConvChecks.poolInputDim("avg_pool2d", input);
        PoolGeometry g = ConvChecks.pool("avg_pool2d", input, params, ceilMode);
        if (DeviceFunctional.onDevice(input)) {
            Tensor mean = DeviceLayers.pool2d(input, poolShape(input, g, false, countIncludePad),
                    input.dim() == 4 ? input.size(0) : 1, pooledShape(input, g))[0];
            if (divisorOverride == null) return mean;
            // The kernels divide by the window's own divisor; rescale each output position to the override's.
            int[] div = PoolKernels.avgDivisors(g, countIncludePad, null);
            float[] factor = new float[div.length];
            for (int i = 0; i < div.length; i++) factor[i] = (float) ((double) div[i] / divisorOverride);
            return mean.mul(Torch.fromArray(factor, g.oh(), g.ow()).to(input.device()));
        }
        Tensor x = dense(input);
        int[] div = PoolKernels.avgDivisors(g, countIncludePad, divisorOverride);
        int n = g.planes() * g.outPlane();
        boolean f32 = input.dtype() == DType.FLOAT32;
        Object out;
        if (f32) PoolKernels.avgForward(floats(x), x.storageOffset(), g, div, (float[]) (out = new float[n]));
        else PoolKernels.avgForward(doubles(x), x.storageOffset(), g, div, (double[]) (out = new double[n]));
        int[] inShape = input.shape().toArray();
        Tensor result = Torch.fromArray(out, input.dtype(), pooledShape(input, g));
        return Autograd.record("AvgPool2DBackward0", result, grad -> {
            Tensor go = dense(grad.to(input.dtype()));
            Object gin = f32 ? PoolKernels.avgBackward(floatsFrom(go), g, div) : PoolKernels.avgBackward(doublesFrom(go), g, div);
            return new Tensor[] {Torch.fromArray(gin, input.dtype(), inShape)};
        }, input);
    }

    // ------------------------------------------------------------------ raw data access

    private static int[] pooledShape(Tensor input, PoolGeometry g) {
        return input.dim() == 4 ? new int[] {input.size(0), input.size(1), g.oh(), g.ow()}
                : new int[] {input.size(0), g.oh(), g.ow()};
    }

    /** A contiguous version whose raw array the kernels may index; not recorded (the op records itself). */
    private static Tensor dense(Tensor t) {
        try (var ignored = GradMode.noGrad()) {
            return t.contiguous();
        }
    }

    private static float[] floats(Tensor t) { return (float[]) t.untypedStorage().array(); }

    private static double[] doubles(Tensor t) { return (double[]) t.untypedStorage().array(); }

    /** The elements of a contiguous tensor as an array starting at index 0 (shared when it already does). */
    private static float[] floatsFrom(Tensor t) {
        float[] a = floats(t);
        return t.storageOffset() == 0 ? a : java.util.Arrays.copyOfRange(a, t.storageOffset(), t.storageOffset() + t.numel());
    }

    private static double[] doublesFrom(Tensor t) {
        double[] a = doubles(t);
        return t.storageOffset() == 0 ? a : java.util.Arrays.copyOfRange(a, t.storageOffset(), t.storageOffset() + t.numel());
    }
}
