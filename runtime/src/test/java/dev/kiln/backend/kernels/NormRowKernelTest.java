package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.RowOps;

import dev.kiln.backend.kernels.ImageFixture.Placed;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertClose;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static dev.kiln.backend.kernels.NormFixture.TOL;

/** Row-wise softmax and log-softmax, forward and backward, against {@link RowOps} at odd sizes. */
class NormRowKernelTest {
    /** rows, cols. */
    private static final int[][] SIZES = {{1, 1}, {3, 7}, {5, 3}, {9, 129}, {2, 300}, {67, 10}, {4, 64}};

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void softmaxAndLogSoftmaxMatchTheCpu(OpenClFixture.Lib which) {
        NormKernels k = NormFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(23);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int[] size : SIZES) {
                for (boolean log : new boolean[] {false, true}) check(k, dev, rng, size[0], size[1], log);
            }
        }
    }

    private static void check(NormKernels k, OpenClFixture dev, SplittableRandom rng, int rows, int cols, boolean log) {
        String what = (log ? "logSoftmax " : "softmax ") + rows + "x" + cols + " tiles " + k.library().tiles();
        int total = rows * cols;
        float[] x = OpenClFixture.random(rng, total, -6, 6);
        // Large logits must not overflow; -infinity gets probability 0.
        x[total - 1] = 95f;
        if (cols > 2) x[1] = Float.NEGATIVE_INFINITY;
        float[] y = new float[total];
        if (log) RowOps.logSoftmax(x, 0, y, 0, rows, cols);
        else RowOps.softmax(x, 0, y, 0, rows, cols);
        Placed dx = Placed.of(dev, x, 2), dy = Placed.of(dev, filled(total, Float.NaN), 3);
        if (log) k.logSoftmax(rows, cols, dx.buffer(), dx.off(), dy.buffer(), dy.off());
        else k.softmax(rows, cols, dx.buffer(), dx.off(), dy.buffer(), dy.off());
        float[] got = dy.read(dev, "forward " + what);
        // Compare row by row: each row has its own scale (log-softmax's -infinity aside).
        for (int r = 0; r < rows; r++) {
            float[] e = java.util.Arrays.copyOfRange(y, r * cols, (r + 1) * cols);
            float[] a = java.util.Arrays.copyOfRange(got, r * cols, (r + 1) * cols);
            for (int j = 0; j < cols; j++) {
                if (e[j] == Float.NEGATIVE_INFINITY) {
                    org.junit.jupiter.api.Assertions.assertEquals(e[j], a[j], what + " row " + r + " col " + j);
                    e[j] = a[j] = 0f;
                }
            }
            assertClose(e, a, TOL, "forward " + what + " row " + r);
        }
        // The backward from a finite output (log-softmax's -infinity has no finite gradient rule to compare).
        if (log && cols > 2) {
            for (int r = 0; r < rows; r++) x[r * cols + 1] = -30f;
            RowOps.logSoftmax(x, 0, y, 0, rows, cols);
            dx = Placed.of(dev, x, 2);
            k.logSoftmax(rows, cols, dx.buffer(), dx.off(), dy.buffer(), dy.off());
        }
        for (boolean acc : new boolean[] {false, true}) {
            float[] g = OpenClFixture.random(rng, total, -1, 1), init = OpenClFixture.random(rng, total, -1, 1);
            float[] ref = init.clone();
            if (log) RowOps.logSoftmaxBackward(y, 0, g, 0, ref, 0, rows, cols, acc);
            else RowOps.softmaxBackward(y, 0, g, 0, ref, 0, rows, cols, acc);
            Placed dg = Placed.of(dev, g, 1), dIn = Placed.of(dev, init, 4);
            // The device's own forward output, as a device plan keeps it.
            if (log) k.logSoftmaxBackward(rows, cols, dy.buffer(), dy.off(), dg.buffer(), dg.off(), dIn.buffer(), dIn.off(), acc);
            else k.softmaxBackward(rows, cols, dy.buffer(), dy.off(), dg.buffer(), dg.off(), dIn.buffer(), dIn.off(), acc);
            String at = "backward " + what + (acc ? " accumulating" : "");
            assertClose(ref, dIn.read(dev, at), TOL, at);
            // In place over the output gradient.
            float[] ref2 = new float[total];
            if (log) RowOps.logSoftmaxBackward(y, 0, g, 0, ref2, 0, rows, cols, false);
            else RowOps.softmaxBackward(y, 0, g, 0, ref2, 0, rows, cols, false);
            if (log) k.logSoftmaxBackward(rows, cols, dy.buffer(), dy.off(), dg.buffer(), dg.off(), dg.buffer(), dg.off(), false);
            else k.softmaxBackward(rows, cols, dy.buffer(), dy.off(), dg.buffer(), dg.off(), dg.buffer(), dg.off(), false);
            assertClose(ref2, dg.read(dev, "in place " + at), TOL, "in place " + at);
        }
    }
}
