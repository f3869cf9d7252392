package dev.kiln.optim.lr;

import dev.kiln.optim.Optimizer;

import java.util.Map;

/**
 * Cosine annealing from the base rate to {@code etaMin} over {@code tMax} epochs, then back up:
 * PyTorch 1.13's {@code CosineAnnealingLR}. The rate is updated recursively from the current one,
 * so changes made to the group's rate by others are carried along, as in PyTorch.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private int tMax;
    private double etaMin;

    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax) { this(optimizer, tMax, 0.0, -1); }

    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin) { this(optimizer, tMax, etaMin, -1); }

    public CosineAnnealingLR(Optimizer<?> optimizer, int tMax, double etaMin, int lastEpoch) {
        super(optimizer, lastEpoch);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = groupLrs();
        if (lastEpoch == 0) return lr;
        for (int i = 0; i < lr.length; i++) {
            if (stepCount == 1 && lastEpoch > 0) {
                // Resuming: no previous rate to recurse from, so use the closed form.
                lr[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(lastEpoch * Math.PI / tMax)) / 2;
            } else if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
                // At the bottom of the curve the ratio below would divide by zero.
                lr[i] = lr[i] + (baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            } else {
                lr[i] = (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax))
                        * (lr[i] - etaMin) + etaMin;
            }
        }
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) {
            lr[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
        }
        return lr;
    }

    @Override
    protected void saveSettings(Map<String, Object> out) {
        out.put("T_max", tMax);
        out.put("eta_min", etaMin);
    }

    @Override
    protected void loadSettings(Map<String, Object> state) {
        tMax = (int) number(state, "T_max", tMax);
        etaMin = number(state, "eta_min", etaMin);
    }
}
