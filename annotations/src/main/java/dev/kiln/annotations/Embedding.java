package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.Embedding(num_embeddings, embedding_dim)}: its input holds integer indices, read from a float input. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Embedding {
    int numEmbeddings();

    int embeddingDim();
}
