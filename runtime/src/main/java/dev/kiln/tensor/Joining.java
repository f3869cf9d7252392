package dev.kiln.tensor;

import java.util.List;

/** {@code cat} and {@code stack}, with PyTorch's shape checks and derivative rules. */
final class Joining {
    private Joining() {}

    static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("torch.cat(): expected a non-empty list of Tensors");
        DeviceOps.requireCpu("cat", tensors.toArray(new Tensor[0]));
        // PyTorch skips 1-D empty tensors (legacy behaviour) when checking shapes.
        Tensor ref = tensors.stream().filter(t -> !(t.dim() == 1 && t.numel() == 0)).findFirst().orElse(tensors.getFirst());
        if (ref.dim() == 0) {
            throw new IllegalArgumentException("zero-dimensional tensor (at position 0) cannot be concatenated");
        }
        int d = Shapes.wrapDim(dim, ref.dim());
        DType dtype = tensors.getFirst().dtype;
        int total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            dtype = DType.promote(dtype, t.dtype);
            if (t.dim() == 1 && t.numel() == 0 && ref.dim() != 1) continue;
            if (t.dim() != ref.dim()) {
                throw new IllegalArgumentException("Tensors must have same number of dimensions: got " + ref.dim()
                        + " and " + t.dim());
            }
            for (int k = 0; k < ref.dim(); k++) {
                if (k != d && t.shape[k] != ref.shape[k]) {
                    throw new IllegalArgumentException("Sizes of tensors must match except in dimension " + d
                            + ". Expected size " + ref.shape[k] + " but got size " + t.shape[k] + " for tensor number "
                            + i + " in the list.");
                }
            }
            total += t.shape[d];
        }
        int[] shape = ref.shape.clone();
        shape[d] = total;
        Tensor out = Tensor.empty(dtype, shape);
        int[] starts = new int[tensors.size()];
        int at = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            starts[i] = at;
            if (t.dim() == 1 && t.numel() == 0 && ref.dim() != 1) continue;
            Elementwise.copyInto(Views.sliceRaw(out, d, at, t.shape[d], 1), t);
            at += t.shape[d];
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        return Autograd.record("CatBackward0", out, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i].dim() == 1 && inputs[i].numel() == 0 && ref.dim() != 1) {
                    grads[i] = Tensor.empty(g.dtype, new int[] {0});  // a skipped empty input still gets its (empty) grad
                    continue;
                }
                grads[i] = g.narrow(d, starts[i], inputs[i].shape[d]);
            }
            return grads;
        }, inputs);
    }

    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("stack expects a non-empty TensorList");
        DeviceOps.requireCpu("stack", tensors.toArray(new Tensor[0]));
        Tensor first = tensors.getFirst();
        for (int i = 1; i < tensors.size(); i++) {
            if (!java.util.Arrays.equals(tensors.get(i).shape, first.shape)) {
                throw new IllegalArgumentException("stack expects each tensor to be equal size, but got "
                        + Shapes.str(first.shape) + " at entry 0 and " + Shapes.str(tensors.get(i).shape) + " at entry " + i);
            }
        }
        int d = Shapes.wrapDim(dim, first.dim() + 1);
        // Joined without recording the unsqueezes, so that the graph shows one StackBackward0 node.
        Tensor out;
        try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
            out = cat(tensors.stream().map(t -> t.unsqueeze(d)).toList(), d);
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        return Autograd.record("StackBackward0", out, g -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) grads[i] = g.select(d, i);
            return grads;
        }, inputs);
    }
}
