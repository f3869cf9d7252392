package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Wraps a {@link Block} (or the field's layer) in a skip connection: {@code y = x + layer(x)}; the shapes must agree. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Residual {}
