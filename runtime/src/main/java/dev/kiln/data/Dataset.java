package dev.kiln.data;

/**
 * A map-style dataset, as {@code torch.utils.data.Dataset} with {@code __len__} and
 * {@code __getitem__}: a fixed number of items addressed by index.
 *
 * @param <T> the item type; {@link DataLoader} batches datasets whose items are {@code Tensor[]}
 */
public interface Dataset<T> {

    /** The number of items ({@code len(dataset)}). */
    int size();

    /** The item at {@code index}, {@code 0 <= index < size()} ({@code dataset[index]}). */
    T get(int index);
}
