package dev.kiln.backend.kernels;

import dev.kiln.backend.kernels.ImageFixture.Placed;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static dev.kiln.backend.kernels.ImageFixture.assertSameBits;
import static dev.kiln.backend.kernels.ImageFixture.filled;

/** The residual sum and its backward, as the generated CPU loops (bit for bit), in place and not, accumulating and not. */
class NormResidualKernelTest {
    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void residualMatchesTheCpuLoops(OpenClFixture.Lib which) {
        NormKernels k = NormFixture.kernels(which);
        SplittableRandom rng = new SplittableRandom(31);
        try (OpenClFixture dev = new OpenClFixture(k.library())) {
            for (int count : new int[] {1, 7, 129, 1000}) {
                String what = "count " + count + " tiles " + k.library().tiles();
                float[] a = OpenClFixture.random(rng, count, -1, 1), b = OpenClFixture.random(rng, count, -1, 1);
                float[] sum = new float[count];
                for (int i = 0; i < count; i++) sum[i] = a[i] + b[i];
                Placed da = Placed.of(dev, a, 1), db = Placed.of(dev, b, 2), out = Placed.of(dev, filled(count, Float.NaN), 3);
                k.residualAdd(count, da.buffer(), da.off(), db.buffer(), db.off(), out.buffer(), out.off());
                assertSameBits(sum, out.read(dev, "add " + what), "add " + what);
                k.residualAdd(count, da.buffer(), da.off(), db.buffer(), db.off(), da.buffer(), da.off());
                assertSameBits(sum, da.read(dev, "add in place " + what), "add in place " + what);

                float[] g = OpenClFixture.random(rng, count, -1, 1);
                for (boolean acc : new boolean[] {false, true}) {
                    float[] d1 = OpenClFixture.random(rng, count, -1, 1), d2 = OpenClFixture.random(rng, count, -1, 1);
                    float[] e1 = d1.clone(), e2 = d2.clone();
                    for (int i = 0; i < count; i++) {
                        e1[i] = acc ? d1[i] + g[i] : g[i];
                        e2[i] = d2[i] + g[i];
                    }
                    Placed dg = Placed.of(dev, g, 4), p1 = Placed.of(dev, d1, 0), p2 = Placed.of(dev, d2, 5);
                    k.accumulateInto(count, dg.buffer(), dg.off(), p1.buffer(), p1.off(), acc);
                    assertSameBits(e1, p1.read(dev, "accumulateInto " + what), "accumulateInto " + acc + " " + what);
                    // Both inputs' gradients in one launch, the second accumulating.
                    Placed q1 = Placed.of(dev, d1, 2), q2 = Placed.of(dev, d2, 1);
                    k.residualBackward(count, dg.buffer(), dg.off(), q1.buffer(), q1.off(), acc, q2.buffer(), q2.off(), true);
                    assertSameBits(e1, q1.read(dev, "residualBackward a " + what), "residualBackward a " + acc + " " + what);
                    assertSameBits(e2, q2.read(dev, "residualBackward b " + what), "residualBackward b " + what);
                    assertSameBits(g, dg.read(dev, "g " + what), "g is only read " + what);
                }
            }
        }
    }
}
