package dev.kiln.loss;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * A loss criterion, as PyTorch's {@code nn.modules.loss._Loss}: it holds its options and
 * {@link #forward} maps {@code (input, target)} to the loss. Every loss also has a static
 * functional form, as {@code torch.nn.functional}.
 */
public abstract class Loss {
    protected final Reduction reduction;

    protected Loss(Reduction reduction) { this.reduction = reduction; }

    public Reduction reduction() { return reduction; }

    public abstract Tensor forward(Tensor input, Tensor target);

    /** A tensor of {@code dtype} holding values computed in double; an empty shape is 0-dim. */
    static Tensor fromDoubles(double[] values, int[] shape, DType dtype) {
        // fromArray reads an empty shape as "1-D, the array's length", so reshape to 0-dim after.
        Tensor t = Torch.fromArray(values, values.length);
        return (shape.length == 0 ? t.reshape() : t.reshape(shape)).to(dtype);
    }


    /** A shape as PyTorch's C++ prints it: {@code [2, 3]}. */
    static String sizes(Tensor t) {
        String s = t.shape().toString();
        return s.substring("torch.Size(".length(), s.length() - 1);
    }

    /** Refuses a target whose shape differs from the input's, with the functional API's wording. */
    static void requireSameSize(Tensor input, Tensor target) {
        if (!input.shape().equals(target.shape())) {
            throw new IllegalArgumentException("Using a target size (" + target.shape() + ") that is different to the "
                    + "input size (" + input.shape() + ") is deprecated. Please ensure they have the same size.");
        }
    }
}
