package dev.kiln.nn;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/** Batch normalisation of {@code [N, C]} or {@code [N, C, L]} inputs over N (and L) per channel C. */
public class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(int numFeatures) { this(numFeatures, 1e-5, 0.1, true, true); }

    /** {@code momentum} null selects the cumulative moving average. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        this(numFeatures, eps, momentum, affine, trackRunningStats, DType.FLOAT32);
    }

    /** With PyTorch's {@code dtype=} factory argument for parameters and running statistics. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        super(numFeatures, eps, momentum, affine, trackRunningStats, dtype);
    }

    @Override
    protected void checkInputDim(Tensor input) {
        if (input.dim() != 2 && input.dim() != 3) {
            throw new IllegalArgumentException("expected 2D or 3D input (got " + input.dim() + "D input)");
        }
    }
}
