package dev.kiln.nn;

import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * PyTorch's {@code nn.Conv2d} (zero padding): parameters {@code weight} [out, in/groups, kh, kw]
 * and optional {@code bias} [out].
 *
 * <p>Initialised as PyTorch 1.13's {@code reset_parameters}: weight from
 * {@code kaiming_uniform_(a=sqrt(5))}, then bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn in
 * that order from the default generator, so after the same {@code manualSeed} the values equal
 * PyTorch's.
 */
public class Conv2d extends Module {
    private final int inChannels, outChannels, groups;
    private final int[] kernelSize, stride, padding, dilation;
    private final Tensor weight, bias;

    /** {@code nn.Conv2d(in, out, k)}: square kernel, stride 1, no padding, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true);
    }

    /** {@code nn.Conv2d(in, out, k, stride=s, padding=p)}. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups,
                  boolean bias) {
        this(inChannels, outChannels, new int[] {kernelSize}, new int[] {stride}, new int[] {padding},
                new int[] {dilation}, groups, bias);
    }

    /** The general form: each size is one int (both dims) or a (height, width) pair. */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                  int groups, boolean bias) {
        if (groups <= 0) throw new IllegalArgumentException("groups must be a positive integer");
        if (inChannels % groups != 0) throw new IllegalArgumentException("in_channels must be divisible by groups");
        if (outChannels % groups != 0) throw new IllegalArgumentException("out_channels must be divisible by groups");
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernelSize = pair(kernelSize, "kernel_size");
        this.stride = pair(stride, "stride");
        this.padding = pair(padding, "padding");
        this.dilation = pair(dilation, "dilation");
        int[] shape = {outChannels, inChannels / groups, this.kernelSize[0], this.kernelSize[1]};
        this.weight = registerParameter("weight", Torch.empty(shape));
        this.bias = bias ? registerParameter("bias", Torch.empty(outChannels)) : null;
        resetParameters();
    }

    /** PyTorch's {@code _pair}: an int applies to both dims. */
    private static int[] pair(int[] v, String name) {
        if (v.length == 1) return new int[] {v[0], v[0]};
        if (v.length != 2) throw new IllegalArgumentException(name + " must be an int or a pair of ints, got " + v.length + " values");
        return v.clone();
    }

    /**
     * Re-draws weight and bias. The bound is computed with the same double arithmetic as PyTorch's
     * {@code kaiming_uniform_} (gain sqrt(2/(1+a^2)) with a = sqrt(5), times sqrt(3)/sqrt(fan_in)),
     * which is not bit-identical to 1/sqrt(fan_in); the exact double matters for equal draws.
     */
    public void resetParameters() {
        int fanIn = weight.size(1) * kernelSize[0] * kernelSize[1];
        if (fanIn == 0) return;  // PyTorch warns and leaves zero-element tensors alone
        double a = Math.sqrt(5.0);
        double gain = Math.sqrt(2.0 / (1 + a * a));
        double bound = Math.sqrt(3.0) * (gain / Math.sqrt(fanIn));
        Torch.uniform(weight, -bound, bound);
        if (bias != null) {
            double b = 1 / Math.sqrt(fanIn);
            Torch.uniform(bias, -b, b);
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        return Convolution.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    public Tensor weight() { return weight; }

    /** The bias, or null when built with {@code bias=false}. */
    public Tensor bias() { return bias; }

    public int inChannels() { return inChannels; }

    public int outChannels() { return outChannels; }

    public int groups() { return groups; }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public int[] dilation() { return dilation.clone(); }

    /** As PyTorch: padding, dilation, groups and bias appear only when not at their defaults. */
    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=").append(PyRepr.tuple(kernelSize)).append(", stride=").append(PyRepr.tuple(stride));
        if (padding[0] != 0 || padding[1] != 0) s.append(", padding=").append(PyRepr.tuple(padding));
        if (dilation[0] != 1 || dilation[1] != 1) s.append(", dilation=").append(PyRepr.tuple(dilation));
        if (groups != 1) s.append(", groups=").append(groups);
        if (bias == null) s.append(", bias=False");
        return s.toString();
    }

}
