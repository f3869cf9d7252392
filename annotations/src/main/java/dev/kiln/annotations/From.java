package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The inputs of this layer by name (fields or {@link Input}s declared before it); without it a layer takes the previous layer's output. Two names feed a two-input layer. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface From {
    String[] value();
}
