package dev.kiln.data;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.random.Generator;

import java.util.Arrays;
import java.util.TreeMap;

/** Splitting and label encoding for tabular data: scikit-learn's {@code train_test_split} and {@code F.one_hot}. */
public final class Preprocessing {
    private Preprocessing() {}

    /**
     * {@code torch.nn.functional.one_hot(labels, numClasses)}: int64 with a new last dimension of
     * size {@code numClasses}, 1 at each label. {@code numClasses = -1} uses {@code max + 1}.
     */
    public static Tensor oneHot(Tensor labels, int numClasses) {
        if (labels.dtype() != DType.INT64) throw new IllegalArgumentException("one_hot is only applicable to index tensor.");
        long[] y = labels.toLongArray();
        long max = -1;
        for (long v : y) {
            if (v < 0) throw new IllegalArgumentException("Class values must be non-negative.");
            max = Math.max(max, v);
        }
        if (numClasses == -1) {
            if (y.length == 0) throw new IllegalArgumentException("Can not infer total number of classes from empty tensor.");
            numClasses = Math.toIntExact(max + 1);
        } else if (numClasses < -1 || max >= numClasses) {
            throw new IllegalArgumentException("Class values must be smaller than num_classes.");
        }
        long[] out = new long[y.length * numClasses];
        for (int i = 0; i < y.length; i++) out[i * numClasses + (int) y[i]] = 1;
        int[] shape = Arrays.copyOf(labels.shape().toArray(), labels.dim() + 1);
        shape[labels.dim()] = numClasses;
        return Torch.fromArray(out, shape);
    }

    /** {@code oneHot(labels, -1)}. */
    public static Tensor oneHot(Tensor labels) { return oneHot(labels, -1); }

    /**
     * Splits rows into a training and a test part, as scikit-learn's
     * {@code train_test_split(X, y, test_size=testSize, random_state=seed, stratify=y if stratify)}:
     * {@code ceil(testSize * n)} test rows, the rest for training, both in shuffled order.
     *
     * <p>The shuffle comes from a Kiln {@link Generator} seeded with {@code seed}, so a split is
     * reproducible in Kiln but is not the same rows numpy's RandomState would pick. With
     * {@code stratify}, each class gets its share of the test rows, rounded by largest remainder
     * (ties to the smaller class label), so class proportions match in both parts.
     *
     * @param labels int64 {@code [n]}; used for stratification
     */
    public static TrainTestSplit trainTestSplit(Tensor features, Tensor labels, double testSize, long seed, boolean stratify) {
        int n = features.size(0);
        if (labels.dim() != 1 || labels.size(0) != n) {
            throw new IllegalArgumentException("Found input variables with inconsistent numbers of samples: [" + n + ", "
                    + (labels.dim() == 0 ? 1 : labels.size(0)) + "]");
        }
        if (!(testSize > 0 && testSize < 1)) {
            throw new IllegalArgumentException("test_size=" + testSize + " should be a float in the (0, 1) range");
        }
        int nTest = (int) Math.ceil(testSize * n);
        int nTrain = n - nTest;
        if (nTrain == 0) {
            throw new IllegalArgumentException("With n_samples=" + n + ", test_size=" + testSize
                    + " and train_size=None, the resulting train set will be empty. Adjust any of the aforementioned parameters.");
        }
        Generator g = new Generator(seed);
        long[] test, train;
        if (!stratify) {
            long[] perm = g.randperm(n);
            test = Arrays.copyOfRange(perm, 0, nTest);
            train = Arrays.copyOfRange(perm, nTest, n);
        } else {
            long[][] parts = stratified(labels.toLongArray(), nTest, nTrain, g);
            test = shuffled(parts[0], g);
            train = shuffled(parts[1], g);
        }
        Tensor trainIdx = Torch.fromArray(train, train.length), testIdx = Torch.fromArray(test, test.length);
        return new TrainTestSplit(features.get(trainIdx), features.get(testIdx), labels.get(trainIdx), labels.get(testIdx),
                trainIdx, testIdx);
    }

    /** Per-class test counts by largest remainder, then a random pick within each class. */
    private static long[][] stratified(long[] y, int nTest, int nTrain, Generator g) {
        TreeMap<Long, Integer> counts = new TreeMap<>();
        for (long v : y) counts.merge(v, 1, Integer::sum);
        int classes = counts.size();
        if (counts.values().stream().anyMatch(c -> c < 2)) {
            throw new IllegalArgumentException("The least populated class in y has only 1 member, which is too few. "
                    + "The minimum number of groups for any class cannot be less than 2.");
        }
        if (nTest < classes || nTrain < classes) {
            throw new IllegalArgumentException("The " + (nTest < classes ? "test_size = " + nTest : "train_size = " + nTrain)
                    + " should be greater or equal to the number of classes = " + classes);
        }
        long[] labels = counts.keySet().stream().mapToLong(Long::longValue).toArray();
        int[] take = new int[classes];
        double[] rest = new double[classes];
        int given = 0;
        for (int k = 0; k < classes; k++) {
            double exact = (double) nTest * counts.get(labels[k]) / y.length;
            take[k] = (int) Math.floor(exact);
            rest[k] = exact - take[k];
            given += take[k];
        }
        for (; given < nTest; given++) {
            int best = 0;
            for (int k = 1; k < classes; k++) if (rest[k] > rest[best]) best = k;
            take[best]++;
            rest[best] = -1;
        }
        long[] test = new long[nTest], train = new long[y.length - nTest];
        int t = 0, r = 0;
        for (int k = 0; k < classes; k++) {
            long[] members = new long[counts.get(labels[k])];
            int m = 0;
            for (int i = 0; i < y.length; i++) if (y[i] == labels[k]) members[m++] = i;
            long[] perm = g.randperm(members.length);
            for (int i = 0; i < members.length; i++) {
                long row = members[(int) perm[i]];
                if (i < take[k]) test[t++] = row;
                else train[r++] = row;
            }
        }
        return new long[][] {test, train};
    }

    /** Mixes the classes, which stratification left grouped. */
    private static long[] shuffled(long[] rows, Generator g) {
        long[] perm = g.randperm(rows.length);
        long[] out = new long[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = rows[(int) perm[i]];
        return out;
    }
}
