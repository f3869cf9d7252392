package dev.kiln.nn;

import dev.kiln.tensor.PyRepr;
import dev.kiln.nn.init.Init;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/** Normalises each sample over its trailing {@code normalizedShape} dims, as {@code nn.LayerNorm}. */
public class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final double eps;
    private final boolean elementwiseAffine;
    private final Tensor weight, bias;

    public LayerNorm(int... normalizedShape) { this(normalizedShape, 1e-5, true); }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        this(normalizedShape, eps, elementwiseAffine, DType.FLOAT32);
    }

    /** With PyTorch's {@code dtype=} factory argument for the weight and bias. */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, DType dtype) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        weight = registerParameter("weight", elementwiseAffine ? Torch.empty(normalizedShape, dtype) : null);
        bias = registerParameter("bias", elementwiseAffine ? Torch.empty(normalizedShape, dtype) : null);
        resetParameters();
    }

    /** Weight 1, bias 0. */
    public void resetParameters() {
        if (elementwiseAffine) {
            Init.ones_(weight);
            Init.zeros_(bias);
        }
    }

    @Override
    public Tensor forward(Tensor input) { return Functional.layerNorm(input, normalizedShape, weight, bias, eps); }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }

    public int[] normalizedShape() { return normalizedShape.clone(); }

    public double eps() { return eps; }

    @Override
    protected String extraRepr() {
        return PyRepr.tuple(normalizedShape) + ", eps=" + PyRepr.of(eps) + ", elementwise_affine=" + PyRepr.of(elementwiseAffine);
    }
}
