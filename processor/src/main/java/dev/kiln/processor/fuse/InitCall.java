package dev.kiln.processor.fuse;

/**
 * One initialisation statement of {@code create(seed)}, with its bounds already computed in double the way
 * {@code torch.nn.init} computes them, so the drawn floats match PyTorch's for the same seed.
 */
public record InitCall(Slot slot, Kind kind, double a, double b, String why) {
    /** FILL sets the slot to {@code a}; FILL_ROW sets row {@code a} of a 2-d slot to {@code b} (Embedding's padding row). */
    public enum Kind { UNIFORM, NORMAL, FILL, FILL_ROW }
}
