package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code load_state_dict}'s checked copy, shared by eager modules and generated models: every problem (missing
 * and unexpected keys in strict mode, size mismatches) is collected and reported the way PyTorch words it, and
 * nothing is copied unless all is well, so a failed load leaves the model as it was.
 */
public final class StateDictCopy {
    private StateDictCopy() {}

    /**
     * Copies {@code source} into the tensors of {@code target} (same keys); {@code owner} names the model in the
     * error, {@code strictHint} is appended to it in strict mode.
     */
    public static void load(String owner, Map<String, Tensor> target, Map<String, Tensor> source, boolean strict,
                            String strictHint) {
        List<String> errors = new ArrayList<>();
        if (strict) {
            List<String> missing = target.keySet().stream().filter(k -> !source.containsKey(k)).toList();
            List<String> unexpected = source.keySet().stream().filter(k -> !target.containsKey(k)).toList();
            if (!missing.isEmpty()) errors.add("Missing key(s) in state_dict: " + quoted(missing) + ".");
            if (!unexpected.isEmpty()) errors.add("Unexpected key(s) in state_dict: " + quoted(unexpected) + ".");
        }
        for (var e : source.entrySet()) {
            Tensor own = target.get(e.getKey());
            if (own != null && !own.shape().equals(e.getValue().shape())) {
                errors.add("size mismatch for " + e.getKey() + ": copying a param with shape " + e.getValue().shape()
                        + " from checkpoint, the shape in current model is " + own.shape() + ".");
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + owner + ":\n\t"
                    + String.join("\n\t", errors) + (strict ? strictHint : ""));
        }
        try (var ignored = GradMode.noGrad()) {
            for (var e : source.entrySet()) {
                Tensor own = target.get(e.getKey());
                if (own != null) own.copy_(e.getValue());
            }
        }
    }

    /** {@code "a", "b"}: keys as PyTorch lists them in its messages. */
    public static String quoted(List<String> keys) {
        return String.join(", ", keys.stream().map(k -> "\"" + k + "\"").toList());
    }
}
