package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * {@code nn.Embedding(num_embeddings, embedding_dim, padding_idx)}: its input holds integer indices, read from a
 * float input ({@code [N]} or {@code [N, T]}), and it appends {@code embeddingDim} to the shape.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Embedding {
    int numEmbeddings();

    int embeddingDim();

    /**
     * padding_idx: empty for None, or one index (negative counts from the end) whose row starts at zero and gets no
     * gradient.
     */
    int[] paddingIdx() default {};
}
