package dev.kiln.processor.fuse;

import dev.kiln.processor.model.ActivationKind;
import dev.kiln.processor.model.Primitive;

import java.util.List;
import java.util.Optional;

/**
 * One fused kernel of the generated forward pass, in order; the backward pass runs them in reverse.
 * {@code accumulate} says whether the step's input gradient adds to what a later step (seen earlier in
 * the backward pass) already wrote there, as happens at a residual connection's skip.
 */
public sealed interface Step {
    String label();

    Buffer in();

    Buffer out();

    boolean accumulate();

    /** Linear with its bias and activation fused into one pass over each block of rows. */
    record Dense(String label, Buffer in, Buffer out, Optional<Buffer> pre, Buffer delta, int rowsPerSample, int inFeatures,
                 int outFeatures, Slot weight, Optional<Slot> bias, Optional<Activation> activation, boolean accumulate)
            implements Step {}

    /** {@code slope} is LeakyReLU's negative slope, 0 for the others. */
    record Activation(ActivationKind kind, boolean tanhApproximation, double slope) {
        /** This activation's row of the primitive table. */
        public Primitive primitive() { return Primitive.of(kind, tanhApproximation); }
    }

    record Elementwise(String label, Buffer in, Buffer out, Activation activation, boolean accumulate) implements Step {}

    record RowWise(String label, Buffer in, Buffer out, Activation activation, int cols, boolean accumulate) implements Step {}

    record Dropout(String label, Buffer in, Buffer out, Buffer mask, double p, boolean accumulate) implements Step {}

    /**
     * BatchNorm over {@code channels} channels of {@code spatial} values each per sample ({@code [C]}, {@code [C, L]} or
     * {@code [C, H, W]}); {@code module} is PyTorch's class for that input, BatchNorm1d or BatchNorm2d. The running
     * statistics and their count are absent with {@code track_running_stats=False}. An element-wise activation declared
     * on the same field is fused: applied as each normalised value is written, and its backward folded into the
     * pass that sums the output gradient per channel.
     */
    record BatchNorm(String label, String module, Buffer in, Buffer out, Buffer xhat, int channels, int spatial,
                     Optional<Slot> weight, Optional<Slot> bias, Optional<Slot> runningMean, Optional<Slot> runningVar,
                     Optional<Slot> count, double eps, double momentum, Optional<Activation> activation,
                     boolean accumulate) implements Step {}

    /**
     * LayerNorm over rows of {@code cols} floats (the product of normalized_shape); {@code xhat} and {@code invStd} (one
     * float per row) are kept for backward. Weight and bias are both present or both absent.
     */
    record LayerNorm(String label, Buffer in, Buffer out, Buffer xhat, Buffer invStd, int cols, Optional<Slot> weight,
                     Optional<Slot> bias, double eps, boolean accumulate) implements Step {}

    /**
     * Embedding: {@code in} holds token indices, {@code perSample} per sample, each becoming a row of {@code dim} floats
     * of the {@code [num, dim]} weight. It never has an input gradient.
     */
    record Embedding(String label, Buffer in, Buffer out, int perSample, int num, int dim, Slot weight, java.util.OptionalInt paddingIdx,
                     boolean accumulate) implements Step {}

    /**
     * Conv2d (bias optional) through a {@code Conv2dKernel} field named {@code kernel}; {@code geometry} is its
     * constructor's arguments: c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups.
     */
    record Conv(String label, Buffer in, Buffer out, String kernel, List<Integer> geometry, Slot weight, Optional<Slot> bias,
                boolean accumulate) implements Step {}

    /** MaxPool2d or AvgPool2d through a {@code Pool2dKernel} field; {@code arguments} is its constructor's, as Java literals. */
    record Pool(String label, Buffer in, Buffer out, String kernel, boolean max, List<String> arguments, boolean accumulate)
            implements Step {}

    /** {@code out = in x other} per sample, {@code [m, k] x [k, p]}; backward: {@code dIn = dOut other^T, dOther = in^T dOut}. */
    record MatMul(String label, Buffer in, Buffer other, Buffer out, int m, int k, int p, boolean accumulate,
                  boolean accumulateOther) implements Step {}

    /** {@code out = in + skip}; backward hands the gradient to both. */
    record Residual(String label, Buffer in, Buffer skip, Buffer out, boolean accumulate, boolean accumulateSkip)
            implements Step {}
}
