package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad)}; an empty stride means kernel_size. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface AvgPool2d {
    /** kernel_size. */
    int[] value();

    int[] stride() default {};

    int[] padding() default {0};

    boolean ceilMode() default false;

    boolean countIncludePad() default true;
}
