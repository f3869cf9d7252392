package dev.kiln.processor.model;

import java.util.List;
import javax.lang.model.element.TypeElement;

/** A {@code @Model} class as read: its main input shape and its layers in declaration order. */
public record ModelDecl(TypeElement type, TensorShape input, List<LayerDecl> layers) {
    public ModelDecl {
        layers = List.copyOf(layers);
    }

    public String name() { return type.getSimpleName().toString(); }
}
