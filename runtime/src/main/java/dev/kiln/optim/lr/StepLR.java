package dev.kiln.optim.lr;

import dev.kiln.optim.Optimizer;

import java.util.Map;

/** Multiplies the rate by {@code gamma} every {@code stepSize} epochs: PyTorch 1.13's {@code StepLR}. */
public final class StepLR extends LRScheduler {
    private int stepSize;
    private double gamma;

    public StepLR(Optimizer<?> optimizer, int stepSize) { this(optimizer, stepSize, 0.1, -1); }

    public StepLR(Optimizer<?> optimizer, int stepSize, double gamma) { this(optimizer, stepSize, gamma, -1); }

    public StepLR(Optimizer<?> optimizer, int stepSize, double gamma, int lastEpoch) {
        super(optimizer, lastEpoch);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = groupLrs();
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) return lr;
        for (int i = 0; i < lr.length; i++) lr[i] *= gamma;
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) lr[i] *= Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize));
        return lr;
    }

    @Override
    protected void saveSettings(Map<String, Object> out) {
        out.put("step_size", stepSize);
        out.put("gamma", gamma);
    }

    @Override
    protected void loadSettings(Map<String, Object> state) {
        stepSize = (int) number(state, "step_size", stepSize);
        gamma = number(state, "gamma", gamma);
    }
}
