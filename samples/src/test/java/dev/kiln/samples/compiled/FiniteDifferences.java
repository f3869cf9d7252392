package dev.kiln.samples.compiled;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Float64 central difference quotients, the check of a generated (float32) backward that needs no other backward. */
final class FiniteDifferences {
    /** A float64 function of the tensors it closes over. */
    interface Scalar { double get(); }

    /** The float64 reference network of a test model, from its input and its weights by state-dict key. */
    interface Reference { Tensor apply(Tensor x, Map<String, Tensor> weights); }

    private FiniteDifferences() {}

    /** {@code (f(p + h e_i) - f(p - h e_i)) / 2h}, moving element i of {@code p} in place and back. */
    private static double central(Scalar f, Tensor p, int i, double h) {
        Tensor element = p.view(-1).select(0, i);
        double v = element.item();
        element.fill_(v + h);
        double plus = f.get();
        element.fill_(v - h);
        double minus = f.get();
        element.fill_(v);
        return (plus - minus) / (2 * h);
    }

    /**
     * A float32 gradient against the difference quotient of {@code f} in the same element of {@code p}: at most
     * {@code elements} elements, spread evenly over the tensor.
     */
    static void assertGradient(Scalar f, Tensor p, double[] gradient, int elements, String what) {
        int stride = Math.max(1, gradient.length / elements);
        for (int i = 0; i < gradient.length; i += stride) assertNear(central(f, p, i, 1e-6), gradient[i], what + "[" + i + "]");
    }

    /**
     * The generated input and parameter gradients of {@code sum(forward(x) * g)} (from {@code backward}, run first)
     * against central differences of the float64 reference, in up to {@code elements} elements of x and of each
     * parameter ({@link Integer#MAX_VALUE}: all).
     */
    static void assertBackward(Map<String, Tensor> state, Tensor x, Tensor g, Supplier<Tensor> backward,
                               Map<String, Tensor> parameters, Reference reference, int elements) {
        double[] gradIn = backward.get().toDoubleArray();
        Map<String, Tensor> p = new HashMap<>();
        for (var e : state.entrySet()) p.put(e.getKey(), e.getValue().detach().to(DType.FLOAT64).clone());
        Tensor xd = x.toDouble().clone(), gd = g.toDouble();
        Scalar loss = () -> reference.apply(xd, p).mul(gd).sum().item();
        try (var ignored = GradMode.noGrad()) {
            assertGradient(loss, xd, gradIn, elements, "d/dx");
            for (var e : parameters.entrySet()) {
                assertGradient(loss, p.get(e.getKey()), e.getValue().grad().toDoubleArray(), elements, "d/d" + e.getKey());
            }
        }
    }

    /** A float32 gradient against a float64 difference quotient: float32 rounding bounds the agreement. */
    private static void assertNear(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-4 * Math.max(1, Math.abs(expected)), what + ": expected " + expected + " but was " + actual);
    }
}
