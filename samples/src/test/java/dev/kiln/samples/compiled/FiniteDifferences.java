package dev.kiln.samples.compiled;

import dev.kiln.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Float64 central difference quotients, the check of a generated (float32) backward that needs no other backward. */
final class FiniteDifferences {
    /** A float64 function of the tensors it closes over. */
    interface Scalar { double get(); }

    private FiniteDifferences() {}

    /** {@code (f(p + h e_i) - f(p - h e_i)) / 2h}, moving element i of {@code p} in place and back. */
    static double central(Scalar f, Tensor p, int i, double h) {
        Tensor element = p.view(-1).select(0, i);
        double v = element.item();
        element.fill_(v + h);
        double plus = f.get();
        element.fill_(v - h);
        double minus = f.get();
        element.fill_(v);
        return (plus - minus) / (2 * h);
    }

    /** Every element of a float32 gradient against the difference quotient of {@code f} in that element of {@code p}. */
    static void assertGradient(Scalar f, Tensor p, double[] gradient, String what) {
        for (int i = 0; i < gradient.length; i++) assertNear(central(f, p, i, 1e-6), gradient[i], what + "[" + i + "]");
    }

    /** A float32 gradient against a float64 difference quotient: float32 rounding bounds the agreement. */
    static void assertNear(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-4 * Math.max(1, Math.abs(expected)), what + ": expected " + expected + " but was " + actual);
    }
}
