package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.LeakyReLU(negative_slope=0.01)}. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface LeakyReLU {
    double negativeSlope() default 0.01;
}
