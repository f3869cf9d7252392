package dev.kiln.data;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * scikit-learn's {@code StandardScaler}: {@code z = (x - mean) / scale} per column, where mean and
 * the population standard deviation (ddof 0) come from {@link #fit} on the training data only, so
 * that no statistic of the test set leaks into the model.
 *
 * <p>As in scikit-learn the statistics are float64, and a float32 input is transformed in two steps
 * that each compute in float64 and round back to float32 ({@code X -= mean_; X /= scale_} on a
 * float32 array). Statistics are summed left to right where numpy sums pairwise, so they may
 * differ from sklearn's in the last bits of a float64, which float32 outputs almost never show. A constant column gets scale 1
 * (sklearn's {@code _is_constant_feature} test, which also catches variances that are rounding
 * noise) and is mapped to 0 rather than to NaN.
 */
public final class StandardScaler {
    private double[] mean;
    private double[] var;
    private double[] scale;
    private int samplesSeen;

    /** Learns each column's mean and standard deviation from {@code x} ({@code [samples, features]}). */
    public StandardScaler fit(Tensor x) {
        check2d(x);
        int n = x.size(0), f = x.size(1);
        if (n == 0) throw new IllegalArgumentException("Found array with 0 sample(s) while a minimum of 1 is required by StandardScaler.");
        double[] v = x.toDoubleArray();
        double[] m = new double[f], s2 = new double[f], sc = new double[f], c = new double[f];
        for (int i = 0; i < n; i++) for (int j = 0; j < f; j++) m[j] += v[i * f + j];
        for (int j = 0; j < f; j++) m[j] /= n;
        // Two passes, with sklearn's correction term (the deviations' own sum, ideally 0), which
        // removes most of the error a rounded mean leaves in the squared deviations.
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double d = v[i * f + j] - m[j];
                c[j] += d;
                s2[j] += d * d;
            }
        }
        double eps = Math.ulp(1.0);
        for (int j = 0; j < f; j++) {
            s2[j] = (s2[j] - c[j] * c[j] / n) / n;
            double bound = n * eps * s2[j] + Math.pow(n * m[j] * eps, 2); // sklearn's _is_constant_feature
            sc[j] = s2[j] <= bound ? 1.0 : Math.sqrt(s2[j]);
        }
        mean = m;
        var = s2;
        scale = sc;
        samplesSeen = n;
        return this;
    }

    /** {@code (x - mean) / scale}, in x's floating dtype (integer input gives float32). */
    public Tensor transform(Tensor x) {
        return apply(x, false);
    }

    /** {@code fit(x)} then {@code transform(x)}. */
    public Tensor fitTransform(Tensor x) {
        return fit(x).transform(x);
    }

    /** {@code z * scale + mean}: back to the original units (predictions of a scaled target, say). */
    public Tensor inverseTransform(Tensor z) {
        return apply(z, true);
    }

    /** Per-column means ({@code mean_}), float64. */
    public Tensor mean() { return Torch.fromArray(fitted(mean).clone(), mean.length); }

    /** Per-column population variances ({@code var_}), float64. */
    public Tensor var() { return Torch.fromArray(fitted(var).clone(), var.length); }

    /** Per-column divisors ({@code scale_}): the standard deviation, or 1 for a constant column. */
    public Tensor scale() { return Torch.fromArray(fitted(scale).clone(), scale.length); }

    /** Rows seen by {@link #fit} ({@code n_samples_seen_}). */
    public int samplesSeen() { fitted(mean); return samplesSeen; }

    private Tensor apply(Tensor x, boolean inverse) {
        fitted(mean);
        check2d(x);
        if (x.size(1) != mean.length) {
            throw new IllegalArgumentException("X has " + x.size(1) + " features, but StandardScaler is expecting "
                    + mean.length + " features as input.");
        }
        DType out = x.isFloatingPoint() && x.dtype() != DType.FLOAT16 ? x.dtype() : DType.FLOAT32;
        int n = x.size(0), f = mean.length;
        double[] v = x.toDoubleArray();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                double a = v[i * f + j];
                // Each step rounds to the output dtype, as sklearn's in-place numpy ops on a float32 array do.
                v[i * f + j] = inverse ? round(round(a * scale[j], out) + mean[j], out) : round(round(a - mean[j], out) / scale[j], out);
            }
        }
        return Torch.fromArray(v, n, f).to(out);
    }

    private static double round(double v, DType dtype) {
        return dtype == DType.FLOAT32 ? (float) v : v;
    }

    private static void check2d(Tensor x) {
        if (x.dim() != 2) {
            throw new IllegalArgumentException("Expected 2D array [samples, features], got a " + x.dim() + "-D tensor of shape " + x.shape());
        }
    }

    private static double[] fitted(double[] stat) {
        if (stat == null) {
            throw new IllegalStateException("This StandardScaler instance is not fitted yet. Call 'fit' with appropriate "
                    + "arguments before using this estimator.");
        }
        return stat;
    }
}
