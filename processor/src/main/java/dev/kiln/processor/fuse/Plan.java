package dev.kiln.processor.fuse;

import java.util.List;

/**
 * Everything the code writers need: the flat parameter and state layouts, the activation buffers,
 * the fused steps in forward order and the initialisation statements in draw order.
 */
public record Plan(int inputSize, int outputSize, List<Slot> parameters, List<Slot> state, List<Buffer> buffers,
                   List<Step> steps, List<InitCall> inits, Buffer output, boolean hasDropout, boolean hasBatchNorm) {
    public Plan {
        parameters = List.copyOf(parameters);
        state = List.copyOf(state);
        buffers = List.copyOf(buffers);
        steps = List.copyOf(steps);
        inits = List.copyOf(inits);
    }

    public int parameterCount() { return parameters.stream().mapToInt(Slot::size).sum(); }

    public int stateCount() { return state.stream().mapToInt(Slot::size).sum(); }
}
