package dev.kiln.loss;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Autograd;
import dev.kiln.tensor.Tensor;

/**
 * {@code log_softmax} along one dimension as a single recorded op: {@code x - logsumexp(x)} with
 * the maximum subtracted first, so large logits neither overflow nor lose the small ones.
 */
public final class LogSoftmax {
    private LogSoftmax() {}

    public static Tensor apply(Tensor input, int dim) {
        if (DeviceFunctional.onDevice(input)) return DeviceFunctional.softmax(input, dim, true);
        int[] shape = input.shape().toArray();
        int d = dim < 0 ? dim + shape.length : dim;
        int classes = shape[d], inner = 1, outer = 1;
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        for (int i = 0; i < d; i++) outer *= shape[i];
        double[] x = input.toDoubleArray();
        double[] out = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * classes * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) max = Math.max(max, x[base + c * inner]);
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.exp(x[base + c * inner] - max);
                double lse = max + Math.log(sum);
                for (int c = 0; c < classes; c++) out[base + c * inner] = x[base + c * inner] - lse;
            }
        }
        Tensor result = Loss.fromDoubles(out, shape, input.dtype());
        Tensor saved = result.detach();
        // d/dx: g - softmax * sum(g); written with tensor ops so that it is itself differentiable.
        return Autograd.record("LogSoftmaxBackward0", result,
                g -> new Tensor[] {g.sub(saved.exp().mul(g.sum(d, true)))}, input);
    }
}
