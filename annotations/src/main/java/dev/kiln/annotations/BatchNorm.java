package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.BatchNorm1d} over [N, C] or [N, C, L], {@code nn.BatchNorm2d} over [N, C, H, W]: the rank of the input picks which; num_features is inferred. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface BatchNorm {
    /** num_features, checked when given; empty infers it. */
    int[] numFeatures() default {};

    double eps() default 1e-5;

    double momentum() default 0.1;

    boolean affine() default true;

    boolean trackRunningStats() default true;
}
