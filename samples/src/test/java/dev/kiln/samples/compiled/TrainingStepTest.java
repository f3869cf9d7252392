package dev.kiln.samples.compiled;

import dev.kiln.compiled.Checkpoints;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import dev.kiln.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer over generated code: no allocation per step, loss goes down, progress bar and history, checkpoints,
 * early stopping.
 */
class TrainingStepTest {
    private static float[][] blobs(int samples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[samples * 20], y = new float[samples];
        for (int i = 0; i < samples; i++) {
            int c = r.nextInt(4);
            y[i] = c;
            for (int j = 0; j < 20; j++) x[i * 20 + j] = (float) (r.nextGaussian() * 0.5 + (j % 4 == c ? 1.5 : 0));
        }
        return new float[][] {x, y};
    }

    @Test
    void aWarmTrainingStepAllocatesNothing() {
        // 8 and 16 split each layer's features between the cores, 64 the batch's rows; both threads count.
        for (int batch : new int[] {8, 16, 64})
        for (String opt : new String[] {"sgd", "adam"}) {
            assertEquals(0, WarmAllocation.ofSteps("mlp/" + batch + "/" + opt), opt + " batch " + batch + ": bytes allocated by 3 warm steps");
        }
    }

    @Test
    void aStepWithoutPrepareSizesItsBuffersAndMatchesAPreparedOne() {
        float[][] d = blobs(8, 5);
        for (int threads : new int[] {1, 2}) {
            Trainer bare = KilnPhonePrice.create(3, 4).trainer(Loss.crossEntropy(), SGD.options(0.1)).threads(threads);
            Trainer prepared = KilnPhonePrice.create(3, 8).trainer(Loss.crossEntropy(), SGD.options(0.1)).threads(threads);
            prepared.prepare(8);
            // The bare trainer's model was planned for 4 rows: the step grows it, as a PyTorch user would expect.
            for (int s = 0; s < 3; s++) {
                float expected = prepared.step(d[0], d[1], 8);
                assertEquals(expected, bare.step(d[0], d[1], 8), 1e-6f * Math.abs(expected), "threads " + threads + ", step " + s);
            }
        }
    }

    @Test
    void aStepOnTooFewValuesNamesTheSizes() {
        Trainer trainer = KilnPhonePrice.create(3, 8).trainer(Loss.crossEntropy(), SGD.options(0.1));
        float[][] d = blobs(8, 5);
        var e = assertThrows(IllegalArgumentException.class, () -> trainer.step(Arrays.copyOf(d[0], 150), d[1], 8));
        assertEquals("a step on 8 samples needs 160 input values (20 a sample) and 8 target values, got 150 and 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> trainer.step(d[0], d[1], 0));
        assertEquals("a step needs at least one sample, got 0", e.getMessage());
    }

    @Test
    void fitLearnsSeparableClassesAndRecordsHistory() {
        float[][] d = blobs(512, 3);
        KilnPhonePrice model = KilnPhonePrice.create(4);
        History h = model.trainer(Loss.crossEntropy(), Adam.options().lr(1e-3)).log(null).fit(d[0], d[1], 5, 32);
        assertEquals(5, h.epochs());
        assertTrue(h.last("loss") < h.get("loss").getFirst());
        assertTrue(h.last("accuracy") > 0.95, "accuracy " + h.last("accuracy"));
    }

    @Test
    void loggedFitDrawsAProgressBarAndRecordsTheSharedHistory() {
        float[][] train = blobs(512, 3), val = blobs(64, 9);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        History h = KilnPhonePrice.create(4).trainer(Loss.crossEntropy(), Adam.options().lr(1e-3))
                .log(new PrintStream(buf, true, StandardCharsets.UTF_8)).validation(val[0], val[1]).fit(train[0], train[1], 2, 16);
        assertEquals(List.of("loss", "accuracy", "lr", "val_loss", "val_accuracy", "seconds"), List.copyOf(h.metrics()));
        assertEquals(2, h.epochs());
        assertEquals(1e-3, h.last("lr"), 1e-12);
        assertFalse(h.stoppedEarly());
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        // Not a terminal, and epochs of well under 10 s: the summary line per epoch, no bar lines.
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("epoch 1/2  loss ") && lines.get(0).contains("val_acc"), lines.get(0));
        assertTrue(lines.get(1).startsWith("epoch 2/2  loss ") && lines.get(1).contains("val_acc"), lines.get(1));
        buf.reset();
        KilnPhonePrice.create(4).trainer(Loss.crossEntropy(), Adam.options().lr(1e-3)).progress(false)
                .log(new PrintStream(buf, true, StandardCharsets.UTF_8)).fit(train[0], train[1], 2, 16);
        assertEquals(2, buf.toString(StandardCharsets.UTF_8).lines().count(), "only the epoch lines without the bar");
    }

    @Test
    void checkpointSavesAtomicallyAndLoadsBack(@TempDir Path dir) throws Exception {
        float[][] d = blobs(128, 5);
        KilnPhonePrice model = KilnPhonePrice.create(4);
        Path file = dir.resolve("best.kiln");
        model.trainer(Loss.crossEntropy(), SGD.options(0.05)).log(null).checkpoint(file).fit(d[0], d[1], 2, 16);
        assertTrue(Files.exists(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
        KilnPhonePrice restored = KilnPhonePrice.create(99);
        Checkpoints.load(file, restored);
        KilnPhonePrice fresh = KilnPhonePrice.create(99);
        assertTrue(restored.parameterBuffer()[0] != fresh.parameterBuffer()[0]);
    }

    @Test
    void earlyStoppingEndsWhenValidationLossStalls() {
        float[][] train = blobs(64, 6), val = blobs(64, 7);
        KilnPhonePrice model = KilnPhonePrice.create(4);
        // A learning rate of 0 never improves the validation loss after the first epoch.
        History h = model.trainer(Loss.crossEntropy(), SGD.options(0)).log(null).validation(val[0], val[1])
                .earlyStopping(3, 0).fit(train[0], train[1], 50, 16);
        assertTrue(h.stoppedEarly());
        assertEquals(4, h.epochs());
        assertTrue(h.toJson().endsWith(",\"stopped_early\":true}"), h.toJson());
    }

    @Test
    void evalModeIsDeterministic() {
        KilnPhonePrice model = KilnPhonePrice.create(4);
        float[][] d = blobs(8, 8);
        model.eval();
        float[] a = model.forward(d[0], 8).clone();
        float[] b = model.forward(d[0], 8).clone();
        assertArrayEquals(a, b);
    }
}
