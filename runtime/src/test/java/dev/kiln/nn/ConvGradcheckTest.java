package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * float64 finite-difference checks of each op's own backward rule, as torch.autograd.gradcheck:
 * the analytic gradient of sum(f(inputs) * U) against central differences, for every element of
 * every input, with PyTorch's gradcheck tolerances (atol 1e-5, rtol 1e-3).
 */
class ConvGradcheckTest {
    private static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    /** Compares analytic and numeric gradients of every input of {@code f}. */
    private static void gradcheck(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) t.requiresGrad_();
        Tensor out = f.apply(inputs);
        Tensor upstream = Torch.randn(out.shape().toArray(), DType.FLOAT64);
        out.mul(upstream).sum().backward();
        for (int k = 0; k < inputs.length; k++) {
            double[] data = (double[]) inputs[k].detach().array();  // shared: perturbing it perturbs the input
            double[] analytic = inputs[k].grad().toDoubleArray();
            for (int i = 0; i < data.length; i++) {
                double saved = data[i];
                data[i] = saved + EPS;
                double plus = loss(f, inputs, upstream);
                data[i] = saved - EPS;
                double minus = loss(f, inputs, upstream);
                data[i] = saved;
                double numeric = (plus - minus) / (2 * EPS);
                assertTrue(Math.abs(analytic[i] - numeric) <= ATOL + RTOL * Math.abs(numeric),
                        what + ": input " + k + " element " + i + " analytic " + analytic[i] + " numeric " + numeric);
            }
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor upstream) {
        try (var ignored = GradMode.noGrad()) {
            return f.apply(inputs).mul(upstream).sum().item();
        }
    }

    private static Tensor randn(int... shape) { return Torch.randn(shape, DType.FLOAT64); }

    /**
     * Distinct values at least 0.1 apart, so a perturbation of EPS never changes which element
     * wins a max-pool window (the max is not differentiable at ties).
     */
    private static Tensor distinct(int... shape) {
        Tensor perm = Torch.randperm(Torch.zeros(shape).numel()).toDouble();
        return perm.mul(0.1).reshape(shape).contiguous();
    }

    @Test
    void conv2dAllGradients() {
        Torch.manualSeed(11);
        gradcheck("plain", in -> Convolution.conv2d(in[0], in[1], in[2]), randn(2, 3, 5, 6), randn(4, 3, 3, 3), randn(4));
        gradcheck("stride pad dilation groups", in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {2, 1},
                new int[] {1, 2}, new int[] {2, 1}, 2), randn(2, 4, 7, 6), randn(6, 2, 3, 2), randn(6));
        gradcheck("pointwise strided", in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {2},
                new int[] {0}, new int[] {1}, 1), randn(1, 3, 5, 4), randn(2, 3, 1, 1), randn(2));
        gradcheck("pointwise identity columns", in -> Convolution.conv2d(in[0], in[1], in[2]),
                randn(2, 3, 3, 4), randn(5, 3, 1, 1), randn(5));
        gradcheck("depthwise unbatched", in -> Convolution.conv2d(in[0], in[1], in[2], new int[] {1},
                new int[] {1}, new int[] {1}, 3), randn(3, 4, 5), randn(3, 1, 3, 3), randn(3));
    }

    @Test
    void conv2dOnNonContiguousInputs() {
        Torch.manualSeed(12);
        // A transposed input and weight exercise the copy into dense arrays; gradients still flow to the views' bases.
        gradcheck("transposed", in -> Convolution.conv2d(in[0].transpose(2, 3), in[1].transpose(2, 3), null,
                new int[] {1}, new int[] {1}, new int[] {1}, 1), randn(2, 2, 6, 5), randn(3, 2, 2, 3));
    }

    @Test
    void maxPool2d() {
        Torch.manualSeed(13);
        gradcheck("k2", in -> Convolution.maxPool2d(in[0], 2), distinct(2, 2, 6, 6));
        gradcheck("overlapping padded ceil", in -> Convolution.maxPool2d(in[0], new int[] {3}, new int[] {2},
                new int[] {1}, new int[] {1}, true), distinct(1, 2, 6, 7));
        gradcheck("dilated rect", in -> Convolution.maxPool2d(in[0], new int[] {2, 3}, new int[] {1, 2},
                new int[] {1}, new int[] {2, 1}, false), distinct(1, 1, 7, 8));
        gradcheck("unbatched", in -> Convolution.maxPool2d(in[0], 3, 1), distinct(2, 5, 5));
    }

    @Test
    void avgPool2d() {
        Torch.manualSeed(14);
        gradcheck("k2", in -> Convolution.avgPool2d(in[0], 2), randn(2, 2, 6, 6));
        gradcheck("padded include", in -> Convolution.avgPool2d(in[0], 3, 2, 1, false, true), randn(1, 2, 7, 6));
        gradcheck("padded exclude ceil", in -> Convolution.avgPool2d(in[0], 3, 2, 1, true, false), randn(1, 2, 6, 7));
        gradcheck("rect divisor override", in -> Convolution.avgPool2d(in[0], new int[] {2, 3}, new int[] {1},
                new int[] {1}, false, true, 4), randn(1, 1, 5, 6));
    }
}
