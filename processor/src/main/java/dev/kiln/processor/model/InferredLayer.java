package dev.kiln.processor.model;

import java.util.List;

/**
 * A layer after shape inference: input and output shapes and its trainable parameter count. A block
 * carries its inferred body once per repetition.
 */
public record InferredLayer(LayerDecl decl, TensorShape in, TensorShape out, long parameters, List<InferredModel> body) {
    public InferredLayer {
        body = List.copyOf(body);
    }
}
