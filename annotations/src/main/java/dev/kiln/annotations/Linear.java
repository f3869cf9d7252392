package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.Linear(in_features, value, bias)}: in_features is inferred from the previous layer. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Linear {
    /** out_features. */
    int value();

    /** in_features, checked against the previous layer when given; empty lets the compiler infer it (like LazyLinear). */
    int[] inFeatures() default {};

    boolean bias() default true;
}
