package dev.kiln.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 loops that C2 does not vectorise on its own, written with the Vector API. Kept apart
 * from {@link FloatFastPath} so that only code reaching these loops loads the incubator module.
 */
final class FloatVectorLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FloatVectorLoops() {}

    /**
     * {@code r[i] = out[oOff + i] > 0 ? g[gOff + i] : 0} for i in [0, n): ReLU's backward as a
     * vector select. The scalar ternary compiles to a branch on each activation's sign, which
     * mispredicts about half the time on real data. NaN activations compare false and give 0, as
     * the scalar form does.
     */
    static void reluBackward(float[] g, int gOff, float[] out, int oOff, float[] r, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (int e = S.loopBound(n); i < e; i += S.length()) {
            FloatVector o = FloatVector.fromArray(S, out, oOff + i);
            zero.blend(FloatVector.fromArray(S, g, gOff + i), o.compare(VectorOperators.GT, 0f)).intoArray(r, i);
        }
        for (; i < n; i++) r[i] = out[oOff + i] > 0 ? g[gOff + i] : 0f;
    }
}
