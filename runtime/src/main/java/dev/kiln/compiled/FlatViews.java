package dev.kiln.compiled;

import dev.kiln.tensor.Torch;
import dev.kiln.tensor.Tensor;

/**
 * Tensors that view slices of a generated model's flat buffers (its parameters and state dict; loading is
 * {@link StateDicts}).
 */
public final class FlatViews {
    private FlatViews() {}

    /** A contiguous tensor of {@code shape} over {@code buffer[offset, offset + numel)}: writes go both ways. */
    public static Tensor view(float[] buffer, int offset, int... shape) {
        int numel = 1;
        for (int d : shape) numel *= d;
        Tensor flat = Torch.fromArray(buffer, buffer.length).narrow(0, offset, numel);
        return flat.view(shape);
    }

    /** A trainable view whose {@code .grad} views the same slice of the gradient buffer, so eager optimizers can step it. */
    public static Tensor parameter(float[] params, float[] grads, int offset, int... shape) {
        Tensor p = view(params, offset, shape).requiresGrad_(true);
        p.setGrad(view(grads, offset, shape));
        return p;
    }
}
