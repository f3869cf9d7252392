package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Trainer;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.OptimizerOptions;
import dev.kiln.optim.SGD;
import dev.kiln.optim.lr.CosineAnnealingLR;
import dev.kiln.optim.lr.ExponentialLR;
import dev.kiln.optim.lr.LRScheduler;
import dev.kiln.optim.lr.LinearLR;
import dev.kiln.optim.lr.MultiStepLR;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.train.History;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiled trainer and the eager one speak one vocabulary: the same options record and the same {@code optim.lr}
 * scheduler, given to a compiled phone-price MLP and to an eager {@code Sequential} holding its state dict, train over
 * the same batches to the same learning rate in every epoch (exactly: one scheduler code) and the same losses and
 * weights (within float rounding: the compiled passes sum in other orders).
 */
class EagerTrainerParityTest {
    private static final int SAMPLES = 96, BATCH = 16, EPOCHS = 6;

    private record Case(String name, OptimizerOptions<?> options, Function<Optimizer<?>, LRScheduler> scheduler) {}

    private static List<Case> cases() {
        return List.of(
                new Case("SGD momentum, StepLR", SGD.options(0.05).momentum(0.9), o -> new StepLR(o, 2, 0.5)),
                new Case("SGD Nesterov + weight decay, MultiStepLR",
                        SGD.options(0.05).momentum(0.8).weightDecay(1e-3).nesterov(true), o -> new MultiStepLR(o, List.of(1, 3, 3), 0.5)),
                new Case("SGD dampening, ExponentialLR", SGD.options(0.1).momentum(0.5).dampening(0.2), o -> new ExponentialLR(o, 0.8)),
                new Case("Adam + L2, CosineAnnealingLR", Adam.options().lr(3e-3).weightDecay(1e-2), o -> new CosineAnnealingLR(o, 4, 1e-4)),
                new Case("AdamW, LinearLR", AdamW.options().lr(3e-3).weightDecay(0.1), o -> new LinearLR(o, 0.25, 1.0, 3)),
                new Case("plain SGD, no scheduler", SGD.options(0.1), null));
    }

    @TestFactory
    Stream<DynamicTest> compiledAndEagerTrainersAgree() {
        Torch.manualSeed(3);
        Tensor x = Torch.randn(SAMPLES, 20), y = Torch.randint(0, 4, SAMPLES);
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) tests.add(DynamicTest.dynamicTest(c.name(), () -> compare(c, x, y)));
        return tests.stream();
    }

    private static void compare(Case c, Tensor x, Tensor y) {
        KilnPhonePrice compiled = KilnPhonePrice.create(5);
        Sequential eager = new Sequential(new Linear(20, 128), new ReLU(), new Linear(128, 256), new ReLU(), new Linear(256, 4));
        eager.loadStateDict(compiled.sequentialStateDict());

        Trainer ct = compiled.trainer(Loss.crossEntropy(), c.options()).threads(1).log(null);
        if (c.scheduler() != null) ct.scheduler(c.scheduler()::apply);
        History hc = ct.fit(new DataLoader(new TensorDataset(x, y), BATCH, false), EPOCHS);

        Optimizer<?> opt = switch (c.options()) {
            case SGD.Options o -> new SGD(eager.parameters(), o);
            case Adam.Options o -> new Adam(eager.parameters(), o);
            case AdamW.Options o -> new AdamW(eager.parameters(), o);
            default -> throw new AssertionError(c);
        };
        var et = new dev.kiln.train.Trainer(eager, new CrossEntropyLoss(), opt).progress(false)
                .output(new PrintStream(OutputStream.nullOutputStream()));
        if (c.scheduler() != null) et.scheduler(c.scheduler().apply(opt));
        History he = et.fit(new DataLoader(new TensorDataset(x, y), BATCH, false), EPOCHS, null);

        assertEquals(he.get("lr"), hc.get("lr"), c.name() + ": lr per epoch");
        if (c.scheduler() != null) assertTrue(he.get("lr").stream().distinct().count() > 1, "the schedule changes the lr");
        for (int e = 0; e < EPOCHS; e++) {
            double want = he.get("loss").get(e), got = hc.get("loss").get(e);
            assertEquals(want, got, 1e-4 * Math.max(1, Math.abs(want)), c.name() + ": loss of epoch " + (e + 1));
        }
        // Weights as a whole, within 1e-3 of their norm: a JVM's first steps run the compiled passes before C2 has
        // compiled them, and the interpreted lane sums round otherwise (README, Measured figures); 36 steps of SGD with
        // momentum 0.9 on random labels grow that to 1e-4 of the first layer's norm (1e-8 once warm).
        var sd = compiled.sequentialStateDict();
        for (var entry : eager.stateDict().entrySet()) {
            float[] want = entry.getValue().toFloatArray(), got = sd.get(entry.getKey()).toFloatArray();
            double diff = 0, norm = 0;
            for (int i = 0; i < want.length; i++) {
                diff += (double) (want[i] - got[i]) * (want[i] - got[i]);
                norm += (double) want[i] * want[i];
            }
            assertTrue(Math.sqrt(diff) <= 1e-3 * Math.sqrt(norm), c.name() + ": " + entry.getKey() + " differs by "
                    + Math.sqrt(diff / norm) + " of its norm");
        }
    }

    @Test
    void aSchedulerOfAnotherOptimizerIsRefused() {
        Trainer t = KilnPhonePrice.create(1).trainer(Loss.crossEntropy(), SGD.options(0.1)).log(null);
        var other = new SGD(new Linear(2, 2).parameters(), SGD.options(0.1));
        var e = assertThrows(IllegalArgumentException.class, () -> t.scheduler(new StepLR(other, 2)));
        assertTrue(e.getMessage().startsWith("the scheduler drives another optimizer"), e.getMessage());
        StepLR own = new StepLR(t.optimizer().optim(), 1, 0.5);
        assertEquals(own, t.scheduler(own).scheduler());
        @SuppressWarnings("deprecation")
        Trainer both = t.lrSchedule(epoch -> 0.1);
        assertEquals("both lrSchedule and scheduler are set: keep the scheduler", assertThrows(IllegalStateException.class,
                () -> both.fit(new float[20], new float[1], 1, 1)).getMessage());
    }
}
