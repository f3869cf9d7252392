package dev.kiln.tensor;

/** Python's {@code start:stop:step}; null bounds mean "from the beginning" / "to the end". */
public record Slice(Integer start, Integer stop, int step) {
    public Slice {
        if (step == 0) throw new IllegalArgumentException("slice step cannot be zero");
        if (step < 0) throw new IllegalArgumentException("step must be greater than zero");
    }
}
