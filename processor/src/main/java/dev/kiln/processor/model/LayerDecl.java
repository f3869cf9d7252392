package dev.kiln.processor.model;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.VariableElement;

/**
 * One {@code Layer} field as declared: its op, the activation fused after it, its initialiser and its
 * wiring. {@code mirror} is the layer annotation, where diagnostics about the layer point.
 */
public record LayerDecl(String name, VariableElement element, AnnotationMirror mirror, LayerOp op,
                        Optional<LayerOp.Activation> activation, Optional<InitSpec> init, boolean residual,
                        List<String> from, boolean output) {
    public LayerDecl {
        from = List.copyOf(from);
    }

    /** "Linear + ReLU" style label. */
    public String label() {
        return op.torchName() + activation.map(a -> " + " + a.torchName()).orElse("");
    }
}
