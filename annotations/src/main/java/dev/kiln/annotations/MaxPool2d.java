package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode)}; an empty stride means kernel_size, as PyTorch's None does. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface MaxPool2d {
    /** kernel_size. */
    int[] value();

    int[] stride() default {};

    int[] padding() default {0};

    int[] dilation() default {1};

    boolean ceilMode() default false;
}
