package dev.kiln.processor.model;

/** A weight initialiser from {@code @Init.*}: {@code a} and {@code b} carry its two numbers (gain, std, bounds). */
public record InitSpec(Kind kind, double a, double b, boolean fanOut) {
    public enum Kind { XAVIER_UNIFORM, XAVIER_NORMAL, KAIMING_UNIFORM, KAIMING_NORMAL, NORMAL, UNIFORM, ZEROS }
}
