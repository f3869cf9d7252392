package dev.kiln.processor.fuse;

/**
 * An activation array of the generated class, {@code perSample} floats per sample, allocated once for the
 * largest batch. Its gradient lives in {@code name + "Grad"}. The model input is the caller's array and
 * its gradient the caller's {@code gradIn}; the model output's gradient is the caller's {@code gradOut}.
 */
public record Buffer(String name, int perSample, Role role) {
    /**
     * INPUT: the caller's array (single-input models). PACKED: one of several model inputs or outputs, a planned
     * array the forward pass unpacks the caller's per-sample-interleaved batch into (or packs outputs from), with a
     * gradient field like an internal buffer. SCRATCH: no gradient.
     */
    public enum Role { INPUT, INTERNAL, PACKED, SCRATCH }

    public boolean isInput() { return role == Role.INPUT; }
}
