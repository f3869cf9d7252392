package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a layer's result as an output of the model; without any, the last layer is the one output. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Output {}
