package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.LayerNorm(normalized_shape, eps, elementwise_affine)}; an empty normalizedShape means the last dimension of the input. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface LayerNorm {
    int[] normalizedShape() default {};

    double eps() default 1e-5;

    boolean elementwiseAffine() default true;
}
