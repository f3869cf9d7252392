package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.LayerNormKernel;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageFixture.Placed;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertClose;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static dev.kiln.backend.kernels.NormFixture.TOL;

/** {@link NormKernels#layerNormForward} and {@link NormKernels#layerNormBackward} against {@link LayerNormKernel}. */
class NormLayerNormKernelTest {
    private static final int[] COLS = {1, 7, 16, 129, 300};
    private static final int[] ROWS = {1, 5, 33};
    private static final float EPS = 1e-5f;

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void forwardAndBackwardMatchTheCpu(OpenClFixture.Lib which) {
        NormKernels k = NormFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(17);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int cols : COLS) {
                for (int rows : ROWS) {
                    for (boolean affine : new boolean[] {true, false}) check(k, dev, rng, rows, cols, affine);
                }
            }
        }
    }

    private static void check(NormKernels k, OpenClFixture dev, SplittableRandom rng, int rows, int cols, boolean affine) {
        String what = rows + "x" + cols + (affine ? " affine" : "") + " tiles " + k.library().tiles();
        int total = rows * cols;
        // params: 3 floats, gamma [cols], beta [cols]
        int gamma = affine ? 3 : -1, beta = affine ? 3 + cols : -1;
        float[] params = OpenClFixture.random(rng, 3 + 2 * cols, -1.5, 1.5);
        float[] x = new float[total];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) x[r * cols + j] = (float) (r % 5 - 2 + (0.2 + r % 3) * rng.nextDouble(-1, 1));
        }
        float[] y = new float[total], xhat = new float[total], invStd = new float[rows];
        LayerNormKernel.forward(x, y, xhat, invStd, rows, cols, params, gamma, beta, EPS);

        DeviceBuffer dParams = dev.upload(params);
        Placed dx = Placed.of(dev, x, 3), dy = Placed.of(dev, filled(total, Float.NaN), 4);
        Placed dXhat = Placed.of(dev, filled(total, Float.NaN), 1), dInv = Placed.of(dev, filled(rows, Float.NaN), 2);
        k.layerNormForward(rows, cols, dx.buffer(), dx.off(), affine ? dParams : null, gamma, beta, EPS, dy.buffer(),
                dy.off(), dXhat.buffer(), dXhat.off(), dInv.buffer(), dInv.off());
        assertClose(y, dy.read(dev, "y " + what), TOL, "y " + what);
        assertClose(xhat, dXhat.read(dev, "xhat " + what), TOL, "xhat " + what);
        assertClose(invStd, dInv.read(dev, "invStd " + what), TOL, "invStd " + what);

        for (boolean accParams : new boolean[] {false, true}) {
            for (boolean accIn : new boolean[] {false, true}) {
                String at = what + (accParams ? " accumulating params" : "") + (accIn ? " accumulating dx" : "");
                float[] g = OpenClFixture.random(rng, total, -1, 1);
                float[] grads = OpenClFixture.random(rng, params.length, -1, 1);
                float[] dxInit = OpenClFixture.random(rng, total, -1, 1);
                float[] refGrads = grads.clone(), refDx = dxInit.clone();
                LayerNormKernel.backward(g, xhat, invStd, rows, cols, params, gamma, refGrads, gamma, beta, accParams,
                        refDx, true, accIn);
                Placed dg = Placed.of(dev, g, 5), dGrads = Placed.of(dev, grads, 2), dDx = Placed.of(dev, dxInit, 1);
                k.layerNormBackward(rows, cols, dg.buffer(), dg.off(), dXhat.buffer(), dXhat.off(), dInv.buffer(),
                        dInv.off(), affine ? dParams : null, gamma, dGrads.buffer(), affine ? dGrads.off() + gamma : -1,
                        affine ? dGrads.off() + beta : -1, accParams, dDx.buffer(), dDx.off(), accIn);
                // The parameter gradients' scale: dgamma and dbeta apart (the untouched floats are exact).
                float[] gotGrads = dGrads.read(dev, "grads " + at);
                if (affine) {
                    assertClose(Arrays.copyOfRange(refGrads, gamma, gamma + cols), Arrays.copyOfRange(gotGrads, gamma, gamma + cols), TOL, "dgamma " + at);
                    assertClose(Arrays.copyOfRange(refGrads, beta, beta + cols), Arrays.copyOfRange(gotGrads, beta, beta + cols), TOL, "dbeta " + at);
                }
                assertClose(Arrays.copyOfRange(refGrads, 0, 3), Arrays.copyOfRange(gotGrads, 0, 3), 0, "untouched grads " + at);
                if (!affine) assertClose(grads, gotGrads, 0, "no affine: grads untouched " + at);
                assertClose(refDx, dDx.read(dev, "dx " + at), TOL, "dx " + at);
                assertClose(g, dg.read(dev, "dy " + at), 0, "dy is only read " + at);

                // In place over dy, parameters' gradients too (they are read first).
                float[] refIn = new float[total], refGrads2 = grads.clone();
                LayerNormKernel.backward(g, xhat, invStd, rows, cols, params, gamma, refGrads2, gamma, beta, accParams,
                        refIn, true, false);
                Placed g2 = Placed.of(dev, grads, 0);
                k.layerNormBackward(rows, cols, dg.buffer(), dg.off(), dXhat.buffer(), dXhat.off(), dInv.buffer(),
                        dInv.off(), affine ? dParams : null, gamma, g2.buffer(), gamma, beta, accParams, dg.buffer(),
                        dg.off(), false);
                assertClose(refIn, dg.read(dev, "in-place dx " + at), TOL, "in-place dx " + at);
                if (affine) {
                    float[] got = g2.read(dev, "in-place grads " + at);
                    assertClose(Arrays.copyOfRange(refGrads2, gamma, gamma + cols), Arrays.copyOfRange(got, gamma, gamma + cols), TOL, "in-place dgamma " + at);
                    assertClose(Arrays.copyOfRange(refGrads2, beta, beta + cols), Arrays.copyOfRange(got, beta, beta + cols), TOL, "in-place dbeta " + at);
                }
                // Parameters only.
                if (affine) {
                    Placed g3 = Placed.of(dev, grads, 1), dg3 = Placed.of(dev, g, 0);
                    k.layerNormBackward(rows, cols, dg3.buffer(), dg3.off(), dXhat.buffer(), dXhat.off(), null, 0,
                            dParams, gamma, g3.buffer(), g3.off() + gamma, g3.off() + beta, accParams, null, 0, false);
                    float[] got = g3.read(dev, "params only " + at);
                    assertClose(Arrays.copyOfRange(refGrads, gamma, gamma + 2 * cols), Arrays.copyOfRange(got, gamma, gamma + 2 * cols), TOL, "params only " + at);
                }
            }
        }
    }
}
