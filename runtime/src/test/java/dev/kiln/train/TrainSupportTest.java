package dev.kiln.train;

import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.kiln.tensor.Torch.tensor;
import static org.junit.jupiter.api.Assertions.*;

class TrainSupportTest {
    @Test void accuracyFromLogitsAndFromClassIndices() {
        Tensor logits = tensor(new double[][] {{2, 1, 0}, {0, 3, 1}, {1, 0, 5}, {4, 0, 0}});
        Tensor targets = tensor(new long[] {0, 1, 1, 2});
        assertEquals(0.5, Metrics.accuracy(logits, targets));
        assertEquals(0.25, Metrics.accuracy(tensor(new long[] {0, 0, 0, 0}), targets));
        assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(logits, tensor(new long[] {1})));
    }

    @Test void confusionMatrixCountsRowsAsTrueClasses() {
        ConfusionMatrix cm = new ConfusionMatrix(3)
                .update(tensor(new long[] {0, 1, 1, 2, 2}), tensor(new long[] {0, 1, 2, 2, 0}));
        assertEquals(1, cm.get(0, 0));
        assertEquals(1, cm.get(0, 2));
        assertEquals(1, cm.get(2, 1));
        assertEquals(5, cm.total());
        assertEquals(0.6, cm.accuracy(), 1e-12);
        assertEquals(0.5, cm.precision(1), 1e-12);
        assertEquals(0.5, cm.recall(2), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cm.update(tensor(new long[] {3}), tensor(new long[] {0})));
        assertEquals("prediction 3 at row 0 is not a class in [0, 3)", e.getMessage());
    }

    @Test void historyKeepsEpochOrderAndWritesJsonAndAChart(@TempDir Path dir) throws Exception {
        History h = new History().record("loss", 0.9).record("accuracy", 0.5).record("loss", 0.4).record("accuracy", 0.8);
        assertEquals(2, h.epochs());
        assertEquals(0.4, h.last("loss"));
        assertEquals("{\"loss\":[0.900000,0.400000],\"accuracy\":[0.500000,0.800000]}", h.toJson());
        assertFalse(h.stoppedEarly());
        assertEquals("{\"loss\":[1.00000],\"stopped_early\":true}", new History().record("loss", 1).markStoppedEarly().toJson());
        Path png = dir.resolve("curves.png");
        h.plot(png, "training", "loss", "accuracy");
        byte[] b = Files.readAllBytes(png);
        assertEquals('P', b[1]);
        assertEquals(0, Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".chart")).count());
    }

    @Test void plainProgressOfAFastEpochPrintsNothing() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressBar bar = new ProgressBar("epoch 1/3", 100, new PrintStream(buf, true, StandardCharsets.UTF_8), false,
                () -> now[0]);
        for (int i = 1; i <= 100; i++) {
            now[0] += 50_000_000L; // 5 s in all: the trainer's line per epoch is enough
            bar.update(i, "loss 0.5");
        }
        assertEquals("", buf.toString(StandardCharsets.UTF_8));
    }

    @Test void plainProgressOfASlowEpochPrintsATenthEveryTenSecondsAndTheEnd() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressBar bar = new ProgressBar("epoch 1/3", 100, new PrintStream(buf, true, StandardCharsets.UTF_8), false,
                () -> now[0]);
        for (int i = 1; i <= 100; i++) {
            now[0] += 500_000_000L; // 50 s in all: a line at 20%, 40%, 60%, 80%, 100%
            bar.update(i, "loss 0.5");
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(5, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("epoch 1/3 [======>                       ] 20/100 10.0s"), lines[0]);
        assertTrue(lines[4].startsWith("epoch 1/3 [==============================] 100/100 50.0s"), lines[4]);
        assertTrue(lines[4].endsWith("loss 0.5"));
    }

    @Test void terminalProgressRedrawsOneLine() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar("e", 4, new PrintStream(buf, true, StandardCharsets.UTF_8), true);
        for (int i = 1; i <= 4; i++) bar.update(i, "");
        String s = buf.toString(StandardCharsets.UTF_8);
        assertEquals(4, s.chars().filter(c -> c == '\r').count());
        assertTrue(s.endsWith("\n"));
        assertTrue(s.contains("e [=======>                      ] 1/4"), s);
    }

    @Test void linesRejectSeriesOfTheWrongLength(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.lines(dir.resolve("x.png"), "t", "x", "y", new double[] {1, 2}, Map.of("s", new double[] {1})));
        assertEquals("series 's' has 1 values but there are 2 x values", e.getMessage());
    }
}
