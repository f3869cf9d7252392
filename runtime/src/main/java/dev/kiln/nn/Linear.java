package dev.kiln.nn;

import dev.kiln.tensor.PyRepr;
import dev.kiln.nn.init.Init;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/** {@code y = x W^T + b}, W of shape {@code [out_features, in_features]}, as {@code nn.Linear}. */
public class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Tensor weight;
    private final Tensor bias;

    public Linear(int inFeatures, int outFeatures) { this(inFeatures, outFeatures, true); }

    public Linear(int inFeatures, int outFeatures, boolean bias) { this(inFeatures, outFeatures, bias, DType.FLOAT32); }

    /** With PyTorch's {@code dtype=} factory argument: parameters of that dtype (float64 for gradient checks). */
    public Linear(int inFeatures, int outFeatures, boolean bias, DType dtype) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Torch.empty(new int[] {outFeatures, inFeatures}, dtype));
        this.bias = registerParameter("bias", bias ? Torch.empty(new int[] {outFeatures}, dtype) : null);
        resetParameters();
    }

    /**
     * PyTorch 1.13's reset: kaiming_uniform_(a = sqrt 5) on the weight, which works out to
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), then the bias from the same range, in that order, so a
     * seeded construction draws what PyTorch draws.
     */
    public void resetParameters() {
        Init.kaimingUniform_(weight, Math.sqrt(5));
        if (bias != null) {
            int fanIn = Init.calculateFanInAndFanOut(weight).fanIn();
            double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
            Init.uniform_(bias, -bound, bound);
        }
    }

    @Override
    public Tensor forward(Tensor input) { return Functional.linear(input, weight, bias); }

    public Tensor weight() { return weight; }

    /** The bias, or null when constructed with {@code bias = false}. */
    public Tensor bias() { return bias; }

    public int inFeatures() { return inFeatures; }

    public int outFeatures() { return outFeatures; }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + PyRepr.of(bias != null);
    }
}
