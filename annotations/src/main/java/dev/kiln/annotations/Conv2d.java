package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.Conv2d(in_channels, value, kernel_size, stride, padding, dilation, groups, bias)} over [N, C, H, W]; one element in an int[] means the same for height and width, as a Python int does. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Conv2d {
    /** out_channels. */
    int value();

    /** in_channels, checked when given; empty infers it. */
    int[] inChannels() default {};

    int[] kernelSize();

    int[] stride() default {1};

    int[] padding() default {0};

    int[] dilation() default {1};

    int groups() default 1;

    boolean bias() default true;
}
