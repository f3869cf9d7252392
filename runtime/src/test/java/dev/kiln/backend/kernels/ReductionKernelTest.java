package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.Dense;

import dev.kiln.backend.DeviceBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link KernelLibrary#sum}, {@link KernelLibrary#columnSums}, {@link KernelLibrary#countCorrect}, fill. */
class ReductionKernelTest {
    private static final int[] SIZES = {0, 1, 7, 17, 129, 1000, 4097, 100_003};

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void sumMatchesADoubleSumAndRepeatsBitForBit(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        SplittableRandom rng = new SplittableRandom(3);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int count : SIZES) {
                int off = 5;
                float[] x = OpenClFixture.random(rng, off + count + 3, -1, 1);
                double want = 0, bound = 0;
                for (int i = 0; i < count; i++) {
                    want += x[off + i];
                    bound += Math.abs(x[off + i]);
                }
                DeviceBuffer dx = dev.upload(x), out = dev.upload(new float[] {9, 9, 9});
                lib.sum(dx, off, count, out, 1);
                float[] first = dev.download(out, 3);
                // A tree's error grows with log(count), far below this.
                assertEquals(want, first[1], 1e-6 * bound + 1e-30, "sum of " + count + ", tiles " + lib.tiles());
                assertEquals(9f, first[0]);
                assertEquals(9f, first[2]);
                lib.sum(dx, off, count, out, 1);
                assertEquals(Float.floatToRawIntBits(first[1]), Float.floatToRawIntBits(dev.download(out, 3)[1]),
                        "a second sum of " + count + " differs");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void columnSumsMatchDenseWithAndWithoutAccumulate(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        SplittableRandom rng = new SplittableRandom(4);
        int[][] shapes = {{1, 1}, {7, 17}, {17, 7}, {129, 129}, {1, 300}, {3000, 3}, {0, 5}, {33, 65}};
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1], off = 3, outOff = 2;
                float[] x = OpenClFixture.random(rng, off + rows * cols, -1, 1);
                for (boolean accumulate : new boolean[] {false, true}) {
                    float[] out = OpenClFixture.random(rng, outOff + cols + 2, -1, 1);
                    float[] want = out.clone();
                    Dense.columnSums(x, off, rows, cols, want, outOff, accumulate);
                    DeviceBuffer dx = dev.upload(x), dout = dev.upload(out);
                    lib.columnSums(dx, off, rows, cols, dout, outOff, accumulate);
                    float[] got = dev.download(dout, out.length);
                    for (int i = 0; i < out.length; i++) {
                        double tol = 2e-6 * (rows + 1);
                        assertEquals(want[i], got[i], tol, rows + "x" + cols + (accumulate ? " +=" : "")
                                + " column " + (i - outOff) + ", tiles " + lib.tiles());
                    }
                    assertEquals(out[0], got[0]);
                    assertEquals(out[out.length - 1], got[out.length - 1]);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void countCorrectTakesTheFirstMaximumAndRejectsInvalidLabels(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        SplittableRandom rng = new SplittableRandom(5);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int rows : new int[] {1, 7, 17, 129, 1000}) {
                for (int classes : new int[] {1, 3, 10, 129}) {
                    float[] logits = new float[2 + rows * classes];
                    float[] labels = new float[rows + 1];
                    int want = 0;
                    for (int r = 0; r < rows; r++) {
                        // Few distinct values, so ties are common.
                        int best = 0;
                        for (int j = 0; j < classes; j++) {
                            float v = rng.nextInt(4);
                            logits[2 + r * classes + j] = v;
                            if (v > logits[2 + r * classes + best]) best = j;
                        }
                        int pick = rng.nextInt(6);
                        labels[1 + r] = pick == 0 ? best : pick == 1 ? -1 : pick == 2 ? classes
                                : pick == 3 ? Float.NaN : rng.nextInt(classes) + 0.5f;
                        if (pick != 3 && labels[1 + r] > -1 && labels[1 + r] < classes && (int) labels[1 + r] == best) {
                            want++;
                        }
                    }
                    DeviceBuffer dl = dev.upload(logits), dy = dev.upload(labels), out = dev.upload(new float[] {5, 5});
                    lib.countCorrect(dl, 2, dy, 1, rows, classes, out, 1);
                    assertArrayEquals(new float[] {5, want}, dev.download(out, 2),
                            rows + " rows of " + classes + ", tiles " + lib.tiles());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void fillWritesExactlyItsRange(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            for (int count : SIZES) {
                float[] x = new float[count + 4];
                DeviceBuffer dx = dev.upload(x);
                lib.fill(dx, 2, count, 1.5f);
                float[] want = new float[count + 4];
                for (int i = 2; i < 2 + count; i++) want[i] = 1.5f;
                assertArrayEquals(want, dev.download(dx, x.length), "fill of " + count);
            }
        }
    }
}
