package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * PyTorch's {@code nn.MaxPool2d}. Sizes are one int or a (height, width) pair and print the way
 * they were given, as PyTorch keeps them; the stride defaults to the kernel size.
 */
public class MaxPool2d extends Module {
    private final int[] kernelSize, stride, padding, dilation;
    private final boolean ceilMode;

    public MaxPool2d(int kernelSize) { this(new int[] {kernelSize}, null, new int[] {0}, new int[] {1}, false); }

    public MaxPool2d(int kernelSize, int stride) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {0}, new int[] {1}, false);
    }

    public MaxPool2d(int kernelSize, int stride, int padding) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1}, false);
    }

    public MaxPool2d(int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, ceilMode);
    }

    /** The general form; a null stride means the kernel size. */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Convolution.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** The sizes as given: one int (both dims) or a (height, width) pair. */
    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public int[] dilation() { return dilation.clone(); }

    public boolean ceilMode() { return ceilMode; }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + intOrTuple(kernelSize) + ", stride=" + intOrTuple(stride) + ", padding="
                + intOrTuple(padding) + ", dilation=" + intOrTuple(dilation) + ", ceil_mode="
                + (ceilMode ? "True" : "False");
    }

    /** Python's repr of an int or a tuple of ints, whichever the user gave. */
    static String intOrTuple(int[] v) {
        if (v.length == 1) return Integer.toString(v[0]);
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) s.append(i > 0 ? ", " : "").append(v[i]);
        return s.append(")").toString();
    }
}
