package dev.kiln.optim;

import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code optimizer.state_dict()}: per-parameter state keyed by the parameter's position
 * across all groups (PyTorch's integer ids), and each group's options with the positions of its
 * parameters. State values are tensors (step counts, buffers), numbers, or null.
 */
public record OptimizerStateDict<O extends OptimizerOptions<O>>(
        Map<Integer, Map<String, Object>> state, List<Group<O>> paramGroups) {

    /** One group: its options, the scheduler's initial lr (null if none) and its parameter ids. */
    public record Group<O extends OptimizerOptions<O>>(O options, Double initialLr, List<Integer> params) {}
}
