package dev.kiln.backend.kernels;

import dev.kiln.backend.cpu.EmbeddingKernel;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.kernels.ImageFixture.Placed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertSameBits;
import static dev.kiln.backend.kernels.ImageFixture.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Embedding's gather and its deterministic scatter-add against {@link EmbeddingKernel}, bit for bit: a padding
 * index, repeated indices, rows no index picks, and invalid indices (out of range, fractional, NaN), which the
 * forward poisons and the backward skips.
 */
class NormEmbeddingKernelTest {
    /** num, dim, count, padding index. */
    private static final int[][] CASES = {{11, 5, 40, 3}, {50, 16, 97, 0}, {7, 1, 13, -1}, {3, 130, 9, 2}, {300, 3, 1, -1}};

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void gatherAndScatterMatchTheCpu(OpenClFixture.Lib which) {
        NormKernels k = NormFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(29);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int[] c : CASES) check(k, dev, rng, c[0], c[1], c[2], c[3]);
        }
    }

    private static void check(NormKernels k, OpenClFixture dev, SplittableRandom rng, int num, int dim, int count,
                              int padding) {
        String what = "Embedding(" + num + ", " + dim + ", padding " + padding + ") x " + count + " tiles " + k.library().tiles();
        float[] params = OpenClFixture.random(rng, 4 + num * dim, -2, 2);
        int weight = 4;
        float[] idx = new float[count];
        // Few distinct rows, so indices repeat; the padding index among them.
        for (int i = 0; i < count; i++) idx[i] = rng.nextInt(Math.min(num, 6));
        if (count > 3 && padding >= 0) idx[2] = padding;
        assertEquals(-1, NormKernels.invalidIndex(idx, 0, count, num));
        float[] ref = new float[count * dim];
        EmbeddingKernel.forward("emb", idx, count, 1, params, weight, num, dim, ref);

        DeviceBuffer dParams = dev.upload(params);
        Placed dIdx = Placed.of(dev, idx, 3), out = Placed.of(dev, filled(count * dim, -1f), 2);
        k.embeddingForward(count, num, dim, dIdx.buffer(), dIdx.off(), dParams, weight, out.buffer(), out.off());
        assertSameBits(ref, out.read(dev, "forward " + what), "forward " + what);

        for (boolean acc : new boolean[] {false, true}) {
            float[] dy = OpenClFixture.random(rng, count * dim, -1, 1);
            float[] grads = OpenClFixture.random(rng, 4 + num * dim + 2, -1, 1);
            float[] refGrads = grads.clone();
            EmbeddingKernel.backward(dy, idx, count, num, dim, padding, refGrads, weight, acc);
            Placed dDy = Placed.of(dev, dy, 1), dGrads = Placed.of(dev, grads, 5);
            Placed scratch = Placed.of(dev, filled(count, 0f), 2);
            k.embeddingBackward(count, num, dim, padding, dDy.buffer(), dDy.off(), dIdx.buffer(), dIdx.off(),
                    dGrads.buffer(), dGrads.off() + weight, acc, scratch.buffer(), scratch.off());
            String at = "backward " + what + (acc ? " accumulating" : "");
            assertSameBits(refGrads, dGrads.read(dev, at), at);
            scratch.read(dev, "scratch " + at);
        }

        // Invalid indices: NaN rows forward, nothing backward (as the padding index).
        if (count < 4) return;
        float[] bad = idx.clone();
        bad[0] = num;
        bad[count - 1] = 1.5f;
        bad[count / 2] = Float.NaN;
        bad[1] = -1f;
        assertEquals(0, NormKernels.invalidIndex(bad, 0, count, num));
        assertEquals(count / 2 - 2, NormKernels.invalidIndex(bad, 2, count - 2, num));
        Placed dBad = Placed.of(dev, bad, 0), out2 = Placed.of(dev, filled(count * dim, -1f), 1);
        k.embeddingForward(count, num, dim, dBad.buffer(), dBad.off(), dParams, weight, out2.buffer(), out2.off());
        float[] got = out2.read(dev, "invalid forward " + what);
        for (int i = 0; i < count; i++) {
            boolean invalid = i == 0 || i == 1 || i == count - 1 || i == count / 2;
            for (int j = 0; j < dim; j++) {
                if (invalid) assertTrue(Float.isNaN(got[i * dim + j]), what + ": NaN row " + i);
                else assertEquals(Float.floatToRawIntBits(ref[i * dim + j]), Float.floatToRawIntBits(got[i * dim + j]), what + ": row " + i);
            }
        }
        float[] dy = OpenClFixture.random(rng, count * dim, -1, 1);
        float[] zeroed = dy.clone();
        for (int i : new int[] {0, 1, count - 1, count / 2}) Arrays.fill(zeroed, i * dim, (i + 1) * dim, 0f);
        float[] refGrads = new float[num * dim];
        float[] sane = bad.clone();
        for (int i : new int[] {0, 1, count - 1, count / 2}) sane[i] = 0f;
        EmbeddingKernel.backward(zeroed, sane, count, num, dim, padding, refGrads, 0, false);
        Placed dDy = Placed.of(dev, dy, 0), dGrads = Placed.of(dev, filled(num * dim, 9f), 3);
        DeviceBuffer scratch = dev.allocate(count);
        k.embeddingBackward(count, num, dim, padding, dDy.buffer(), dDy.off(), dBad.buffer(), dBad.off(),
                dGrads.buffer(), dGrads.off(), false, scratch, 0);
        float[] gotGrads = dGrads.read(dev, "invalid backward " + what);
        for (int i = 0; i < refGrads.length; i++) {
            assertEquals(refGrads[i], gotGrads[i], 1e-6f * count, "invalid backward " + what + " at " + i);
        }
    }

    @Test
    void emptyAndBadArguments() {
        NormKernels k = NormFixture.kernels(OpenClFixture.Lib.DEVICE_TILES);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            DeviceBuffer a = dev.upload(filled(40, 3f));
            k.embeddingBackward(0, 4, 5, -1, a, 0, a, 0, a, 10, true, a, 0);
            assertSameBits(filled(40, 3f), dev.download(a, 40), "accumulating nothing");
            k.embeddingBackward(0, 4, 5, -1, a, 0, a, 0, a, 10, false, a, 0);
            float[] expected = filled(40, 3f);
            Arrays.fill(expected, 10, 30, 0f);
            assertSameBits(expected, dev.download(a, 40), "no indices: a zero gradient");
            assertThrows(IndexOutOfBoundsException.class, () -> k.embeddingForward(3, 10, 5, a, 0, a, 0, a, 30));
            assertThrows(IndexOutOfBoundsException.class, () -> k.embeddingBackward(8, 4, 5, -1, a, 0, a, 0, a, 0, false, a, 35));
            assertThrows(IllegalArgumentException.class, () -> k.embeddingForward(3, 0, 5, a, 0, a, 0, a, 0));
        }
    }
}
