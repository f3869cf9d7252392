package dev.kiln.backend.cpu;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;

import dev.kiln.samples.compiled.KilnPhonePrice;
import dev.kiln.samples.compiled.KilnTestDeepChain;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A feature-split step cut anywhere between the cores, pinned or following their speeds, and moved between steps,
 * trains like the one-core step; the share moves towards the core that was less busy, and stays within its bounds.
 */
class CoreBalanceTest {
    private static final int CORES = Math.min(2, Runtime.getRuntime().availableProcessors());

    @Test
    void everyCutTrainsLikeOneCore() {
        // The phone-price MLP computes its narrow last layer whole on each core; the deep chain cuts every layer, and
        // its middle layers take their deltas from the two cores' partial input gradients.
        // Momentum and Adam's moments belong to the parameters, not to a core: they carry over when the cut moves.
        // Adam's eps is raised from 1e-8: Adam scales a gradient of 1e-10 (rounding on a ReLU unit at the edge of
        // dying) up to a whole step of lr, so any two summation orders drift apart there by up to lr a step.
        for (Supplier<Optimizer> opt : List.<Supplier<Optimizer>>of(() -> Optimizer.sgd(0.05, 0.9),
                () -> Optimizer.of(Adam.options().lr(1e-2).eps(1e-3)))) {
            for (int batch : new int[] {8, 5, 32}) {
                check(KilnPhonePrice::create, 20, 4, batch, opt);
                check(KilnTestDeepChain::create, 24, 24, batch, opt);
            }
        }
    }

    private static void check(IntFunction<CompiledModel> create, int in, int classes, int batch, Supplier<Optimizer> opt) {
        int steps = 72; // over two of the balance's windows, so that a cut following the speeds moves too
        SplittableRandom r = new SplittableRandom(in + batch);
        float[] x = new float[steps * batch * in], y = new float[steps * batch];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(classes);
        CompiledModel reference = create.apply(2);
        train(new Trainer(reference, Loss.crossEntropy(), opt.get()).threads(1), x, y, batch, in, steps, Double.NaN);
        float[] expected = reference.parameterBuffer();
        for (double share : new double[] {0.3, 0.7, 0.45, Double.NaN}) {
            CompiledModel model = create.apply(2);
            Trainer trainer = new Trainer(model, Loss.crossEntropy(), opt.get()).threads(2);
            train(trainer, x, y, batch, in, steps, share);
            float[] actual = model.parameterBuffer();
            double maxDiff = 0, maxAbs = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
                maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            }
            // Rounding drifts further over 72 steps with momentum than over TwoCoreStepTest's 30; a core updating the
            // wrong rows, or losing a moment when the cut moves, would be off by a step's size, near 1e-2.
            assertTrue(maxDiff < 5e-4 * maxAbs, "share " + share + ", batch " + batch + ": parameters differ by " + maxDiff);
        }
    }

    /** Steps over the data; a pinned share moves to its mirror half way, so that the cut also changes between steps. */
    private static void train(Trainer trainer, float[] x, float[] y, int batch, int in, int steps, double share) {
        trainer.prepare(batch);
        CoreBalance balance = trainer.coreBalance();
        if (balance != null) balance.pin(share);
        float[] xb = new float[batch * in], yb = new float[batch];
        for (int s = 0; s < steps; s++) {
            if (s == steps / 2 && balance != null && !Double.isNaN(share)) balance.pin(1 - share);
            System.arraycopy(x, s * batch * in, xb, 0, xb.length);
            System.arraycopy(y, s * batch, yb, 0, batch);
            trainer.step(xb, yb, batch);
            if (balance != null) assertEquals(CORES, trainer.coresInLastStep(), "batch " + batch);
        }
    }

    @Test
    void theShareMovesTowardsTheLessBusyCoreWithinItsBounds() {
        CoreBalance balance = new CoreBalance(new int[] {128, 256, 4});
        assertEquals(64, balance.split(0));
        assertEquals(128, balance.split(1));
        assertEquals(2, balance.split(2));
        // Core 1 busy twice as long as core 0: after a window core 0 takes more features.
        busyWindow(balance, 10_000, 20_000);
        double share = balance.share();
        assertEquals(0.5 + 0.5 * 10_000 / 30_000.0, share, 1e-12);
        assertEquals((int) (256 * share) & ~7, balance.split(1));
        assertEquals((int) (128 * share) & ~7, balance.split(0));
        assertEquals(2, balance.split(2), "a narrow layer keeps its halves");
        // Nothing moves in the middle of a window.
        balance.record(0, 1);
        balance.record(1, 1_000_000);
        balance.nextStep();
        assertEquals(share, balance.share());
        for (int window = 0; window < 20; window++) busyWindow(balance, 10_000, 40_000);
        assertEquals(CoreBalance.MAX_SHARE, balance.share(), 1e-12, "the share stops at its bound");
        assertEquals(176, balance.split(1), "0.7 of 256 features, in whole vectors");
        for (int window = 0; window < 40; window++) busyWindow(balance, 40_000, 10_000);
        assertEquals(CoreBalance.MIN_SHARE, balance.share(), 1e-12, "and at the other bound");
        balance.pin(0.5);
        busyWindow(balance, 10_000, 40_000);
        assertEquals(0.5, balance.share(), "a pinned share stays");
    }

    /** One window of steps in which the cores were busy for these times. */
    private static void busyWindow(CoreBalance balance, long busy0, long busy1) {
        for (int step = 0; step < CoreBalance.WINDOW; step++) {
            balance.nextStep();
            balance.record(0, busy0);
            balance.record(1, busy1);
        }
    }
}
