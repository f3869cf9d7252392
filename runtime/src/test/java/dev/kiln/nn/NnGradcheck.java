package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.random.Generator;

import java.util.List;
import java.util.function.Supplier;

/**
 * Finite-difference check of analytic gradients in float64: for L = sum(f() * W) with a fixed
 * random W, each element of each leaf is nudged by +-h and (L+ - L-)/2h compared with the
 * gradient backward() put in {@code .grad}. W is random so that every output element's gradient
 * path is weighted differently (a plain sum would hide errors that cancel, e.g. in softmax).
 */
final class NnGradcheck {
    private NnGradcheck() {}

    private static final double H = 1e-6;
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;

    /** {@code f} must read the current values of {@code leaves} (float64, contiguous) on each call. */
    static void check(String what, Supplier<Tensor> f, List<Tensor> leaves) {
        for (Tensor leaf : leaves) {
            assertEquals(DType.FLOAT64, leaf.dtype(), what + ": leaves must be float64");
            leaf.setGrad(null);
        }
        Tensor out = f.get();
        double[] w = weights(out.numel());
        Tensor wt = NnTensors.of(w, out.shape().toArray());
        out.mul(wt).sum().backward();
        for (int li = 0; li < leaves.size(); li++) {
            Tensor leaf = leaves.get(li);
            assertNotNull(leaf.grad(), what + ": leaf " + li + " got no gradient");
            double[] analytic = leaf.grad().toDoubleArray();
            double[] data = (double[]) leaf.untypedStorage().array();
            int off = leaf.storageOffset();
            for (int i = 0; i < leaf.numel(); i++) {
                double saved = data[off + i];
                data[off + i] = saved + H;
                double plus = loss(f, w);
                data[off + i] = saved - H;
                double minus = loss(f, w);
                data[off + i] = saved;
                double numeric = (plus - minus) / (2 * H);
                if (Math.abs(numeric - analytic[i]) > ATOL + RTOL * Math.abs(numeric)) {
                    fail(what + ": leaf " + li + " element " + i + ": analytic " + analytic[i] + " vs numeric " + numeric);
                }
            }
        }
    }

    private static double loss(Supplier<Tensor> f, double[] w) {
        try (var ignored = GradMode.noGrad()) {
            double[] out = f.get().toDoubleArray();
            double s = 0;
            for (int i = 0; i < out.length; i++) s += out[i] * w[i];
            return s;
        }
    }

    /** Fixed weights from a private generator, so checks do not disturb the default one. */
    private static double[] weights(int n) {
        double[] w = new double[n];
        new Generator(1234).fillNormal(w, 0, n, 0.0, 1.0);
        return w;
    }
}
