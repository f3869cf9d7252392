package dev.kiln.processor.model;

import java.util.List;

/** A model whose shapes all check: every layer's shapes, the outputs, and the parameter total. */
public record InferredModel(ModelDecl decl, List<InferredLayer> layers, List<String> outputs, TensorShape output) {
    public InferredModel {
        layers = List.copyOf(layers);
        outputs = List.copyOf(outputs);
    }

    public long parameters() { return layers.stream().mapToLong(InferredLayer::parameters).sum(); }
}
