package dev.kiln.loss;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.Arrays;

/**
 * Negative log-likelihood of class indices over log-probabilities: PyTorch 1.13's
 * {@code NLLLoss}. Input {@code [N, C]}, {@code [C]} or {@code [N, C, d1, ...]}; target int64 of
 * the input's shape without the class dimension. Targets equal to {@code ignoreIndex} contribute
 * nothing, and {@code MEAN} divides by the summed class weights of the remaining targets.
 */
public final class NLLLoss extends Loss {
    public static final long DEFAULT_IGNORE_INDEX = -100;

    private final Tensor weight;
    private final long ignoreIndex;

    public NLLLoss() { this(null, DEFAULT_IGNORE_INDEX, Reduction.MEAN); }

    public NLLLoss(Reduction reduction) { this(null, DEFAULT_IGNORE_INDEX, reduction); }

    /** {@code weight} (one per class) may be null. */
    public NLLLoss(Tensor weight, long ignoreIndex, Reduction reduction) {
        super(reduction);
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) { return nllLoss(input, target, weight, ignoreIndex, reduction); }

    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
    }

    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) {
        DeviceFunctional.requireCpu("nll_loss", input, target, weight);
        Layout l = Layout.check(input, target, weight);
        long[] t = target.toLongArray();
        double[] w = weight == null ? null : weight.toDoubleArray();
        double[] x = input.toDoubleArray();
        int positions = l.batch * l.inner;
        double[] out = new double[positions];
        double[] coeff = new double[positions];  // -w[t] per position, the derivative of its loss
        double totalWeight = 0;
        for (int p = 0; p < positions; p++) {
            long cls = t[p];
            if (cls == ignoreIndex) continue;
            if (cls < 0 || cls >= l.classes) throw new IndexOutOfBoundsException("Target " + cls + " is out of bounds.");
            double wc = w == null ? 1 : w[(int) cls];
            coeff[p] = -wc;
            out[p] = -wc * x[l.index(p, (int) cls)];
            totalWeight += wc;
        }
        Tensor perTarget = Loss.fromDoubles(out, target.shape().toArray(), input.dtype());
        int[] inShape = input.shape().toArray();
        perTarget = Autograd.record("NllLossBackward0", perTarget, g -> {
            double[] gv = g.expand(target.shape().toArray()).toDoubleArray();
            double[] gi = new double[x.length];
            for (int p = 0; p < positions; p++) if (coeff[p] != 0) gi[l.index(p, (int) t[p])] = coeff[p] * gv[p];
            return new Tensor[] {Loss.fromDoubles(gi, inShape, g.dtype())};
        }, input);
        return switch (reduction) {
            case NONE -> perTarget;
            case SUM -> perTarget.sum();
            // All targets ignored gives 0/0 = nan, as PyTorch 1.13.
            case MEAN -> perTarget.sum().div(Torch.full(new int[0], totalWeight, input.dtype()));
        };
    }

    /** Where class {@code c} of target position {@code p} lives in the flat input. */
    record Layout(int batch, int classes, int inner) {
        int index(int p, int c) {
            int n = p / inner, s = p % inner;
            return (n * classes + c) * inner + s;
        }

        /** Validates shapes and dtypes with PyTorch's messages and describes the input's layout. */
        static Layout check(Tensor input, Tensor target, Tensor weight) {
            int dim = input.dim();
            if (dim < 1) throw new IllegalArgumentException("Expected 1 or more dimensions (got " + dim + ")");
            if (dim != 1 && (target.dim() == 0 || input.size(0) != target.size(0))) {
                throw new IllegalArgumentException("Expected input batch_size (" + input.size(0)
                        + ") to match target batch_size (" + (target.dim() == 0 ? 1 : target.size(0)) + ").");
            }
            if (target.dtype() != DType.INT64) {
                throw new IllegalArgumentException("expected scalar type Long but found " + target.dtype().scalarTypeName());
            }
            int classes = dim == 1 ? input.size(0) : input.size(1);
            if (weight != null && (weight.dim() != 1 || weight.numel() != classes)) {
                throw new IllegalArgumentException("weight tensor should be defined either for all " + classes
                        + " classes or no classes but got weight tensor of shape: " + sizes(weight));
            }
            if (dim == 1) {
                if (target.dim() != 0) {
                    throw new IllegalArgumentException("size mismatch (got input: " + sizes(input) + ", target: "
                            + sizes(target) + ")");
                }
                return new Layout(1, classes, 1);
            }
            int[] in = input.shape().toArray();
            int[] expected = new int[in.length - 1];
            expected[0] = in[0];
            System.arraycopy(in, 2, expected, 1, in.length - 2);
            if (!Arrays.equals(expected, target.shape().toArray())) {
                if (dim == 2) {
                    throw new IllegalArgumentException("0D or 1D target tensor expected, multi-target not supported");
                }
                throw new IllegalArgumentException("Expected target size " + Arrays.toString(expected) + ", got "
                        + sizes(target));
            }
            int inner = 1;
            for (int i = 2; i < in.length; i++) inner *= in[i];
            return new Layout(in[0], classes, inner);
        }
    }
}
