package dev.kiln.compiled;

import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.OptimizerOptions;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flat-buffer optimizers against PyTorch's update rules written out by hand, and against the eager optimizers. */
class OptimizerTest {
    @Test
    void adamFollowsTorchsFormula() {
        int len = 19; // more than two vectors plus a scalar tail
        float[] p = new float[len], g = new float[len];
        double[] pr = new double[len], m = new double[len], v = new double[len];
        for (int i = 0; i < len; i++) { p[i] = (float) (0.1 * i); pr[i] = p[i]; }
        Optimizer adam = Optimizer.of(Adam.options().lr(0.01).weightDecay(0.01));
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

    /**
     * The compiled optimizer over a flat buffer and the eager one over the same values as one parameter run the same
     * CPU rule: bit for bit equal after every step, whether the flat buffer is updated whole, in two ranges, or one
     * element at a time (the scalar loop, so the vector lanes round as the scalar code does).
     */
    @Test
    void theFlatBufferAndTheEagerOptimizerStepAlike() {
        List<OptimizerOptions<?>> configs = List.of(SGD.options(0.1), SGD.options(0.05).weightDecay(1e-2),
                SGD.options(0.05).momentum(0.9), SGD.options(0.05).momentum(0.9).dampening(0.3).weightDecay(1e-2),
                SGD.options(0.05).momentum(0.8).weightDecay(5e-3).nesterov(true), Adam.options().lr(1e-2),
                Adam.options().lr(3e-3).betas(0.8, 0.95).eps(1e-6).weightDecay(2e-2),
                AdamW.options().lr(3e-3).betas(0.8, 0.95).eps(1e-6).weightDecay(0.5), AdamW.options());
        for (OptimizerOptions<?> o : configs) {
            for (int mode = 0; mode < 3; mode++) {
                int len = 37;
                Torch.manualSeed(4);
                float[] flat = Torch.randn(len).toFloatArray();
                Tensor param = Torch.tensor(flat.clone()).requiresGrad_();
                dev.kiln.optim.Optimizer<?> eager = eager(o, param);
                Optimizer compiled = Optimizer.of(o);
                compiled.bind(len);
                for (int step = 1; step <= 6; step++) {
                    float[] g = Torch.randn(len).toFloatArray();
                    param.setGrad(Torch.tensor(g.clone()));
                    eager.step();
                    if (mode == 0) {
                        compiled.step(flat, g);
                    } else {
                        compiled.begin();
                        if (mode == 1) {
                            compiled.update(flat, g, 0, 11);
                            compiled.update(flat, g, 11, len);
                        } else {
                            for (int i = 0; i < len; i++) compiled.update(flat, g, i, i + 1);
                        }
                    }
                    assertArrayEquals(param.detach().toFloatArray(), flat, 0f, o + " mode " + mode + " step " + step);
                }
            }
        }
    }

    private static dev.kiln.optim.Optimizer<?> eager(OptimizerOptions<?> o, Tensor p) {
        return switch (o) {
            case SGD.Options s -> new SGD(List.of(p), s);
            case Adam.Options a -> new Adam(List.of(p), a);
            case AdamW.Options a -> new dev.kiln.optim.AdamW(List.of(p), a);
            default -> throw new AssertionError(o);
        };
    }

    @Test
    void optionsRecordsPickTheRuleAndKeepPyTorchsChecks() {
        assertInstanceOf(Optimizer.Sgd.class, Optimizer.of(SGD.options(0.1).momentum(0.9)));
        Optimizer.Adam adam = assertInstanceOf(Optimizer.Adam.class, Optimizer.of(Adam.options().weightDecay(1e-2)));
        assertEquals(1e-2f, adam.weightDecay());
        Optimizer.Adam adamW = assertInstanceOf(Optimizer.Adam.class, Optimizer.of(AdamW.options()));
        assertTrue(adamW.decoupled());
        assertEquals(0f, adamW.weightDecay());
        adamW.bind(1);
        adamW.begin();
        assertEquals((float) (1 - 1e-3 * 1e-2), adamW.stepDecay());
        assertEquals(AdamW.options(), adamW.options());
        assertEquals("Invalid momentum value: -0.5",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.of(SGD.options(0.1).momentum(-0.5))).getMessage());
        assertEquals("Invalid beta parameter at index 1: 1.0",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.of(Adam.options().betas(0.9, 1))).getMessage());
        assertEquals("Adam with amsgrad runs in the eager optimizers only",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.of(Adam.options().amsgrad(true))).getMessage());
        assertEquals("SGD with maximize runs in the eager optimizers only",
                assertThrows(IllegalArgumentException.class, () -> Optimizer.of(SGD.options(0.1).maximize(true))).getMessage());
        assertEquals("the compiled trainer runs SGD, Adam and AdamW; dev.kiln.optim.RMSprop.Options is for the eager "
                + "optimizers only", assertThrows(IllegalArgumentException.class, () -> Optimizer.of(RMSprop.options())).getMessage());
    }

    @Test
    void aSchedulerOnTheTorchFaceDrivesTheFlatOptimizer() {
        Optimizer sgd = Optimizer.of(SGD.options(0.1).momentum(0.9));
        sgd.bind(1);
        Function<dev.kiln.optim.Optimizer<?>, StepLR> make = opt -> new StepLR(opt, 2, 0.5);
        StepLR sched = make.apply(sgd.optim());
        assertSame(sgd.optim(), sched.optimizer());
        double[] lrs = new double[5];
        for (int epoch = 0; epoch < 5; epoch++) {
            lrs[epoch] = sgd.lr();
            sched.step();
        }
        assertArrayEquals(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, lrs, 1e-15);
        assertEquals(0.1, sgd.optim().paramGroups().getFirst().initialLr());
        assertEquals(0.025, ((SGD.Options) sgd.options()).lr(), 1e-15);
        float[] p = {1f}, g = {1f};
        sgd.step(p, g);
        assertEquals(1f - (float) 0.025, p[0]);
        assertThrows(UnsupportedOperationException.class, () -> sgd.optim().step());
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
