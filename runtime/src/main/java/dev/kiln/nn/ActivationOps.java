package dev.kiln.nn;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.Tensor;

/**
 * Activations that the tensor package does not provide, each one differentiable op with its own
 * derivative rule (as PyTorch's LeakyReluBackward0, GeluBackward0, SoftmaxBackward0,
 * LogSoftmaxBackward0), rather than a chain of elementary ops: one node is cheaper, and for the
 * softmaxes the fused form is what keeps large inputs from overflowing.
 */
final class ActivationOps {
    private ActivationOps() {}

    private static final double SQRT1_2 = 0.7071067811865476;
    /** 1/sqrt(2 pi): the standard normal density at 0. */
    private static final double INV_SQRT_2PI = 0.3989422804014327;
    /** sqrt(2/pi) and the cubic coefficient of GELU's tanh approximation. */
    private static final double SQRT_2_OVER_PI = 0.7978845608028654;
    private static final double GELU_CUBIC = 0.044715;

    static Tensor leakyRelu(Tensor x, double slope) {
        DeviceFunctional.requireCpu("leaky_relu", x);
        TensorData.requireFloating(x, "leaky_relu");
        double[] v = TensorData.values(x);
        double[] out = new double[v.length];
        double[] slopeAt = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            slopeAt[i] = v[i] > 0 ? 1 : slope;
            out[i] = v[i] * slopeAt[i];
        }
        int[] shape = x.shape().toArray();
        Tensor y = TensorData.tensor(out, shape, x.dtype());
        return Autograd.record("LeakyReluBackward0", y,
                g -> new Tensor[] {g.mul(TensorData.tensor(slopeAt, shape, g.dtype()))}, x);
    }

    static Tensor gelu(Tensor x, GeluApproximation approximation) {
        DeviceFunctional.requireCpu("gelu", x);
        TensorData.requireFloating(x, "gelu");
        double[] v = TensorData.values(x);
        double[] out = new double[v.length];
        double[] slope = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double a = v[i];
            if (approximation == GeluApproximation.NONE) {
                // x * Phi(x), Phi the standard normal CDF; d/dx = Phi(x) + x * phi(x)
                double cdf = 0.5 * (1 + Erf.erf(a * SQRT1_2));
                out[i] = a * cdf;
                slope[i] = cdf + a * INV_SQRT_2PI * Math.exp(-0.5 * a * a);
            } else {
                double inner = SQRT_2_OVER_PI * (a + GELU_CUBIC * a * a * a);
                double t = Math.tanh(inner);
                out[i] = 0.5 * a * (1 + t);
                slope[i] = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * a * a);
            }
        }
        int[] shape = x.shape().toArray();
        Tensor y = TensorData.tensor(out, shape, x.dtype());
        return Autograd.record("GeluBackward0", y, g -> new Tensor[] {g.mul(TensorData.tensor(slope, shape, g.dtype()))}, x);
    }

    /** exp(x_i - max) / sum_j exp(x_j - max) along {@code dim}; subtracting the max keeps exp finite. */
    static Tensor softmax(Tensor x, int dim) {
        return normalizeAlong(x, dim, false);
    }

    /** x_i - max - log(sum_j exp(x_j - max)) along {@code dim}. */
    static Tensor logSoftmax(Tensor x, int dim) {
        return normalizeAlong(x, dim, true);
    }

    private static Tensor normalizeAlong(Tensor x, int dim, boolean log) {
        if (DeviceFunctional.onDevice(x)) return DeviceFunctional.softmax(x, dim, log);
        TensorData.requireFloating(x, log ? "log_softmax" : "softmax");
        int[] shape = x.shape().toArray();
        Lines lines = new Lines(shape, dim);
        double[] v = TensorData.values(x);
        double[] out = new double[v.length];
        lines.forEach((base, n, stride) -> {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < n; k++) max = Math.max(max, v[base + k * stride]);
            // An all -inf line has no finite max; shifting by 0 then gives PyTorch's nan.
            double shift = Double.isInfinite(max) ? 0 : max;
            double sum = 0;
            for (int k = 0; k < n; k++) sum += Math.exp(v[base + k * stride] - shift);
            double logSum = Math.log(sum);
            for (int k = 0; k < n; k++) {
                int i = base + k * stride;
                out[i] = log ? v[i] - shift - logSum : Math.exp(v[i] - shift) / sum;
            }
        });
        Tensor y = TensorData.tensor(out, shape, x.dtype());
        return Autograd.record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", y, g -> {
            double[] gv = TensorData.values(g);
            double[] gi = new double[gv.length];
            lines.forEach((base, n, stride) -> {
                // softmax: y_i (g_i - sum_j g_j y_j); log_softmax: g_i - exp(y_i) sum_j g_j
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    int i = base + k * stride;
                    dot += log ? gv[i] : gv[i] * out[i];
                }
                for (int k = 0; k < n; k++) {
                    int i = base + k * stride;
                    gi[i] = log ? gv[i] - Math.exp(out[i]) * dot : out[i] * (gv[i] - dot);
                }
            });
            return new Tensor[] {TensorData.tensor(gi, shape, g.dtype())};
        }, x);
    }

    /** The 1-D lines of a contiguous tensor along one dim: {@code outer * inner} lines of {@code n} elements. */
    record Lines(int outer, int n, int inner) {
        Lines(int[] shape, int dim) {
            this(TensorData.product(shape, 0, wrap(dim, shape.length)),
                    shape.length == 0 ? 1 : shape[wrap(dim, shape.length)],
                    TensorData.product(shape, wrap(dim, shape.length) + 1, shape.length));
        }

        interface Line { void apply(int base, int n, int stride); }

        void forEach(Line line) {
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) line.apply(o * n * inner + i, n, inner);
            }
        }

        /** PyTorch's dim wrapping, where a 0-dim tensor accepts dims -1 and 0. */
        private static int wrap(int dim, int rank) {
            int r = Math.max(rank, 1);
            if (dim < -r || dim >= r) {
                throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + -r
                        + ", " + (r - 1) + "], but got " + dim + ")");
            }
            return rank == 0 ? 0 : dim < 0 ? dim + r : dim;
        }
    }
}
