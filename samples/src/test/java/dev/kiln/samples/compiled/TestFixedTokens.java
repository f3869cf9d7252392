package dev.kiln.samples.compiled;

import dev.kiln.annotations.Embedding;
import dev.kiln.annotations.Flatten;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.LayerNorm;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;

/** Three tokens per sample (no symbolic dim), the last row as padding, and a LayerNorm over two dimensions [3, 4]. */
@Model(input = @Shape(3))
abstract class TestFixedTokens {
    @Embedding(numEmbeddings = 10, embeddingDim = 4, paddingIdx = -1) Layer emb;
    @LayerNorm(normalizedShape = {3, 4}) Layer norm;
    @Flatten Layer flat;
    @Linear(2) Layer out;
}
