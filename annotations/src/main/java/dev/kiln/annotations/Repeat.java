package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Repeats a {@link Block} {@code value} times in sequence, as {@code nn.Sequential(*[Block() for _ in range(value)])}: keys {@code field.0.<...>}, {@code field.1.<...>}. */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Repeat {
    int value();
}
