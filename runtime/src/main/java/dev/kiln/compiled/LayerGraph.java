package dev.kiln.compiled;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a generated model computes, step by step, as its {@link CompiledModel#layerGraph()} lists it for exporters
 * ({@link dev.kiln.io.Onnx}): the named inputs, the steps in order and the names of the outputs. Every value has a name:
 * {@code input} (and each {@code @Input} field) for the inputs, the step's name for what a step produces. A block is
 * listed as its layers ({@code cells.0.fc}, {@code cells.1.fc} for a {@code @Repeat}) followed by a step named after it,
 * op {@code Block}, whose inputs are the block's input and its last layer's output.
 *
 * @param inputs  the model's inputs, the main one first
 * @param steps   the computation in order; each step reads only inputs and earlier steps
 * @param outputs the names of the values the model returns, in order
 */
public record LayerGraph(List<Value> inputs, List<Step> steps, List<String> outputs) {
    public LayerGraph {
        inputs = List.copyOf(inputs);
        steps = List.copyOf(steps);
        outputs = List.copyOf(outputs);
    }

    /** A named input; {@code shape} is after the batch dimension N, a symbolic dimension by its name ({@code "T"}). */
    public record Value(String name, List<String> shape) {
        public Value {
            Objects.requireNonNull(name, "name");
            shape = List.copyOf(shape);
        }
    }

    /** An activation fused after a step's op, as declared beside it ({@code @Linear(128) @ReLU}). */
    public record Activation(String op, Map<String, Object> attributes) {
        public Activation {
            Objects.requireNonNull(op, "op");
            attributes = Map.copyOf(attributes);
        }
    }

    /**
     * One layer: {@code op} is the annotation's name ({@code Linear}, {@code Conv2d}, {@code MaxPool2d}, {@code AvgPool2d},
     * {@code Flatten}, {@code Dropout}, {@code BatchNorm}, {@code LayerNorm}, {@code Embedding}, {@code MatMul}, an
     * activation's name such as {@code ReLU}, or {@code Block}) with its attributes (integers, doubles, booleans, strings,
     * lists of integers); {@code parameters} are the state-dict keys it reads ({@code fc1.weight}, {@code bn.running_mean});
     * {@code shape} is its output's after N. The step's value is {@code activation(op(inputs))} ({@code Block}'s op gives
     * its second input), plus {@code inputs[0]} where {@code residual}.
     */
    public record Step(String name, String op, List<String> inputs, List<String> shape, Map<String, Object> attributes,
                       List<String> parameters, Activation activation, boolean residual) {
        public Step {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(op, "op");
            inputs = List.copyOf(inputs);
            shape = List.copyOf(shape);
            attributes = Map.copyOf(attributes);
            parameters = List.copyOf(parameters);
        }

        /** An attribute the step must have. */
        public Object attribute(String key) {
            Object v = attributes.get(key);
            if (v == null) throw new IllegalArgumentException("step " + name + " (" + op + ") has no attribute " + key);
            return v;
        }
    }
}
