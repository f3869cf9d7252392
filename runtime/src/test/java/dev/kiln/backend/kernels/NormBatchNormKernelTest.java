package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.BatchNormKernel;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageFixture.Placed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertClose;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static dev.kiln.backend.kernels.NormFixture.TOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * BatchNorm1d over [N, C] and [N, C, L] and BatchNorm2d over [N, C, H, W] on the device against the CPU:
 * {@link BatchNormKernel}'s statistics and the passes {@code BatchNormWriter} generates around them (normalise and
 * affine, the two-pass backward), with and without affine parameters and running statistics, several training steps
 * then eval, every accumulate flag.
 */
class NormBatchNormKernelTest {
    /** n, channels, spatial: BatchNorm1d [N, C], [N, C, L], BatchNorm2d [N, C, H, W], a channel of many values, one sample. */
    private static final int[][] SHAPES = {{8, 5, 1}, {4, 3, 7}, {3, 4, 30}, {6, 3, 343}, {1, 2, 9}, {37, 6, 1}};
    private static final float MOMENTUM = 0.1f, EPS = 1e-5f;

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void trainingStepsThenEvalMatchTheCpu(OpenClFixture.Lib which) {
        NormKernels k = NormFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(11);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int[] shape : SHAPES) {
                for (boolean affine : new boolean[] {true, false}) {
                    for (boolean track : new boolean[] {true, false}) {
                        check(k, dev, rng, shape[0], shape[1], shape[2], affine, track);
                    }
                }
            }
        }
    }

    /** The CPU plan of one BatchNorm: parameters [gamma, beta] at 2 and 2 + c, state [mean, var, count] at 1. */
    private static void check(NormKernels k, OpenClFixture dev, SplittableRandom rng, int n, int c, int s,
                              boolean affine, boolean track) {
        String what = "n=" + n + " c=" + c + " s=" + s + (affine ? " affine" : "") + (track ? " tracking" : "")
                + " tiles " + k.library().tiles();
        int total = n * c * s;
        int gamma = affine ? 2 : -1, beta = affine ? 2 + c : -1;
        float[] params = OpenClFixture.random(rng, 2 + 2 * c + 3, 0.5, 1.5);
        for (int j = 0; j < c; j++) params[2 + c + j] = (float) rng.nextDouble(-0.5, 0.5);
        float[] state = new float[1 + 2 * c + 1 + 2];
        int runMean = 1, runVar = 1 + c, count = 1 + 2 * c;
        Arrays.fill(state, runVar, runVar + c, 1f);
        float[] cpuState = state.clone();

        DeviceBuffer dParams = dev.upload(params), dState = dev.upload(state);
        Placed stats = Placed.of(dev, filled(NormKernels.statisticsFloats(c), Float.NaN), 3);
        float[] mean = new float[c], invStd = new float[c];
        for (int step = 0; step < 3; step++) {
            // Each channel has its own offset and spread, as pre-activations do.
            float[] x = new float[total];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    for (int p = 0; p < s; p++) x[(i * c + j) * s + p] = (float) (j - 1.5 + (0.5 + j) * rng.nextDouble(-1, 1) + step);
                }
            }
            String at = what + " step " + step;
            BatchNormKernel.batchStatistics(x, n, c, s, mean, invStd, cpuState, runMean, runVar, track, MOMENTUM, EPS);
            if (track) cpuState[count] += 1f;
            float[] y = new float[total], xhat = new float[total];
            normalise(x, n, c, s, mean, invStd, params, gamma, beta, y, xhat);

            Placed dx = Placed.of(dev, x, 5), dy = Placed.of(dev, filled(total, Float.NaN), 2);
            Placed dXhat = Placed.of(dev, filled(total, Float.NaN), 7);
            k.batchNormStatistics(n, c, s, dx.buffer(), dx.off(), stats.buffer(), stats.off(), track ? dState : null,
                    runMean, runVar, track ? count : -1, track, MOMENTUM, EPS);
            k.batchNormForward(n, c, s, dx.buffer(), dx.off(), stats.buffer(), stats.off(), affine ? dParams : null,
                    gamma, beta, dy.buffer(), dy.off(), dXhat.buffer(), dXhat.off());
            float[] gotStats = stats.read(dev, "stats " + at);
            assertClose(mean, Arrays.copyOfRange(gotStats, 0, c), TOL, "mean " + at);
            assertClose(invStd, Arrays.copyOfRange(gotStats, c, 2 * c), TOL, "invStd " + at);
            assertClose(xhat, dXhat.read(dev, "xhat " + at), TOL, "xhat " + at);
            assertClose(y, dy.read(dev, "y " + at), TOL, "y " + at);
            float[] gotState = dev.download(dState, state.length);
            assertClose(Arrays.copyOfRange(cpuState, runMean, runMean + c), Arrays.copyOfRange(gotState, runMean, runMean + c), TOL, "running mean " + at);
            assertClose(Arrays.copyOfRange(cpuState, runVar, runVar + c), Arrays.copyOfRange(gotState, runVar, runVar + c), TOL, "running var " + at);
            // The count exactly; the floats around the statistics untouched.
            assertArrayEquals(new float[] {cpuState[count], cpuState[0], cpuState[count + 1], cpuState[count + 2]},
                    new float[] {gotState[count], gotState[0], gotState[count + 1], gotState[count + 2]}, "count " + at);

            for (boolean accParams : new boolean[] {false, true}) {
                for (boolean accIn : new boolean[] {false, true}) backward(k, dev, rng, n, c, s, xhat, invStd, params,
                        dParams, gamma, beta, dXhat, stats, accParams, accIn, at);
            }
            // In place: dx over the output gradient.
            float[] d = OpenClFixture.random(rng, total, -1, 1);
            float[] refDx = new float[total], refGrads = new float[params.length];
            cpuBackward(d, xhat, invStd, n, c, s, params, gamma, beta, refGrads, false, refDx, false);
            Placed dd = Placed.of(dev, d, 4);
            k.batchNormBackward(n, c, s, dd.buffer(), dd.off(), dXhat.buffer(), dXhat.off(), stats.buffer(), stats.off(),
                    affine ? dParams : null, gamma, null, -1, -1, false, dd.buffer(), dd.off(), false);
            assertClose(refDx, dd.read(dev, "in-place dx " + at), TOL, "in-place dx " + at);
        }

        // Eval: the running statistics, or the batch's without them.
        float[] before = dev.download(dState, state.length);
        float[] x = OpenClFixture.random(rng, total, -2, 3);
        float[] y = new float[total], xhat = new float[total];
        if (track) BatchNormKernel.runningStatistics(cpuState, runMean, runVar, c, EPS, mean, invStd);
        else BatchNormKernel.batchStatistics(x, n, c, s, mean, invStd, cpuState, runMean, runVar, false, MOMENTUM, EPS);
        normalise(x, n, c, s, mean, invStd, params, gamma, beta, y, xhat);
        Placed dx = Placed.of(dev, x, 1), dy = Placed.of(dev, filled(total, Float.NaN), 6);
        Placed dXhat = Placed.of(dev, filled(total, Float.NaN), 3);
        if (track) {
            k.batchNormEval(n, c, s, dx.buffer(), dx.off(), dState, runMean, runVar, EPS, affine ? dParams : null, gamma,
                    beta, dy.buffer(), dy.off(), dXhat.buffer(), dXhat.off());
        } else {
            k.batchNormStatistics(n, c, s, dx.buffer(), dx.off(), stats.buffer(), stats.off(), null, 0, 0, -1, false,
                    MOMENTUM, EPS);
            k.batchNormForward(n, c, s, dx.buffer(), dx.off(), stats.buffer(), stats.off(), affine ? dParams : null,
                    gamma, beta, dy.buffer(), dy.off(), dXhat.buffer(), dXhat.off());
        }
        assertClose(y, dy.read(dev, "eval y " + what), TOL, "eval y " + what);
        assertClose(xhat, dXhat.read(dev, "eval xhat " + what), TOL, "eval xhat " + what);
        assertArrayEquals(before, dev.download(dState, state.length), "eval leaves the state " + what);
        if (track) {
            // Without xhat, in place over x.
            k.batchNormEval(n, c, s, dx.buffer(), dx.off(), dState, runMean, runVar, EPS, affine ? dParams : null, gamma,
                    beta, dx.buffer(), dx.off(), null, 0);
            assertClose(y, dx.read(dev, "in-place eval " + what), TOL, "in-place eval " + what);
        }
    }

    private static void backward(NormKernels k, OpenClFixture dev, SplittableRandom rng, int n, int c, int s,
                                 float[] xhat, float[] invStd, float[] params, DeviceBuffer dParams, int gamma, int beta,
                                 Placed dXhat, Placed stats, boolean accParams, boolean accIn, String at) {
        int total = n * c * s;
        String what = "backward " + at + (accParams ? " accumulating params" : "") + (accIn ? " accumulating dx" : "");
        float[] d = OpenClFixture.random(rng, total, -1, 1);
        float[] grads = OpenClFixture.random(rng, params.length, -1, 1);
        float[] dxInit = OpenClFixture.random(rng, total, -1, 1);
        float[] refGrads = grads.clone(), refDx = dxInit.clone();
        cpuBackward(d, xhat, invStd, n, c, s, params, gamma, beta, refGrads, accParams, refDx, accIn);

        Placed dd = Placed.of(dev, d, 2), dGrads = Placed.of(dev, grads, 3), dDx = Placed.of(dev, dxInit, 1);
        boolean affine = gamma >= 0;
        k.batchNormBackward(n, c, s, dd.buffer(), dd.off(), dXhat.buffer(), dXhat.off(), stats.buffer(), stats.off(),
                affine ? dParams : null, gamma, dGrads.buffer(), affine ? dGrads.off() + gamma : -1,
                affine ? dGrads.off() + beta : -1, accParams, dDx.buffer(), dDx.off(), accIn);
        assertClose(refGrads, dGrads.read(dev, "grads " + what), TOL, "grads " + what);
        assertClose(refDx, dDx.read(dev, "dx " + what), TOL, "dx " + what);
        assertClose(d, dd.read(dev, "dy " + what), 0, "dy is only read: " + what);

        // Parameters only, then the input only.
        if (affine) {
            float[] onlyParams = grads.clone();
            cpuBackward(d, xhat, invStd, n, c, s, params, gamma, beta, onlyParams, accParams, new float[total], false);
            Placed g2 = Placed.of(dev, grads, 0);
            k.batchNormBackward(n, c, s, dd.buffer(), dd.off(), dXhat.buffer(), dXhat.off(), stats.buffer(), stats.off(),
                    dParams, gamma, g2.buffer(), gamma, beta, accParams, null, 0, false);
            assertClose(onlyParams, g2.read(dev, "params only " + what), TOL, "params only " + what);
        }
        Placed dx2 = Placed.of(dev, dxInit, 4);
        k.batchNormBackward(n, c, s, dd.buffer(), dd.off(), dXhat.buffer(), dXhat.off(), stats.buffer(), stats.off(),
                affine ? dParams : null, gamma, null, -1, -1, false, dx2.buffer(), dx2.off(), accIn);
        assertClose(refDx, dx2.read(dev, "dx only " + what), TOL, "dx only " + what);
    }

    /** The generated forward pass: xhat = (x - mean) * inv, y = xhat * gamma + beta (1 and 0 without affine). */
    static void normalise(float[] x, int n, int c, int s, float[] mean, float[] invStd, float[] params, int gamma,
                          int beta, float[] y, float[] xhat) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                float g = gamma >= 0 ? params[gamma + j] : 1f, b = beta >= 0 ? params[beta + j] : 0f;
                for (int at = (i * c + j) * s, end = at + s; at < end; at++) {
                    float h = (x[at] - mean[j]) * invStd[j];
                    xhat[at] = h;
                    y[at] = h * g + b;
                }
            }
        }
    }

    /** The generated backward passes (BatchNormWriter.backward), d being the gradient at the BatchNorm's output. */
    static void cpuBackward(float[] d, float[] xhat, float[] invStd, int n, int c, int s, float[] params, int gamma,
                            int beta, float[] grads, boolean accumulate, float[] dx, boolean accumulateIn) {
        double[] sumD = new double[c], sumDXhat = new double[c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                for (int at = (i * c + j) * s, end = at + s; at < end; at++) {
                    sumD[j] += d[at];
                    sumDXhat[j] += d[at] * xhat[at];
                }
            }
        }
        if (gamma >= 0) {
            for (int j = 0; j < c; j++) {
                grads[gamma + j] = (float) ((accumulate ? grads[gamma + j] : 0) + sumDXhat[j]);
                grads[beta + j] = (float) ((accumulate ? grads[beta + j] : 0) + sumD[j]);
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                float g = gamma >= 0 ? params[gamma + j] : 1f;
                double count = (double) n * s, k = g * invStd[j] / count;
                for (int at = (i * c + j) * s, end = at + s; at < end; at++) {
                    float v = (float) (k * (count * d[at] - sumD[j] - xhat[at] * sumDXhat[j]));
                    dx[at] = accumulateIn ? dx[at] + v : v;
                }
            }
        }
    }

    @Test
    void emptyBatchesAndBadArguments() {
        NormKernels k = NormFixture.kernels(OpenClFixture.Lib.DEVICE_TILES);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            DeviceBuffer a = dev.upload(filled(64, 2f)), g = dev.upload(filled(8, 5f));
            assertThrows(IllegalArgumentException.class,
                    () -> k.batchNormStatistics(0, 3, 1, a, 0, a, 0, null, 0, 0, -1, false, 0.1f, 1e-5f));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> k.batchNormStatistics(4, 3, 5, a, 10, a, 0, null, 0, 0, -1, false, 0.1f, 1e-5f));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> k.batchNormStatistics(2, 3, 1, a, 0, a, 0, a, 0, 62, -1, true, 0.1f, 1e-5f));
            assertThrows(NullPointerException.class,
                    () -> k.batchNormForward(2, 3, 1, a, 0, a, 0, null, 0, -1, a, 0, null, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> k.batchNormForward(2, 0, 1, a, 0, a, 0, null, -1, -1, a, 0, null, 0));
            // No samples: the parameter gradients are zero, or unchanged when accumulating.
            k.batchNormBackward(0, 4, 3, a, 0, a, 0, a, 0, null, -1, g, 0, 4, true, a, 0, false);
            assertArrayEquals(filled(8, 5f), dev.download(g, 8));
            k.batchNormBackward(0, 4, 3, a, 0, a, 0, a, 0, null, -1, g, 0, 4, false, a, 0, false);
            assertArrayEquals(filled(8, 0f), dev.download(g, 8));
            assertArrayEquals(filled(64, 2f), dev.download(a, 64));
        }
    }
}
