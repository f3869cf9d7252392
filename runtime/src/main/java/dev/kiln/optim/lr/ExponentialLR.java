package dev.kiln.optim.lr;

import dev.kiln.optim.Optimizer;

import java.util.Map;

/** Multiplies the rate by {@code gamma} every epoch: PyTorch 1.13's {@code ExponentialLR}. */
public final class ExponentialLR extends LRScheduler {
    private double gamma;

    public ExponentialLR(Optimizer<?> optimizer, double gamma) { this(optimizer, gamma, -1); }

    public ExponentialLR(Optimizer<?> optimizer, double gamma, int lastEpoch) {
        super(optimizer, lastEpoch);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = groupLrs();
        if (lastEpoch == 0) return lr;
        for (int i = 0; i < lr.length; i++) lr[i] *= gamma;
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) lr[i] *= Math.pow(gamma, lastEpoch);
        return lr;
    }

    @Override
    protected void saveSettings(Map<String, Object> out) { out.put("gamma", gamma); }

    @Override
    protected void loadSettings(Map<String, Object> state) { gamma = number(state, "gamma", gamma); }
}
