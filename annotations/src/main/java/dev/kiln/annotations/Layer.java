package dev.kiln.annotations;

/**
 * The type of every layer field in a {@link Model}: a marker the processor reads annotations from.
 * The fields are never assigned; the generated {@code Kiln*} class holds the real state.
 */
public interface Layer {}
