package dev.kiln.annotations;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A tensor shape after the batch dimension N. {@code symbolic} names dimensions whose size is only
 * known at run time (a sequence length T, a node count); they come right after N, before the fixed
 * sizes: {@code @Shape(value = 64, symbolic = "T")} is {@code [N, T, 64]}.
 */
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Shape {
    int[] value();

    String[] symbolic() default {};
}
