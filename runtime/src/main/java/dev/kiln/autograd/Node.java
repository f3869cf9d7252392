package dev.kiln.autograd;

import dev.kiln.tensor.Tensor;

/**
 * One recorded operation in the autograd graph: PyTorch's {@code grad_fn}.
 *
 * <p>It keeps the op's inputs (the edges to walk backward) and a closure that maps the gradient
 * of the op's output to the gradients of its inputs. The closure holds the saved tensors; freeing
 * it after a backward pass is what makes a second pass fail, as in PyTorch.
 */
public final class Node {
    private final String name;
    private final Tensor[] inputs;
    /**
     * Each input's grad_fn when this node was recorded (null for leaves). An in-place op later
     * gives the input tensor a new grad_fn, but this node must keep feeding the history the input
     * had when it was used, as PyTorch's edges do.
     */
    private final Node[] next;
    private BackwardFunction backward;

    /** Maps the gradient flowing into the op's output to one gradient per input (null where none). */
    @FunctionalInterface
    public interface BackwardFunction {
        Tensor[] apply(Tensor gradOutput);
    }

    public Node(String name, Tensor[] inputs, BackwardFunction backward) {
        this.name = name;
        this.inputs = inputs;
        this.next = new Node[inputs.length];
        for (int i = 0; i < inputs.length; i++) next[i] = inputs[i] == null ? null : inputs[i].gradFn();
        this.backward = backward;
    }

    /** PyTorch's class name for this grad_fn, e.g. {@code AddBackward0}. */
    public String name() { return name; }

    Tensor[] inputs() { return inputs; }

    /** The grad_fn that input {@code i} had when this node was recorded; null when it was a leaf. */
    Node next(int i) { return next[i]; }

    Tensor[] apply(Tensor gradOutput) {
        if (backward == null) {
            throw new IllegalStateException("Trying to backward through the graph a second time (or directly access "
                    + "saved tensors after they have already been freed). Saved intermediate values of the graph "
                    + "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you "
                    + "need to backward through the graph a second time or if you need to access saved tensors "
                    + "after calling backward.");
        }
        return backward.apply(gradOutput);
    }

    void release() { backward = null; }

    @Override public String toString() { return "<" + name + ">"; }
}
