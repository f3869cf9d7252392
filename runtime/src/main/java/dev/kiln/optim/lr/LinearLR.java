package dev.kiln.optim.lr;

import dev.kiln.optim.Optimizer;

import java.util.Map;

/**
 * Scales the rate linearly from {@code startFactor} to {@code endFactor} of the base rate over
 * {@code totalIters} epochs, then holds it: PyTorch 1.13's {@code LinearLR} (a warm-up).
 */
public final class LinearLR extends LRScheduler {
    private double startFactor;
    private double endFactor;
    private int totalIters;

    /** start_factor=1/3, end_factor=1, total_iters=5. */
    public LinearLR(Optimizer<?> optimizer) { this(optimizer, 1.0 / 3, 1.0, 5, -1); }

    public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
        this(optimizer, startFactor, endFactor, totalIters, -1);
    }

    public LinearLR(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters, int lastEpoch) {
        super(optimizer, checkFactors(startFactor, endFactor, lastEpoch));
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    /** Validates before the base constructor touches the optimizer, as PyTorch does; passes lastEpoch through. */
    private static int checkFactors(double startFactor, double endFactor, int lastEpoch) {
        if (startFactor > 1.0 || startFactor < 0) {
            throw new IllegalArgumentException("Starting multiplicative factor expected to be between 0 and 1.");
        }
        if (endFactor > 1.0 || endFactor < 0) {
            throw new IllegalArgumentException("Ending multiplicative factor expected to be between 0 and 1.");
        }
        return lastEpoch;
    }

    @Override
    protected double[] computeLr() {
        double[] lr = groupLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lr.length; i++) lr[i] *= startFactor;
            return lr;
        }
        if (lastEpoch > totalIters) return lr;
        // Ratio of consecutive factors, so the rate is updated from its current value.
        double ratio = 1. + (endFactor - startFactor)
                / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
        for (int i = 0; i < lr.length; i++) lr[i] *= ratio;
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) {
            lr[i] *= startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters;
        }
        return lr;
    }

    @Override
    protected void saveSettings(Map<String, Object> out) {
        out.put("start_factor", startFactor);
        out.put("end_factor", endFactor);
        out.put("total_iters", totalIters);
    }

    @Override
    protected void loadSettings(Map<String, Object> state) {
        startFactor = number(state, "start_factor", startFactor);
        endFactor = number(state, "end_factor", endFactor);
        totalIters = (int) number(state, "total_iters", totalIters);
    }
}
