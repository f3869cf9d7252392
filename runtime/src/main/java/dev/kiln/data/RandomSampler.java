package dev.kiln.data;

import dev.kiln.tensor.random.Generator;

/**
 * The draws of PyTorch 1.13's {@code RandomSampler} (without replacement), so that a shuffled
 * {@link DataLoader} visits items in the same order as PyTorch's for the same seed.
 *
 * <p>1.13's {@code __iter__} is a Python generator, and its random draws happen at two moments,
 * which this class exposes separately so that the loader can make them at the same points:
 * <ol>
 *   <li>{@link #startEpoch()}, on the first {@code next()}: without a user generator it draws a
 *       seed {@code int(torch.empty((), dtype=torch.int64).random_().item())} from the default
 *       generator and seeds a fresh {@code torch.Generator} with it; then {@code randperm(n)}.</li>
 *   <li>{@link #finishEpoch()}, when the sampler is asked for item n: the loop
 *       {@code yield from torch.randperm(n, generator=generator).tolist()[:num_samples % n]} draws a
 *       whole second permutation and yields none of it. With a private generator this changes
 *       nothing, but a user generator moves on, so epoch two starts from the third permutation.</li>
 * </ol>
 */
final class RandomSampler {
    private final int n;
    /** The user's generator, or null to draw a seed from the default generator each epoch. */
    private final Generator userGenerator;
    /** The generator this epoch draws from. */
    private Generator epochGenerator;

    RandomSampler(int n, Generator userGenerator) {
        if (n <= 0) {
            // PyTorch's message for an empty dataset with shuffle=True.
            throw new IllegalArgumentException("num_samples should be a positive integer value, but got num_samples=" + n);
        }
        this.n = n;
        this.userGenerator = userGenerator;
    }

    /** The epoch's order: the draws 1.13 makes on the first {@code next()} of {@code iter(sampler)}. */
    long[] startEpoch() {
        epochGenerator = userGenerator != null ? userGenerator : new Generator(randomInt64(Generator.defaultGenerator()));
        return epochGenerator.randperm(n);
    }

    /** The discarded permutation 1.13 draws when the epoch runs out (see the class comment). */
    void finishEpoch() {
        epochGenerator.randperm(n);
    }

    /**
     * {@code torch.empty((), dtype=torch.int64).random_(generator=g).item()}: the kernel draws
     * {@code random64()} and reduces it modulo {@code 2^63} (int64's max + 1), i.e. clears the top bit.
     */
    static long randomInt64(Generator g) {
        return g.random64() & Long.MAX_VALUE;
    }
}
