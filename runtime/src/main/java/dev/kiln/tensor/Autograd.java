package dev.kiln.tensor;

import dev.kiln.autograd.GradMode;
import dev.kiln.autograd.Node;

/**
 * Attaches grad_fn nodes to op results; the derivative rules themselves live with each op.
 * Public so that ops defined outside this package (convolution, pooling, fused losses) can state
 * their own rule, like a {@code torch.autograd.Function}.
 */
public final class Autograd {
    private Autograd() {}

    /** Whether an op on these inputs must be recorded. */
    public static boolean needed(Tensor... inputs) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad) return true;
        return false;
    }

    /**
     * Records {@code out = op(inputs)} with the rule {@code fn} when any input requires grad;
     * inputs that do not are dropped from the node so that no gradient is computed for them.
     */
    public static Tensor record(String name, Tensor out, Node.BackwardFunction fn, Tensor... inputs) {
        if (!needed(inputs)) return out;
        Tensor[] edges = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) edges[i] = inputs[i] != null && inputs[i].requiresGrad ? inputs[i] : null;
        out.requiresGrad = true;
        out.gradFn = new Node(name, edges, fn);
        return out;
    }

    /** Sums a broadcast gradient back to the shape of the operand it flows into. */
    public static Tensor sumToShape(Tensor grad, int[] shape) {
        if (java.util.Arrays.equals(grad.shape, shape)) return grad;
        int lead = grad.dim() - shape.length;
        java.util.List<Integer> dims = new java.util.ArrayList<>();
        for (int d = 0; d < grad.dim(); d++) {
            if (d < lead || (shape[d - lead] == 1 && grad.shape[d] != 1)) dims.add(d);
        }
        Tensor g = grad.sum(dims.stream().mapToInt(Integer::intValue).toArray(), true);
        return g.reshape(shape);
    }
}
