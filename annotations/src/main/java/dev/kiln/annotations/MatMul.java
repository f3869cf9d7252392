package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * {@code torch.matmul(a, b)} per sample of two sources named by {@link From}: {@code [N, M, K] x [N, K, P] -> [N, M, P]}.
 * A graph convolution is {@code @MatMul @From({"adj", "h"})} (adjacency times node features, the adjacency an
 * {@link Input}) followed by a {@code @Linear} over the feature dimension.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface MatMul {}
