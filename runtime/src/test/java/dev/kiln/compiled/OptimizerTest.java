package dev.kiln.compiled;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Flat-buffer optimizers against PyTorch's update rules written out by hand for a few steps. */
class OptimizerTest {
    @Test
    void adamFollowsTorchsFormula() {
        int len = 19; // more than two vectors plus a scalar tail
        float[] p = new float[len], g = new float[len];
        double[] pr = new double[len], m = new double[len], v = new double[len];
        for (int i = 0; i < len; i++) { p[i] = (float) (0.1 * i); pr[i] = p[i]; }
        Optimizer adam = new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0.01);
        adam.bind(len);
        for (int step = 1; step <= 3; step++) {
            for (int i = 0; i < len; i++) g[i] = (float) Math.sin(i + step);
            adam.step(p, g);
            for (int i = 0; i < len; i++) {
                double gi = g[i] + 0.01 * pr[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.999, step)) + 1e-8;
                pr[i] -= 0.01 / (1 - Math.pow(0.9, step)) * m[i] / denom;
            }
        }
        for (int i = 0; i < len; i++) assertEquals(pr[i], p[i], 1e-5, "param " + i);
    }

    @Test
    void sgdMomentumStartsWithTheFirstGradient() {
        float[] p = {1f}, g = {0.5f};
        Optimizer sgd = Optimizer.sgd(0.1, 0.9);
        sgd.bind(1);
        sgd.step(p, g); // buf = 0.5
        assertEquals(0.95f, p[0], 1e-7f);
        sgd.step(p, g); // buf = 0.9 * 0.5 + 0.5 = 0.95
        assertEquals(0.95f - 0.095f, p[0], 1e-6f);
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHotOverN() {
        float[] out = {1f, 2f, 3f, 0f, 0f, 0f}, y = {2f, 0f}, grad = new float[6];
        float loss = Loss.crossEntropy().forwardBackward(out, y, 2, 3, grad);
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(((lse - 3) + Math.log(3)) / 2, loss, 1e-6);
        assertEquals((Math.exp(3 - lse) - 1) / 2, grad[2], 1e-6);
        assertEquals((1.0 / 3 - 1) / 2, grad[3], 1e-6);
    }
}
