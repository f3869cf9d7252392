package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Weight initialisers, one nested annotation each, named as {@code torch.nn.init}. Without one a layer
 * gets PyTorch's own default (Linear and Conv2d: kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)); bias always keeps that default).
 *
 * <p>Order of random draws, so seeds reproduce PyTorch: every layer first draws its defaults in
 * declaration order (as constructing the modules does), then the annotated initialisers run in
 * declaration order (as a loop of {@code nn.init.*_(layer.weight)} after construction does).
 */
public @interface Init {
    /** {@code xavier_uniform_(w, gain)}. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface XavierUniform { double gain() default 1.0; }

    /** {@code xavier_normal_(w, gain)}. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface XavierNormal { double gain() default 1.0; }

    /** {@code kaiming_uniform_(w, a, mode='fan_in' or 'fan_out', nonlinearity='leaky_relu')}; a = 0 is the ReLU gain. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface KaimingUniform { double a() default 0; boolean fanOut() default false; }

    /** {@code kaiming_normal_(w, a, mode, nonlinearity='leaky_relu')}. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface KaimingNormal { double a() default 0; boolean fanOut() default false; }

    /** {@code normal_(w, mean, std)}. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface Normal { double mean() default 0; double std() default 1; }

    /** {@code uniform_(w, a, b)}. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface Uniform { double a() default 0; double b() default 1; }

    /** {@code zeros_(w)}. */
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.FIELD)
    @interface Zeros {}
}
