package dev.kiln.nn;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.PyRepr;
import dev.kiln.autograd.GradMode;
import dev.kiln.nn.init.Init;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's {@code _BatchNorm}): per-channel weight and
 * bias, running statistics with their update rule, and the train/eval switch. The subclasses only
 * say which input ranks they accept.
 */
public abstract class BatchNorm extends Module {
    private final int numFeatures;
    private final double eps;
    /** Null means a cumulative moving average (each batch weighted 1/num_batches_tracked). */
    private final Double momentum;
    private final boolean affine;
    private final boolean trackRunningStats;
    private final Tensor weight, bias, runningMean, runningVar, numBatchesTracked;

    protected BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats, DType dtype) {
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        weight = registerParameter("weight", affine ? Torch.empty(new int[] {numFeatures}, dtype) : null);
        bias = registerParameter("bias", affine ? Torch.empty(new int[] {numFeatures}, dtype) : null);
        runningMean = registerBuffer("running_mean", trackRunningStats ? Torch.zeros(new int[] {numFeatures}, dtype) : null);
        runningVar = registerBuffer("running_var", trackRunningStats ? Torch.ones(new int[] {numFeatures}, dtype) : null);
        numBatchesTracked = registerBuffer("num_batches_tracked", trackRunningStats ? Torch.zeros(new int[0], DType.INT64) : null);
        resetParameters();
    }

    /** Zero mean, unit variance, no batches seen. */
    public void resetRunningStats() {
        if (!trackRunningStats) return;
        try (var ignored = GradMode.noGrad()) {
            runningMean.zero_();
            runningVar.fill_(1.0);
            numBatchesTracked.zero_();
        }
    }

    /** Running statistics reset, weight 1 and bias 0: the layer starts as a pure normalisation. */
    public void resetParameters() {
        resetRunningStats();
        if (affine) {
            Init.ones_(weight);
            Init.zeros_(bias);
        }
    }

    /** Throws PyTorch's message when the input has a rank this layer does not accept. */
    protected abstract void checkInputDim(Tensor input);

    @Override
    public Tensor forward(Tensor input) {
        checkInputDim(input);
        boolean onDevice = DeviceFunctional.onDevice(input, weight, runningMean);
        double factor = 0.0;
        Tensor counted = null;
        if (isTraining() && trackRunningStats) {
            if (onDevice) {
                // The device adds the batch to num_batches_tracked with the running statistics; only the
                // cumulative average (momentum None) reads the count back to the host for its factor.
                counted = numBatchesTracked;
                factor = momentum == null ? 1.0 / (numBatchesTracked.longItem() + 1) : momentum;
            } else {
                try (var ignored = GradMode.noGrad()) {
                    numBatchesTracked.add_(1L);
                }
                factor = momentum == null ? 1.0 / numBatchesTracked.longItem() : momentum;
            }
        }
        // Batch statistics when training, or when there are no running ones to use in eval.
        boolean useBatchStats = isTraining() || !trackRunningStats;
        boolean passRunning = !isTraining() || trackRunningStats;
        return NormOps.batchNorm(input, passRunning ? runningMean : null, passRunning ? runningVar : null, counted,
                weight, bias, useBatchStats, factor, eps);
    }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }

    public Tensor runningMean() { return runningMean; }

    public Tensor runningVar() { return runningVar; }

    public Tensor numBatchesTracked() { return numBatchesTracked; }

    public int numFeatures() { return numFeatures; }

    public double eps() { return eps; }

    public boolean affine() { return affine; }

    public boolean trackRunningStats() { return trackRunningStats; }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + PyRepr.of(eps) + ", momentum=" + (momentum == null ? "None" : PyRepr.of(momentum))
                + ", affine=" + PyRepr.of(affine) + ", track_running_stats=" + PyRepr.of(trackRunningStats);
    }
}
