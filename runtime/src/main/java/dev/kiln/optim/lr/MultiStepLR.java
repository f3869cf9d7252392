package dev.kiln.optim.lr;

import dev.kiln.optim.Optimizer;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Multiplies the rate by {@code gamma} at each milestone epoch: PyTorch 1.13's {@code MultiStepLR}.
 * Milestones are a multiset (PyTorch's {@code Counter}): a repeated milestone applies gamma again.
 */
public final class MultiStepLR extends LRScheduler {
    private TreeMap<Integer, Integer> milestones = new TreeMap<>();
    private double gamma;

    public MultiStepLR(Optimizer<?> optimizer, List<Integer> milestones) { this(optimizer, milestones, 0.1, -1); }

    public MultiStepLR(Optimizer<?> optimizer, List<Integer> milestones, double gamma) {
        this(optimizer, milestones, gamma, -1);
    }

    public MultiStepLR(Optimizer<?> optimizer, List<Integer> milestones, double gamma, int lastEpoch) {
        super(optimizer, lastEpoch);
        for (int m : milestones) this.milestones.merge(m, 1, Integer::sum);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = groupLrs();
        Integer count = milestones.get(lastEpoch);
        if (count == null) return lr;
        for (int i = 0; i < lr.length; i++) lr[i] *= Math.pow(gamma, count);
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        // bisect_right over the sorted milestones, counting repeats.
        int passed = milestones.headMap(lastEpoch, true).values().stream().mapToInt(Integer::intValue).sum();
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) lr[i] *= Math.pow(gamma, passed);
        return lr;
    }

    @Override
    protected void saveSettings(Map<String, Object> out) {
        out.put("milestones", new TreeMap<>(milestones));
        out.put("gamma", gamma);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void loadSettings(Map<String, Object> state) {
        if (state.get("milestones") instanceof Map<?, ?> m) milestones = new TreeMap<>((Map<Integer, Integer>) m);
        gamma = number(state, "gamma", gamma);
    }
}
