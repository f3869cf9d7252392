package dev.kiln.samples.compiled;

import dev.kiln.annotations.Embedding;
import dev.kiln.annotations.GELU;
import dev.kiln.annotations.Layer;
import dev.kiln.annotations.LayerNorm;
import dev.kiln.annotations.Linear;
import dev.kiln.annotations.Model;
import dev.kiln.annotations.Shape;

/**
 * A tiny per-token classifier over sequences of any length T: token ids (floats holding integers, 0 is padding) are
 * embedded, normalised and classified into 5 tags at every step, {@code [N, T] -> [N, T, 5]}. javac writes
 * {@code KilnTokenTagger}, whose {@code forward(x, n, t)} runs n sequences of t steps.
 */
@Model(input = @Shape(value = {}, symbolic = "T"))
public abstract class TokenTagger {
    @Embedding(numEmbeddings = 50, embeddingDim = 16, paddingIdx = 0) Layer emb;
    @LayerNorm Layer norm;
    @Linear(32) @GELU Layer fc;
    @Linear(5) Layer out;
}
