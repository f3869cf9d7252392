package dev.kiln.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A network compiled at {@code javac} time. Its {@link Layer} fields, in declaration order, are the
 * layers; each field carries one layer annotation ({@link Linear}, {@link Conv2d}, {@link Block}, ...)
 * and optionally one activation ({@link ReLU}, ...) applied after it, or an activation alone.
 *
 * <pre>{@code
 * @Model(input = @Shape({20}))
 * abstract class PhonePrice {
 *   @Linear(128) @ReLU Layer fc1;
 *   @Linear(256) @ReLU Layer fc2;
 *   @Linear(4)         Layer out;
 * }
 * }</pre>
 *
 * The processor writes {@code KilnPhonePrice} beside it. Retained in class files so that a model
 * compiled earlier can still be used as a {@link Block}.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Model {
    /** Shape of the main input without the batch dimension N, which is always first and symbolic. */
    Shape input();
}
