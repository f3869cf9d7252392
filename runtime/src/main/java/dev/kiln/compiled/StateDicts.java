package dev.kiln.compiled;

import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two key forms of a generated model's state dict, field keys ({@code fc1.weight}) and those of the equivalent
 * {@code nn.Sequential} ({@code 0.weight}), and the checked copy of a loaded dict into the model's views, reporting
 * problems the way {@code nn.Module.load_state_dict} does.
 */
public final class StateDicts {
    private StateDicts() {}

    /** The same views under new keys; {@code keys} lists them in {@code views}' order. */
    public static Map<String, Tensor> rekey(Map<String, Tensor> views, String[] keys) {
        if (keys.length != views.size()) throw new IllegalArgumentException(keys.length + " keys for " + views.size() + " tensors");
        Map<String, Tensor> out = new LinkedHashMap<>();
        int i = 0;
        for (Tensor t : views.values()) out.put(keys[i++], t);
        return out;
    }

    /** Loads field-keyed {@code source} into {@code target}; strict mode rejects missing and unexpected keys. */
    public static void load(String owner, Map<String, Tensor> target, Map<String, Tensor> source, boolean strict) {
        copy(owner, target, source, strict, "");
    }

    /**
     * Loads {@code source} in whichever form it uses: the one sharing more keys with it (field keys on a tie; they
     * cannot collide, since field names never start with a digit). When neither fits, the error lists the keys
     * against the field form and names the Sequential form as the other accepted one.
     */
    public static void load(String owner, Map<String, Tensor> fields, Map<String, Tensor> sequential, Map<String, Tensor> source,
                            boolean strict) {
        int byField = shared(fields, source), bySequential = shared(sequential, source);
        if (bySequential > byField) copy(owner, sequential, source, strict, "");
        else copy(owner, fields, source, strict, byField == 0
                ? "\n\t(nn.Sequential keys are accepted too: " + quoted(List.copyOf(sequential.keySet())) + ")" : "");
    }

    private static int shared(Map<String, Tensor> target, Map<String, Tensor> source) {
        int n = 0;
        for (String k : source.keySet()) if (target.containsKey(k)) n++;
        return n;
    }

    /** Checks everything first, so a failed load leaves the model as it was. */
    private static void copy(String owner, Map<String, Tensor> target, Map<String, Tensor> source, boolean strict, String hint) {
        List<String> errors = new ArrayList<>();
        if (strict) {
            List<String> missing = target.keySet().stream().filter(k -> !source.containsKey(k)).toList();
            List<String> unexpected = source.keySet().stream().filter(k -> !target.containsKey(k)).toList();
            if (!missing.isEmpty()) errors.add("Missing key(s) in state_dict: " + quoted(missing) + ".");
            if (!unexpected.isEmpty()) errors.add("Unexpected key(s) in state_dict: " + quoted(unexpected) + ".");
        }
        for (var e : target.entrySet()) {
            Tensor src = source.get(e.getKey());
            if (src != null && !src.size().equals(e.getValue().size())) {
                errors.add("size mismatch for " + e.getKey() + ": copying a param with shape " + src.size()
                        + " from checkpoint, the shape in current model is " + e.getValue().size() + ".");
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + owner + ":\n\t"
                    + String.join("\n\t", errors) + (strict ? hint : ""));
        }
        for (var e : target.entrySet()) {
            Tensor src = source.get(e.getKey());
            if (src != null) e.getValue().copy_(src.detach());
        }
    }

    private static String quoted(List<String> keys) {
        return String.join(", ", keys.stream().map(k -> "\"" + k + "\"").toList());
    }
}
