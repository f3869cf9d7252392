package dev.kiln.nn;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

/**
 * Argument checks for conv2d and the 2-D poolings, in PyTorch 1.13's order and with its messages,
 * so that a wrong call fails here exactly as it would in PyTorch (the messages are asserted
 * against ones recorded from PyTorch by the fixture script).
 */
final class ConvChecks {
    private ConvChecks() {}

    // ------------------------------------------------------------------ conv2d

    /** The input must be 3-D (unbatched) or 4-D; the caller adds the batch dim to a 3-D input. */
    static void convInputDim(Tensor input) {
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input "
                    + "of size: " + dims(input));
        }
    }

    /**
     * PyTorch's {@code expand_param_if_needed}: one value serves every spatial dim, else there must
     * be one per spatial dim of the weight.
     */
    static int[] expandConvParam(int[] values, String name, int spatialDims) {
        if (values.length == 1) {
            int[] out = new int[Math.max(spatialDims, 0)];
            Arrays.fill(out, values[0]);
            return out;
        }
        if (values.length != spatialDims) {
            throw new IllegalArgumentException("expected " + name + " to be a single integer value or a list of "
                    + spatialDims + " values to match the convolution dimensions, but got " + name + "="
                    + Arrays.toString(values));
        }
        return values.clone();
    }

    /**
     * Everything {@code at::_convolution} checks before computing, for a batched input and params
     * already expanded. A weight that is not 4-D fails on conv2d's implicit output_padding=[0, 0],
     * which PyTorch expands (and rejects) after stride, padding and dilation.
     */
    static ConvGeometry conv(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                             int groups) {
        if (weight.dim() != 4) {
            throw new IllegalArgumentException("expected output_padding to be a single integer value or a list of "
                    + Math.max(weight.dim() - 2, 0) + " values to match the convolution dimensions, but got "
                    + "output_padding=[0, 0]");
        }
        for (int s : stride) if (s <= 0) throw new IllegalArgumentException("non-positive stride is not supported");
        for (int p : padding) if (p < 0) throw new IllegalArgumentException("negative padding is not supported");
        for (int d : dilation) {
            if (d <= 0) {
                throw new IllegalArgumentException("dilation should be greater than zero, but got "
                        + Arrays.toString(dilation));
            }
        }
        if (groups <= 0) throw new IllegalArgumentException("non-positive groups is not supported");
        int[] ws = weight.shape().toArray();
        String wstr = Arrays.toString(ws);
        if (ws[0] < groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be at least " + groups
                    + " at dimension 0, but got weight of size " + wstr + " instead");
        }
        if (ws[0] % groups != 0) {  // PyTorch really prints the size in double brackets here
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by "
                    + groups + " at dimension 0, but got weight of size [" + wstr + "] instead");
        }
        if (input.size(1) != ws[1] * groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + wstr
                    + ", expected input" + dims(input) + " to have " + ws[1] * groups + " channels, but got "
                    + input.size(1) + " channels instead");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != ws[0])) {
            throw new IllegalArgumentException("Given weight of size " + wstr + ", expected bias to be 1-dimensional "
                    + "with " + ws[0] + " elements, but got bias of size " + dims(bias) + " instead");
        }
        int h = input.size(2), w = input.size(3);
        int paddedH = h + 2 * padding[0], paddedW = w + 2 * padding[1];
        int kernelH = dilation[0] * (ws[2] - 1) + 1, kernelW = dilation[1] * (ws[3] - 1) + 1;
        if (paddedH < kernelH || paddedW < kernelW) {
            throw new IllegalArgumentException("Calculated padded input size per channel: (" + paddedH + " x " + paddedW
                    + "). Kernel size: (" + kernelH + " x " + kernelW + "). Kernel size can't be greater than actual "
                    + "input size");
        }
        if (input.dtype() != weight.dtype()) {
            throw new IllegalArgumentException("expected scalar type " + scalarName(input.dtype()) + " but found "
                    + scalarName(weight.dtype()));
        }
        if (bias != null && bias.dtype() != input.dtype()) {
            throw new IllegalArgumentException("Input type (" + scalarName(input.dtype()).toLowerCase() + ") and bias "
                    + "type (" + scalarName(bias.dtype()).toLowerCase() + ") should be the same");
        }
        supported(input, "slow_conv2d_cpu");
        return new ConvGeometry(input.size(0), input.size(1), h, w, ws[0], ws[2], ws[3], stride, padding, dilation,
                groups);
    }

    // ------------------------------------------------------------------ pooling

    /** Expands kernel/stride/padding/dilation to pairs; an empty or null stride means the kernel size. */
    static int[][] poolParams(String op, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (kernel.length != 1 && kernel.length != 2) {
            throw new IllegalArgumentException(op + ": kernel_size must either be a single int, or a tuple of two ints");
        }
        if (stride != null && stride.length > 2) {
            throw new IllegalArgumentException(op + ": stride must either be omitted, a single int, or a tuple of two ints");
        }
        if (padding.length != 1 && padding.length != 2) {  // the two ops really word this differently
            throw new IllegalArgumentException(op + (op.equals("max_pool2d") ? ": padding must be either be" : ": padding must either be")
                    + " a single int, or a tuple of two ints");
        }
        if (dilation.length != 1 && dilation.length != 2) {
            throw new IllegalArgumentException(op + ": dilation must be either a single int, or a tuple of two ints");
        }
        int[] k = pair(kernel);
        return new int[][] {k, stride == null || stride.length == 0 ? k : pair(stride), pair(padding), pair(dilation)};
    }

    private static int[] pair(int[] v) { return v.length == 1 ? new int[] {v[0], v[0]} : v.clone(); }

    static void poolInputDim(String op, Tensor input) {
        if (op.equals("avg_pool2d") && input.dim() < 3) {  // avg_pool2d reads size(-3) before any check
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + -input.dim()
                    + ", " + (input.dim() - 1) + "], but got -3)");
        }
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("non-empty 3D or 4D (batch mode) tensor expected for input");
        }
    }

    /** PyTorch's {@code pooling_output_shape} and {@code pool2d_shape_check}, for a 3-D or 4-D input. */
    static PoolGeometry pool(String op, Tensor input, int[][] params, boolean ceilMode) {
        int[] k = params[0], s = params[1], p = params[2], d = params[3];
        int dims = input.dim();
        int h = input.size(-2), w = input.size(-1), planes = input.size(-3) * (dims == 4 ? input.size(0) : 1);
        for (int i = 0; i < 2; i++) {
            if (s[i] == 0) throw new IllegalArgumentException("stride should not be zero");
            if (p[i] < 0) throw new IllegalArgumentException("pad must be non-negative, but got pad: " + p[i]);
            if (p[i] > k[i] / 2) {
                throw new IllegalArgumentException("pad should be at most half of kernel size, but got pad=" + p[i]
                        + " and kernel_size=" + k[i]);
            }
        }
        PoolGeometry g = PoolGeometry.of(planes, h, w, k, s, p, d, ceilMode);
        if (k[0] <= 0 || k[1] <= 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kH: " + k[0] + " kW: " + k[1]);
        }
        if (s[0] <= 0 || s[1] <= 0) {
            throw new IllegalArgumentException("stride should be greater than zero, but got dH: " + s[0] + " dW: " + s[1]);
        }
        if (d[0] <= 0 || d[1] <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilationH: " + d[0]
                    + " dilationW: " + d[1]);
        }
        boolean nonEmpty = input.size(-3) != 0 && h != 0 && w != 0;  // only the batch dim may be 0
        if (!nonEmpty || (dims == 3 && input.size(0) == 0)) {
            throw new IllegalArgumentException("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                    + "input, but got:" + dims(input));
        }
        if (g.oh() < 1 || g.ow() < 1) {
            throw new IllegalArgumentException("Given input size: (" + input.size(-3) + "x" + h + "x" + w + "). "
                    + "Calculated output size: (" + input.size(-3) + "x" + g.oh() + "x" + g.ow() + "). Output size is "
                    + "too small");
        }
        supported(input, op);
        return g;
    }

    // ------------------------------------------------------------------ shared

    /** Only float32 and float64 have kernels; PyTorch's dispatch error names the kernel and the type. */
    static void supported(Tensor t, String kernel) {
        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
            throw new UnsupportedOperationException("\"" + kernel + "\" not implemented for '" + scalarName(t.dtype()) + "'");
        }
    }

    /** c10's ScalarType name, as PyTorch's messages print it. */
    static String scalarName(DType t) { return t.scalarTypeName(); }

    static String dims(Tensor t) { return Arrays.toString(t.shape().toArray()); }
}
