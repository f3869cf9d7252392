package dev.kiln.nn;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/** Batch normalisation of {@code [N, C, H, W]} inputs over N, H and W per channel C. */
public class BatchNorm2d extends BatchNorm {
    public BatchNorm2d(int numFeatures) { this(numFeatures, 1e-5, 0.1, true, true); }

    /** {@code momentum} null selects the cumulative moving average. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        this(numFeatures, eps, momentum, affine, trackRunningStats, DType.FLOAT32);
    }

    /** With PyTorch's {@code dtype=} factory argument for parameters and running statistics. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        super(numFeatures, eps, momentum, affine, trackRunningStats, dtype);
    }

    @Override
    protected void checkInputDim(Tensor input) {
        if (input.dim() != 4) throw new IllegalArgumentException("expected 4D input (got " + input.dim() + "D input)");
    }
}
