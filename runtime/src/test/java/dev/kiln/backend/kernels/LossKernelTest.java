package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.compiled.Loss;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused losses against compiled/Loss on the same data: gradients element by element, losses summed. */
class LossKernelTest {
    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void softmaxCrossEntropyMatchesTheCpuLoss(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        SplittableRandom rng = new SplittableRandom(11);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int rows : new int[] {1, 7, 17, 129}) {
                for (int classes : new int[] {1, 2, 10, 17, 129, 1000}) {
                    // A slice of a larger batch: the gradient is of the whole batch's mean.
                    int batch = rows + 3, lOff = 5, yOff = 2, gOff = 7, rOff = 1;
                    float[] logits = OpenClFixture.random(rng, lOff + rows * classes, -8, 8);
                    if (classes > 1) logits[lOff] = 80f; // a large logit: only the max-shift keeps exp finite
                    float[] labels = new float[yOff + rows];
                    for (int r = 0; r < rows; r++) labels[yOff + r] = rng.nextInt(classes);
                    float[] out = java.util.Arrays.copyOfRange(logits, lOff, logits.length);
                    float[] want = new float[rows * classes];
                    double total = Loss.crossEntropy().sumAndGradient(out, labels, yOff, rows, classes, want, batch);

                    DeviceBuffer dl = dev.upload(logits), dy = dev.upload(labels);
                    DeviceBuffer dg = dev.allocate(gOff + rows * classes), dr = dev.allocate(rOff + rows);
                    lib.softmaxCrossEntropy(dl, lOff, dy, yOff, rows, classes, batch, dg, gOff, dr, rOff);
                    float[] grad = dev.download(dg, gOff + rows * classes), rowLoss = dev.download(dr, rOff + rows);
                    String what = rows + "x" + classes + ", tiles " + lib.tiles();
                    for (int i = 0; i < rows * classes; i++) {
                        assertEquals(want[i], grad[gOff + i], 1e-6 * Math.abs(want[i]) + 1e-9, what + " grad " + i);
                    }
                    double sum = 0;
                    for (int r = 0; r < rows; r++) sum += rowLoss[rOff + r];
                    assertEquals(total, sum, 1e-5 * (Math.abs(total) + rows), what + " loss");

                    // The device sum of the row losses, as a step would take it.
                    DeviceBuffer s = dev.allocate(1);
                    lib.sum(dr, rOff, rows, s, 0);
                    assertEquals(total, dev.download(s, 1)[0], 1e-5 * (Math.abs(total) + rows), what + " summed");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void aLabelThatIsNoClassPoisonsOnlyItsRow(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        int rows = 6, classes = 5;
        float[] bad = {-1f, 5f, Float.NaN, 1e30f, -1e30f};
        SplittableRandom rng = new SplittableRandom(12);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (float label : bad) {
                // The logits are the last thing in their buffer: a read at the label would run past it.
                float[] logits = OpenClFixture.random(rng, rows * classes, -2, 2);
                float[] labels = {0, 1, 2, 3, 4, 4.9f};
                labels[rows - 1] = label;
                DeviceBuffer dl = dev.upload(logits), dy = dev.upload(labels);
                DeviceBuffer dg = dev.allocate(rows * classes), dr = dev.allocate(rows);
                lib.softmaxCrossEntropy(dl, 0, dy, 0, rows, classes, rows, dg, 0, dr, 0);
                float[] rowLoss = dev.download(dr, rows), grad = dev.download(dg, rows * classes);
                for (int r = 0; r < rows - 1; r++) {
                    assertTrue(Float.isFinite(rowLoss[r]) && rowLoss[r] > 0, "row " + r + " loss " + rowLoss[r]);
                }
                assertTrue(Float.isNaN(rowLoss[rows - 1]), "label " + label + " gave loss " + rowLoss[rows - 1]);
                for (int j = 0; j < classes; j++) {
                    assertTrue(Float.isNaN(grad[(rows - 1) * classes + j]), "label " + label + " grad " + j);
                    assertTrue(Float.isFinite(grad[j]), "row 0 grad " + j);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void mseMatchesTheCpuLoss(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        SplittableRandom rng = new SplittableRandom(13);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int rows : new int[] {1, 7, 17, 129, 700}) {
                for (int cols : new int[] {1, 3, 17, 129}) {
                    int count = rows * cols, batchRows = rows + 1, pOff = 3, tOff = 6, gOff = 1;
                    float[] pred = OpenClFixture.random(rng, pOff + count, -3, 3);
                    float[] target = OpenClFixture.random(rng, tOff + count, -3, 3);
                    float[] want = new float[count];
                    double total = Loss.mse().sumAndGradient(java.util.Arrays.copyOfRange(pred, pOff, pred.length),
                            target, tOff, rows, cols, want, batchRows);

                    DeviceBuffer dp = dev.upload(pred), dt = dev.upload(target);
                    DeviceBuffer dg = dev.allocate(gOff + count), dloss = dev.upload(new float[] {4, 4, 4});
                    lib.mse(dp, pOff, dt, tOff, count, batchRows * cols, dg, gOff, dloss, 1);
                    float[] grad = dev.download(dg, gOff + count), loss = dev.download(dloss, 3);
                    String what = rows + "x" + cols + ", tiles " + lib.tiles();
                    for (int i = 0; i < count; i++) {
                        // Same float operations as the CPU in the same order: equal to the last bit.
                        assertEquals(want[i], grad[gOff + i], what + " grad " + i);
                    }
                    assertEquals(total, loss[1], 1e-6 * total + 1e-30, what + " loss");
                    assertEquals(4f, loss[0]);
                    assertEquals(4f, loss[2]);
                }
            }
        }
    }
}
