package dev.kiln.compiled;

/**
 * What every generated {@code Kiln*} class offers the {@link Trainer}: forward and backward on raw
 * row-major float arrays, with parameters and their gradients in two flat buffers. These calls
 * allocate nothing once {@link #ensureCapacity} has planned the activations for the largest batch.
 */
public interface CompiledModel {
    /**
     * A trainer running fused steps over this model's flat buffers with {@code optimizer}, on the device given to
     * the model's {@code to}, if any.
     */
    Trainer trainer(Loss loss, Optimizer optimizer);

    /**
     * A trainer whose optimizer the eager options record describes, with PyTorch's meanings and defaults:
     * {@code model.trainer(Loss.crossEntropy(), Adam.options().lr(1e-3).weightDecay(1e-2))},
     * {@code SGD.options(0.1).momentum(0.9)}, {@code AdamW.options()}; see {@link Optimizer#of}.
     */
    default Trainer trainer(Loss loss, dev.kiln.optim.OptimizerOptions<?> options) {
        return trainer(loss, Optimizer.of(options));
    }

    /** Floats per input sample (the product of the input shape after N). */
    int inputSize();

    /** Floats per output sample. */
    int outputSize();

    /**
     * The shape of one input sample after the batch dimension N ({@code {1, 28, 28}} for {@code [N, 1, 28, 28]}), where
     * the model has one input of fixed shape; null for several inputs or a sequence model.
     */
    default int[] inputShape() { return null; }

    /** The shape of one output sample after N ({@code {10}} for {@code [N, 10]}) where known as for {@link #inputShape()}; else null. */
    default int[] outputShape() { return null; }

    /** All trainable parameters, layer after layer, in state-dict order. */
    float[] parameterBuffer();

    /** The gradients, same layout as {@link #parameterBuffer()}. */
    float[] gradientBuffer();

    /** Non-trainable state (BatchNorm running statistics); empty when the model has none. */
    float[] stateBuffer();

    /** Plans activation buffers for batches up to {@code maxBatch}; grows them only when asked for more. */
    void ensureCapacity(int maxBatch);

    int capacity();

    /** Runs the network on {@code n} samples of {@code x}; returns the model's output buffer (first {@code n * outputSize()} floats). */
    float[] forward(float[] x, int n);

    /** Backpropagates {@code gradOut} through the last forward, overwriting the gradient buffer; no input gradient. */
    void backwardParameters(float[] gradOut, int n);

    /** As {@link #backwardParameters} and also writes the input gradient into {@code gradIn}. */
    void backward(float[] gradOut, int n, float[] gradIn);

    void train(boolean mode);

    /**
     * A model over the same parameter and state buffers with its own activations and gradient buffer, in the
     * same mode: the trainer runs half of each batch on it from a second thread.
     */
    CompiledModel replica();

    /**
     * Whether the rows of a training batch can be computed apart and their gradients summed: false when
     * BatchNorm's batch statistics couple them or dropout draws its masks from one stream in row order.
     */
    boolean rowsIndependent();

    boolean isTraining();

    /**
     * The layers, when the model is only a chain of {@code Linear} layers with element-wise activations whose
     * derivative reads the output; else empty. Such a model can split every layer's output features between two
     * cores ({@link FeatureSplitStep}).
     */
    default java.util.List<DenseLayer> denseChain() { return java.util.List.of(); }

    /**
     * The model's device program, written by the model compiler, for training on a device; null where it wrote none
     * ({@link #deviceUnsupported} says why).
     */
    default DevicePlan devicePlan() { return null; }

    /** Why this model has no {@link #devicePlan}: the first layer the device path does not generate yet. */
    default String deviceUnsupported() { return "the model was compiled without a device program"; }

    /**
     * Views of the parameters and running statistics by state-dict key ({@code fc1.weight}); generated models have it.
     */
    default java.util.Map<String, dev.kiln.tensor.Tensor> stateDict() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no state dict");
    }

    /**
     * The computation step by step, with each layer's attributes and state-dict keys, for exporters such as
     * {@code dev.kiln.io.Onnx}; generated models have it (a model compiled by an older Kiln does not: recompile it).
     */
    default LayerGraph layerGraph() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " lists no layer graph; compile it with this Kiln");
    }

    /**
     * Adds the bias of dense-chain layer {@code layer} and applies its activation on {@code block}: output features
     * {@code [lo, hi)} of the first {@code rows} rows, stored contiguously ({@code hi - lo} floats a row).
     */
    default void denseEpilogue(int layer, float[] block, int rows, int lo, int hi) {
        throw new UnsupportedOperationException("not a dense chain");
    }

    /**
     * Turns {@code delta}, a block of {@code dL/d(output)} of dense-chain layer {@code layer} (features {@code [lo, hi)},
     * {@code hi - lo} floats a row), into {@code dL/d(pre-activation)}, reading the layer's whole output {@code out}.
     */
    default void denseActivationBackward(int layer, float[] out, float[] delta, int rows, int lo, int hi) {
        throw new UnsupportedOperationException("not a dense chain");
    }
}
