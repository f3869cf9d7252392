package dev.kiln.processor.fuse;

import java.util.List;
import java.util.Optional;

/**
 * Everything the code writers need: the flat parameter and state layouts, the activation buffers,
 * the fused steps in forward order and the initialisation statements in draw order.
 *
 * <p>{@code sequence} names the symbolic dimension T of a sequence model ({@code [N, T, ...]}): every size in the
 * plan is then per row of the N*T rows (see {@link RowView}). {@code indexInput} names the Embedding reading the
 * model input when that input holds token indices, which have no gradient.
 */
public record Plan(int inputSize, int outputSize, List<Slot> parameters, List<Slot> state, List<Buffer> buffers,
                   List<Step> steps, List<InitCall> inits, Buffer output, boolean hasDropout, boolean hasBatchNorm,
                   List<Buffer> inputs, List<Buffer> outputs, Optional<String> sequence, Optional<String> indexInput) {
    public Plan {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        parameters = List.copyOf(parameters);
        state = List.copyOf(state);
        buffers = List.copyOf(buffers);
        steps = List.copyOf(steps);
        inits = List.copyOf(inits);
    }

    /** Several inputs: each sample of the caller's batch is the inputs' floats one after another, in declaration order. */
    public boolean packedInputs() { return inputs.size() > 1; }

    /**
     * Outputs copied into one array: forward returns them interleaved per sample in the same way, and gradOut
     * comes so. Several outputs, or one that later layers read too.
     */
    public boolean packedOutputs() { return !outputs.contains(output); }

    public int parameterCount() { return parameters.stream().mapToInt(Slot::size).sum(); }

    public int stateCount() { return state.stream().mapToInt(Slot::size).sum(); }
}
