package dev.kiln.nn;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.random.Generator;

/** Small tensor builders for the nn tests. */
final class NnTensors {
    private NnTensors() {}

    static Tensor of(double[] values, int... shape) {
        return Torch.fromArray(values.clone(), values.length).reshape(shape);
    }

    /**
     * A float64 leaf requiring grad, N(0, 1) from a private generator; values within 0.05 of 0 are
     * pushed away so that finite differences never straddle the kink of relu-like functions.
     */
    static Tensor leaf(long seed, int... shape) {
        Tensor t = Torch.empty(shape, DType.FLOAT64);
        double[] d = (double[]) t.untypedStorage().array();
        new Generator(seed).fillNormal(d, 0, d.length, 0.0, 1.0);
        for (int i = 0; i < d.length; i++) if (Math.abs(d[i]) < 0.05) d[i] += d[i] < 0 ? -0.1 : 0.1;
        return t.requiresGrad_();
    }
}
