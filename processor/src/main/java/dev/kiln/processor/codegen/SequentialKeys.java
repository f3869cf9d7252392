package dev.kiln.processor.codegen;

import dev.kiln.processor.model.InferredLayer;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * State-dict keys of the {@code nn.Sequential} equivalent to a chain model, so weights move between the generated class,
 * an eager Sequential and PyTorch. A Sequential numbers every module, parameter-free ones included: {@code @Linear @ReLU
 * Layer fc1} is two modules, and Flatten, Dropout and pooling take an index each. A block becomes a nested Sequential of
 * its layers ({@code 3.0.weight}); a repeated block a Sequential of those ({@code 3.1.0.weight}), mirroring the field keys
 * {@code cells.1.fc.weight}.
 * <p>
 * A model with {@code @Residual}, {@code @Input}, {@code @From}, {@code @MatMul} or an {@code @Output} that is not its last
 * layer has no faithful Sequential equivalent (a Sequential cannot add a skip or take two inputs; PyTorch code would need a
 * custom module whose key names are its own choice), so it keeps field keys only.
 */
final class SequentialKeys {
    /** Field-key prefix ({@code fc1}, {@code cells.1.fc}) to Sequential prefix ({@code 0}, {@code 3.1.0}). */
    private final Map<String, String> prefixes = new LinkedHashMap<>();
    private final String layout;

    private SequentialKeys(InferredModel model) {
        this.layout = walk(model, "", "");
    }

    /** The Sequential keys of a chain model, or empty with {@link #obstacle} saying why there are none. */
    static Optional<SequentialKeys> of(InferredModel model) {
        return obstacle(model).isPresent() ? Optional.empty() : Optional.of(new SequentialKeys(model));
    }

    /** What keeps the model from being one chain of modules, if anything. */
    static Optional<String> obstacle(InferredModel model) {
        List<InferredLayer> layers = model.layers();
        if (layers.isEmpty()) return Optional.of("no layers");
        for (InferredLayer l : layers) {
            LayerDecl d = l.decl();
            if (d.residual()) return Optional.of("a {@code @Residual} skip connection");
            if (d.op() instanceof LayerOp.Input) return Optional.of("several inputs ({@code @Input})");
            if (d.op() instanceof LayerOp.MatMul || !d.from().isEmpty()) return Optional.of("{@code @From} wiring");
            if (d.op() instanceof LayerOp.Block) {
                Optional<String> inner = obstacle(l.body().getFirst());
                if (inner.isPresent()) return inner;
            }
        }
        if (!model.outputs().equals(List.of(layers.getLast().decl().name()))) return Optional.of("an {@code @Output} before the last layer");
        return Optional.empty();
    }

    /** Numbers the layers, recording parameter-holding prefixes; returns the layout for the Javadoc ({@code 0 fc1, 1 ReLU}). */
    private String walk(InferredModel model, String fieldPrefix, String seqPrefix) {
        List<String> parts = new ArrayList<>();
        int index = 0;
        for (InferredLayer l : model.layers()) {
            LayerDecl d = l.decl();
            String field = fieldPrefix + d.name(), seq = seqPrefix + index;
            if (d.op() instanceof LayerOp.Block b) {
                String body = "";
                for (int r = 0; r < l.body().size(); r++) {
                    String rep = b.repeat() > 1 ? "." + r : "";
                    body = walk(l.body().get(r), field + rep + ".", seq + rep + ".");
                }
                parts.add(index + " " + d.name() + " [" + (b.repeat() > 1 ? b.repeat() + " x [" + body + "]" : body) + "]");
            } else {
                prefixes.put(field, seq);
                parts.add(index + " " + d.name());
            }
            index++;
            if (d.activation().isPresent()) parts.add(index++ + " " + d.activation().get().torchName());
        }
        return String.join(", ", parts);
    }

    /** The Sequential key for a field key such as {@code fc1.weight} or {@code cells.1.fc.bias}. */
    String key(String fieldKey) {
        int dot = fieldKey.lastIndexOf('.');
        String prefix = prefixes.get(fieldKey.substring(0, dot));
        if (prefix == null) throw new IllegalStateException("no Sequential index for " + fieldKey);
        return prefix + fieldKey.substring(dot);
    }

    /** Module indices in the Sequential, nested blocks in brackets: {@code 0 fc1, 1 ReLU, 2 fc2}. */
    String layout() { return layout; }
}
