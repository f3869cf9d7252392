package dev.kiln.compiled;

/**
 * One {@code Linear} layer of a model that is nothing but a chain of them, as the generated class describes it
 * for {@link FeatureSplitStep}: offsets of its weight ({@code [out, in]}) and bias in the flat parameter buffer
 * ({@code bias} is -1 for {@code bias = false}) and its sizes. Its bias and activation stay in generated code
 * ({@link CompiledModel#denseEpilogue}, {@link CompiledModel#denseActivationBackward}).
 */
public record DenseLayer(int weight, int bias, int in, int out) {}
