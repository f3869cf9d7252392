package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.ReLU}: on its own field a layer, beside a layer annotation fused after it. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface ReLU {}
