package dev.kiln.data;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.random.Generator;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * {@code torch.utils.data.DataLoader} in a single process: batches of a dataset whose items are
 * {@code Tensor[]}, each batch a {@code Tensor[]} whose i-th tensor stacks the items' i-th
 * tensors along a new first dimension (PyTorch's {@code default_collate} for tuples of tensors).
 *
 * <pre>{@code
 * var loader = new DataLoader(new TensorDataset(x, y), 64, true);
 * for (Tensor[] batch : loader) { Tensor xb = batch[0], yb = batch[1]; ... }
 * }</pre>
 *
 * <p>Shuffled orders match PyTorch 1.13's for the same seed, and so does the loader's use of the
 * random generators, so that code after the loop also sees the same random numbers: each
 * {@code iterator()} draws a {@code _base_seed} (one 64-bit draw) from the loader's generator or
 * the default one, as 1.13's {@code _BaseDataLoaderIter} does even when not shuffling (1.13 uses
 * it to seed workers), and {@link RandomSampler} makes the sampler's draws.
 *
 * <p>A {@link TensorDataset} is batched with one gather per tensor (indexing with the batch's
 * index tensor) instead of stacking per-item views; the values are the same.
 */
public final class DataLoader implements Iterable<Tensor[]> {
    private final Dataset<Tensor[]> dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Generator generator;
    private final RandomSampler sampler;

    /** Batches of {@code batchSize} in order, keeping a smaller last batch. */
    public DataLoader(Dataset<Tensor[]> dataset, int batchSize) { this(dataset, batchSize, false, false, null); }

    public DataLoader(Dataset<Tensor[]> dataset, int batchSize, boolean shuffle) {
        this(dataset, batchSize, shuffle, false, null);
    }

    public DataLoader(Dataset<Tensor[]> dataset, int batchSize, boolean shuffle, boolean dropLast) {
        this(dataset, batchSize, shuffle, dropLast, null);
    }

    /**
     * @param batchSize items per batch (PyTorch's default is 1)
     * @param shuffle   a new random order each epoch (each {@link #iterator()})
     * @param dropLast  leave out a last batch smaller than {@code batchSize}
     * @param generator draws the shuffles and the per-iterator seed; null uses the default generator
     *                  to seed a fresh one each epoch, as PyTorch does
     */
    public DataLoader(Dataset<Tensor[]> dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch_size should be a positive integer value, but got batch_size=" + batchSize);
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.generator = generator;
        this.sampler = shuffle ? new RandomSampler(dataset.size(), generator) : null;
    }

    public Dataset<Tensor[]> dataset() { return dataset; }

    public int batchSize() { return batchSize; }

    /** Whether a last batch smaller than {@link #batchSize()} is left out. */
    public boolean dropLast() { return dropLast; }

    /** The number of batches per epoch ({@code len(loader)}). */
    public int size() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** One epoch; with {@code shuffle}, each call draws a new order. */
    @Override
    public Iterator<Tensor[]> iterator() {
        RandomSampler.randomInt64(generator != null ? generator : Generator.defaultGenerator()); // 1.13's _base_seed
        return new Epoch();
    }

    private final class Epoch implements Iterator<Tensor[]> {
        private final int n = dataset.size();
        private long[] order;
        private boolean started;
        private boolean samplerExhausted;
        private int cursor;

        @Override
        public boolean hasNext() {
            if (!started) {
                // Like 1.13's generator-based sampler, the shuffle draws happen on the first next().
                started = true;
                if (shuffle) order = sampler.startEpoch();
            }
            // A batch that reaches past the end makes PyTorch ask the sampler for item n, which
            // runs the rest of the sampler's body (see RandomSampler.finishEpoch).
            if (cursor + batchSize > n && !samplerExhausted) {
                samplerExhausted = true;
                if (shuffle) sampler.finishEpoch();
            }
            int remaining = n - cursor;
            return dropLast ? remaining >= batchSize : remaining > 0;
        }

        @Override
        public Tensor[] next() {
            if (!hasNext()) throw new NoSuchElementException("the epoch has no more batches");
            int count = Math.min(batchSize, n - cursor);
            long[] indices = new long[count];
            for (int i = 0; i < count; i++) indices[i] = order != null ? order[cursor + i] : cursor + i;
            cursor += count;
            return collate(indices);
        }
    }

    private Tensor[] collate(long[] indices) {
        if (dataset instanceof TensorDataset td) return td.gather(Torch.fromArray(indices, indices.length));
        List<Tensor[]> items = new ArrayList<>(indices.length);
        for (long i : indices) items.add(dataset.get((int) i));
        int fields = items.get(0).length;
        Tensor[] batch = new Tensor[fields];
        for (int f = 0; f < fields; f++) {
            List<Tensor> column = new ArrayList<>(items.size());
            for (Tensor[] item : items) {
                if (item.length != fields) {
                    throw new IllegalArgumentException("each element in list of batch should be of equal size: items have "
                            + fields + " and " + item.length + " tensors");
                }
                column.add(item[f]);
            }
            batch[f] = Torch.stack(column);
        }
        return batch;
    }
}
