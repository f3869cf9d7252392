package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

/**
 * PyTorch's {@code nn.AvgPool2d}: stride defaults to the kernel size, padding counts towards the
 * divisor unless {@code countIncludePad} is false, and {@code divisorOverride} replaces the divisor.
 */
public class AvgPool2d extends Module {
    private final int[] kernelSize, stride, padding;
    private final boolean ceilMode, countIncludePad;
    private final Integer divisorOverride;

    public AvgPool2d(int kernelSize) { this(new int[] {kernelSize}, null, new int[] {0}, false, true, null); }

    public AvgPool2d(int kernelSize, int stride) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {0}, false, true, null);
    }

    public AvgPool2d(int kernelSize, int stride, int padding) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true, null);
    }

    public AvgPool2d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, ceilMode, countIncludePad, null);
    }

    /** The general form; a null stride means the kernel size, a null divisorOverride the usual divisor. */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                     Integer divisorOverride) {
        this.kernelSize = kernelSize.clone();
        this.stride = stride == null ? kernelSize.clone() : stride.clone();
        this.padding = padding.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Convolution.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** The sizes as given: one int (both dims) or a (height, width) pair. */
    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public boolean ceilMode() { return ceilMode; }

    public boolean countIncludePad() { return countIncludePad; }

    /** Null for the usual divisor. */
    public Integer divisorOverride() { return divisorOverride; }

    /** PyTorch prints only these three, whatever the other options are. */
    @Override
    protected String extraRepr() {
        return "kernel_size=" + MaxPool2d.intOrTuple(kernelSize) + ", stride=" + MaxPool2d.intOrTuple(stride)
                + ", padding=" + MaxPool2d.intOrTuple(padding);
    }
}
