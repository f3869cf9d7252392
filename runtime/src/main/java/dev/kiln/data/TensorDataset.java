package dev.kiln.data;

import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.utils.data.TensorDataset}: item i is {@code (t[i] for t in tensors)}, so every
 * tensor must have the same size along its first dimension (features and labels, say).
 */
public final class TensorDataset implements Dataset<Tensor[]> {
    private final Tensor[] tensors;

    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("TensorDataset needs at least one tensor");
        }
        for (Tensor t : tensors) {
            if (t.dim() == 0) {
                throw new IllegalArgumentException("TensorDataset tensors need a first dimension to index, got a 0-dim tensor");
            }
            // PyTorch's own assertion message, so ported code sees the same text.
            if (t.size(0) != tensors[0].size(0)) {
                throw new IllegalArgumentException("Size mismatch between tensors: first dimensions are "
                        + Arrays.stream(tensors).map(x -> String.valueOf(x.size(0))).toList());
            }
        }
        this.tensors = tensors.clone();
    }

    /** The wrapped tensors, in the order given ({@code dataset.tensors}). */
    public List<Tensor> tensors() { return List.of(tensors); }

    @Override
    public int size() { return tensors[0].size(0); }

    /** Views of row {@code index} of each tensor (sharing storage, like PyTorch's indexing). */
    @Override
    public Tensor[] get(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("index " + index + " is out of bounds for a dataset of size " + size());
        }
        Tensor[] item = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) item[i] = tensors[i].select(0, index);
        return item;
    }

    /**
     * Rows {@code indices} of each tensor, one gather per tensor: the batch {@link DataLoader}
     * would get by stacking {@code get(i)} for each index, without materialising each item.
     */
    public Tensor[] gather(Tensor indices) {
        Tensor[] batch = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) batch[i] = tensors[i].get(indices);
        return batch;
    }
}
