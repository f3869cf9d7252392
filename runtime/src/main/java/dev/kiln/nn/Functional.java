package dev.kiln.nn;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.DeviceLayers;
import dev.kiln.tensor.PyRepr;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.random.Generator;

/**
 * PyTorch's {@code torch.nn.functional}: the stateless form of each layer. Modules hold the
 * parameters and call these. Where PyTorch has a keyword default, the shorter overload applies it.
 */
public final class Functional {
    private Functional() {}

    // ------------------------------------------------------------ activations

    public static Tensor sigmoid(Tensor x) { return x.sigmoid(); }

    public static Tensor tanh(Tensor x) { return x.tanh(); }

    public static Tensor relu(Tensor x) { return x.relu(); }

    /** {@code x} where positive, {@code negativeSlope * x} elsewhere (default slope 0.01). */
    public static Tensor leakyRelu(Tensor x, double negativeSlope) { return ActivationOps.leakyRelu(x, negativeSlope); }

    public static Tensor leakyRelu(Tensor x) { return leakyRelu(x, 0.01); }

    /** GELU in PyTorch's default exact form {@code x * Phi(x) = x/2 (1 + erf(x/sqrt 2))}. */
    public static Tensor gelu(Tensor x) { return ActivationOps.gelu(x, GeluApproximation.NONE); }

    public static Tensor gelu(Tensor x, GeluApproximation approximate) { return ActivationOps.gelu(x, approximate); }

    /** Softmax along {@code dim}, stable for large inputs (the max is subtracted first). */
    public static Tensor softmax(Tensor x, int dim) { return ActivationOps.softmax(x, dim); }

    /** log(softmax(x)) computed directly, finite where softmax would underflow to 0. */
    public static Tensor logSoftmax(Tensor x, int dim) { return ActivationOps.logSoftmax(x, dim); }

    // ------------------------------------------------------------ layers

    /** {@code x @ weight^T + bias}; {@code bias} may be null. Weight is {@code [out, in]}. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (x.size(-1) != weight.size(-1)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + x.numel() / Math.max(1, x.size(-1))
                    + "x" + x.size(-1) + " and " + weight.size(1) + "x" + weight.size(0) + ")");
        }
        Tensor out = x.matmul(weight.t());
        return bias == null ? out : out.add(bias);
    }

    public static Tensor linear(Tensor x, Tensor weight) { return linear(x, weight, null); }

    /**
     * Zeroes each element with probability {@code p} and scales the rest by {@code 1/(1-p)} when
     * training; the identity otherwise. The mask is drawn as PyTorch's CPU kernel draws it,
     * {@code empty_like(x).bernoulli_(1 - p)} from the default generator, then divided by
     * {@code 1 - p} in x's dtype, so a seeded program drops the same elements in both. On a device the masks come
     * from that device's own stream ({@link DeviceLayers#dropout}), so they differ from the CPU's for the same seed,
     * as PyTorch's CUDA masks differ from its CPU ones.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, boolean inplace) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + PyRepr.of(p));
        }
        if (p == 0 || !training || x.numel() == 0) return x;
        TensorData.requireFloating(x, "dropout");
        if (DeviceFunctional.onDevice(x)) return DeviceLayers.dropout(x, p, inplace);  // masks from the device's stream
        Tensor noise;
        if (p == 1) {
            noise = Torch.zeros(new int[0], x.dtype());
        } else {
            noise = Torch.empty(x.shape().toArray(), x.dtype());
            fillBernoulli(noise, 1 - p);
            // The divisor is rounded to x's dtype first, as PyTorch's CPU kernel converts the scalar.
            noise.div_(Torch.full(new int[0], 1 - p, x.dtype()));
        }
        return inplace ? x.mul_(noise) : x.mul(noise);
    }

    public static Tensor dropout(Tensor x, double p, boolean training) { return dropout(x, p, training, false); }

    /** {@code F.dropout(x, p)}: note PyTorch's functional default is training=True. */
    public static Tensor dropout(Tensor x, double p) { return dropout(x, p, true, false); }

    private static void fillBernoulli(Tensor noise, double p) {
        Generator g = Generator.defaultGenerator();
        Object data = noise.untypedStorage().array();
        if (noise.dtype() == DType.FLOAT64) {
            g.fillBernoulli((double[]) data, noise.storageOffset(), noise.numel(), p);
        } else if (noise.dtype() == DType.FLOAT32) {
            g.fillBernoulli((float[]) data, noise.storageOffset(), noise.numel(), p);
        } else {
            // float16: draw as float32 (the same draws, one per element), then narrow the 0/1 values.
            Tensor f = Torch.empty(noise.shape().toArray(), DType.FLOAT32);
            g.fillBernoulli((float[]) f.untypedStorage().array(), 0, f.numel(), p);
            noise.copy_(f);
        }
    }

    /**
     * PyTorch's {@code F.batch_norm}: {@code runningMean}/{@code runningVar} may be null (batch
     * statistics are then required: {@code training} true); when training they are updated in place.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        return NormOps.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training) {
        return batchNorm(x, runningMean, runningVar, weight, bias, training, 0.1, 1e-5);
    }

    /** PyTorch's {@code F.layer_norm}; {@code weight}/{@code bias} have {@code normalizedShape} or are null. */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return NormOps.layerNorm(x, normalizedShape, weight, bias, eps);
    }

    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias) {
        return layerNorm(x, normalizedShape, weight, bias, 1e-5);
    }

    public static Tensor layerNorm(Tensor x, int[] normalizedShape) { return layerNorm(x, normalizedShape, null, null, 1e-5); }

    /**
     * Rows of {@code weight} picked by the integer {@code indices}: output shape is
     * {@code indices.shape + [embedding_dim]}. The row {@code paddingIdx} (null for none, negative
     * counts from the end) receives no gradient, as in PyTorch.
     */
    public static Tensor embedding(Tensor indices, Tensor weight, Integer paddingIdx) {
        if (indices.isFloatingPoint() || indices.dtype() == DType.BOOL) {
            throw new IllegalArgumentException("Expected tensor for argument #1 'indices' to have one of the following "
                    + "scalar types: Long, Int; but got " + indices.dtype() + " instead (while checking arguments for embedding)");
        }
        if (weight.dim() != 2) throw new IllegalArgumentException("'weight' must be 2-D");
        int rows = weight.size(0), d = weight.size(1);
        Integer pad = paddingIdx == null ? null : paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
        if (DeviceFunctional.onDevice(indices, weight)) return DeviceLayers.embedding(indices, weight, pad);
        long[] idx = indices.toLongArray();
        double[] w = TensorData.values(weight);
        double[] out = new double[idx.length * d];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= rows) {
                // PyTorch's words, then which value and where: row = position along the input's first dimension.
                int perRow = indices.dim() == 0 ? 1 : Math.max(1, idx.length / Math.max(1, indices.size(0)));
                throw new IndexOutOfBoundsException("index out of range in self: index " + idx[i] + " at row " + i / perRow
                        + " of the input (flat position " + i + "), expected in [0, " + rows + ")");
            }
            System.arraycopy(w, (int) idx[i] * d, out, i * d, d);
        }
        int[] shape = java.util.Arrays.copyOf(indices.shape().toArray(), indices.dim() + 1);
        shape[indices.dim()] = d;
        Tensor y = TensorData.tensor(out, shape, weight.dtype());
        return Autograd.record("EmbeddingBackward0", y, g -> {
            // Rows picked several times sum their gradients; the padding row gets none.
            double[] gv = TensorData.values(g);
            double[] gw = new double[rows * d];
            for (int i = 0; i < idx.length; i++) {
                if (pad != null && idx[i] == pad) continue;
                for (int j = 0; j < d; j++) gw[(int) idx[i] * d + j] += gv[i * d + j];
            }
            return new Tensor[] {TensorData.tensor(gw, new int[] {rows, d}, weight.dtype())};
        }, weight);
    }

    public static Tensor embedding(Tensor indices, Tensor weight) { return embedding(indices, weight, null); }

    // ------------------------------------------------------------ gradient clipping (torch.nn.utils)

    /**
     * {@code torch.nn.utils.clip_grad_norm_}: the {@code normType}-norm of all the parameters' gradients together
     * (as if concatenated; {@code Double.POSITIVE_INFINITY} for the largest magnitude); when it exceeds
     * {@code maxNorm} every gradient is scaled in place by {@code maxNorm / (total + 1e-6)}. Parameters without a
     * gradient are skipped. Returns the total norm (before clipping) as a 0-d tensor of the gradients' dtype.
     * With {@code errorIfNonfinite} a NaN or infinite total throws instead of scaling.
     */
    public static Tensor clipGradNorm_(Iterable<Tensor> parameters, double maxNorm, double normType, boolean errorIfNonfinite) {
        return GradClipping.clipGradNorm_(parameters, maxNorm, normType, errorIfNonfinite);
    }

    public static Tensor clipGradNorm_(Iterable<Tensor> parameters, double maxNorm, double normType) {
        return clipGradNorm_(parameters, maxNorm, normType, false);
    }

    /** The Euclidean norm (PyTorch's default {@code norm_type=2}). */
    public static Tensor clipGradNorm_(Iterable<Tensor> parameters, double maxNorm) { return clipGradNorm_(parameters, maxNorm, 2.0, false); }

    /** {@code torch.nn.utils.clip_grad_value_}: clamps every gradient element into {@code [-clipValue, clipValue]}. */
    public static void clipGradValue_(Iterable<Tensor> parameters, double clipValue) { GradClipping.clipGradValue_(parameters, clipValue); }
}
