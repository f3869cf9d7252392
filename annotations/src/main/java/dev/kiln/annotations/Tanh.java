package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** {@code nn.Tanh}. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Tanh {}
