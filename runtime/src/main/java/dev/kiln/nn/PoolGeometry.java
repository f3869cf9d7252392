package dev.kiln.nn;

/**
 * The sizes of one 2-D pooling call over {@code planes} independent (batch x channel) planes.
 * Output sizes follow PyTorch's {@code pooling_output_shape}: floor or ceil division, and in
 * ceil mode the last window is dropped when it would start in the right/bottom padding.
 */
record PoolGeometry(int planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                    int oh, int ow) {

    static PoolGeometry of(int planes, int h, int w, int[] kernel, int[] stride, int[] padding, int[] dilation,
                           boolean ceilMode) {
        return new PoolGeometry(planes, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1], outputSize(h, kernel[0], padding[0], stride[0], dilation[0], ceilMode),
                outputSize(w, kernel[1], padding[1], stride[1], dilation[1], ceilMode));
    }

    static int outputSize(int in, int k, int pad, int stride, int dil, boolean ceilMode) {
        int out = Math.floorDiv(in + 2 * pad - dil * (k - 1) - 1 + (ceilMode ? stride - 1 : 0), stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + pad) out--;
        return out;
    }

    int inPlane() { return h * w; }

    int outPlane() { return oh * ow; }
}
