package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A second named input (a graph's adjacency, an attention mask): the field name is the input name, used by {@link From}. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Input {
    Shape value();
}
