package dev.kiln.autograd;

import dev.kiln.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the backward pass: visits the graph below a root in reverse topological order, sums the
 * gradients arriving at each node, and accumulates into {@code .grad} of leaves that require grad
 * (and of non-leaves that asked for {@code retainGrad()}).
 */
public final class Engine {
    private Engine() {}

    public static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("element 0 of tensors does not require grad and does not have a grad_fn");
        }
        if (gradient == null) {
            if (root.numel() != 1) {
                throw new IllegalStateException("grad can be implicitly created only for scalar outputs");
            }
            gradient = Tensor.onesLike(root);
        } else if (!gradient.size().equals(root.size())) {
            throw new IllegalArgumentException("Mismatch in shape: grad_output[0] has a shape of " + gradient.size()
                    + " and output[0] has a shape of " + root.size() + ".");
        }
        try (var ignored = GradMode.noGrad()) {
            if (root.gradFn() == null) {  // backward() on a leaf just accumulates
                root.accumulateGrad(gradient);
                return;
            }
            run(root, gradient, retainGraph);
        }
    }

    private static void run(Tensor root, Tensor gradient, boolean retainGraph) {
        List<Node> order = topologicalOrder(root.gradFn());
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(root.gradFn(), gradient);
        Map<Node, Tensor> owners = new IdentityHashMap<>();
        owners.put(root.gradFn(), root);
        for (Node node : order) {
            Tensor grad = pending.remove(node);
            if (grad == null) continue;
            Tensor owner = owners.get(node);
            if (owner != null && owner.retainsGrad()) owner.accumulateGrad(grad);
            Tensor[] inputGrads = node.apply(grad);
            if (!retainGraph) node.release();
            Tensor[] inputs = node.inputs();
            for (int i = 0; i < inputs.length; i++) {
                Tensor input = inputs[i];
                Tensor g = inputGrads[i];
                if (input == null || g == null || !input.requiresGrad()) continue;
                Node next = node.next(i);
                if (next == null) {
                    input.accumulateGrad(g);
                } else {
                    pending.merge(next, g, Tensor::add);
                    owners.putIfAbsent(next, input);
                }
            }
        }
    }

    /** Nodes ordered so that each comes before every node it feeds gradients into. */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> postOrder = new ArrayList<>();
        Set<Node> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        // Iterative DFS: deep graphs (long RNN unrolls) would overflow the Java stack recursively.
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int i = (int) frame[1];
            Tensor[] inputs = node.inputs();
            if (i < inputs.length) {
                frame[1] = i + 1;
                Node next = node.next(i);
                if (next != null && seen.add(next)) {
                    stack.push(new Object[] {next, 0});
                }
            } else {
                stack.pop();
                postOrder.add(node);
            }
        }
        java.util.Collections.reverse(postOrder);
        return postOrder;
    }

}
