package dev.kiln.compiled;

import dev.kiln.tensor.Torch;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tensors that view slices of a generated model's flat buffers, and the state-dict copy that checks
 * keys and shapes the way {@code nn.Module.load_state_dict} does.
 */
public final class FlatViews {
    private FlatViews() {}

    /** A contiguous tensor of {@code shape} over {@code buffer[offset, offset + numel)}: writes go both ways. */
    public static Tensor view(float[] buffer, int offset, int... shape) {
        int numel = 1;
        for (int d : shape) numel *= d;
        Tensor flat = Torch.fromArray(buffer, buffer.length).narrow(0, offset, numel);
        return flat.view(shape);
    }

    /** A trainable view whose {@code .grad} views the same slice of the gradient buffer, so eager optimizers can step it. */
    public static Tensor parameter(float[] params, float[] grads, int offset, int... shape) {
        Tensor p = view(params, offset, shape).requiresGrad_(true);
        p.setGrad(view(grads, offset, shape));
        return p;
    }

    /** Copies {@code source} into the views of {@code target}; strict mode rejects missing and unexpected keys. */
    public static void load(Map<String, Tensor> target, Map<String, Tensor> source, boolean strict) {
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : target.keySet()) if (!source.containsKey(k)) missing.add(k);
        for (String k : source.keySet()) if (!target.containsKey(k)) unexpected.add(k);
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException("Error(s) in loading state_dict: missing keys " + missing
                    + ", unexpected keys " + unexpected);
        }
        for (var e : target.entrySet()) {
            Tensor src = source.get(e.getKey());
            if (src == null) continue;
            if (!src.size().equals(e.getValue().size())) {
                throw new IllegalArgumentException("size mismatch for " + e.getKey() + ": copying a param with shape "
                        + src.size() + ", the shape in current model is " + e.getValue().size());
            }
            e.getValue().copy_(src.detach());
        }
    }
}
