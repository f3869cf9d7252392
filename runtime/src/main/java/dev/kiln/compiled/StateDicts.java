package dev.kiln.compiled;

import dev.kiln.nn.StateDictCopy;
import dev.kiln.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two key forms of a generated model's state dict, field keys ({@code fc1.weight}) and those of the equivalent
 * {@code nn.Sequential} ({@code 0.weight}), and loading either into the model's views through the eager modules'
 * checked copy ({@link StateDictCopy}).
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
        StateDictCopy.load(owner, target, source, strict, "");
    }

    /**
     * Loads {@code source} in whichever form it uses: the one sharing more keys with it (field keys on a tie; they
     * cannot collide, since field names never start with a digit). When neither fits, the error lists the keys
     * against the field form and names the Sequential form as the other accepted one.
     */
    public static void load(String owner, Map<String, Tensor> fields, Map<String, Tensor> sequential, Map<String, Tensor> source,
                            boolean strict) {
        int byField = shared(fields, source), bySequential = shared(sequential, source);
        if (bySequential > byField) StateDictCopy.load(owner, sequential, source, strict, "");
        else StateDictCopy.load(owner, fields, source, strict, byField == 0
                ? "\n\t(nn.Sequential keys are accepted too: " + StateDictCopy.quoted(List.copyOf(sequential.keySet())) + ")" : "");
    }

    private static int shared(Map<String, Tensor> target, Map<String, Tensor> source) {
        int n = 0;
        for (String k : source.keySet()) if (target.containsKey(k)) n++;
        return n;
    }
}
