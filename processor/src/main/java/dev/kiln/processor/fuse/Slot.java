package dev.kiln.processor.fuse;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** A named slice of a flat buffer (parameters or state): its state-dict key, offset and shape. */
public record Slot(String key, int offset, int[] shape) {
    public int size() { return IntStream.of(shape).reduce(1, (a, b) -> a * b); }

    /** A Java constant name for the offset: {@code fc1.weight} -> {@code FC1_WEIGHT}. */
    public String constant() {
        return key.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }

    public String shapeArgs() { return IntStream.of(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ")); }
}
