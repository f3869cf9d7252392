package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Uses another {@link Model} class as a layer (a sub-module): its parameters are named {@code field.<its field>}. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Block {
    Class<?> value();
}
