package dev.kiln.samples.compiled;

import dev.kiln.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two closeness checks the compiled-model tests compare generated and eager tensors with. */
final class TensorAsserts {
    private TensorAsserts() {}

    /** Every element within {@code tol} times the larger of 1 and the expected tensor's largest magnitude. */
    static void assertCloseToScale(Tensor expected, Tensor actual, double tol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what + " size");
        double scale = 0;
        for (double v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs(e[i] - a[i]);
            assertTrue(err <= tol * Math.max(1, scale), what + "[" + i + "]: expected " + e[i] + " but was " + a[i]);
        }
    }

    /** Every element within {@code tol} times the larger of 1 and its own expected magnitude. */
    static void assertCloseElementwise(Tensor expected, Tensor actual, double tol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what + " size");
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= tol * Math.max(1, Math.abs(e[i])), what + "[" + i + "]: expected " + e[i] + " but was " + a[i]);
        }
    }
}
