package dev.kiln.compiled;

import java.util.ArrayList;
import java.util.List;

/**
 * The device program the model compiler wrote for a model: its fused kernels as {@code source} in Kiln's kernel
 * dialect ({@link dev.kiln.backend.KernelDialect}), the activation buffers ({@code perSample} floats each; buffer
 * {@code input} is the batch, {@code output} the logits the loss reads) and the steps in forward order, which the
 * runtime's {@link DeviceStep} runs with its library kernels (GEMM, convolution, pooling, losses, optimizers) and
 * the generated ones, then in reverse for the backward pass. Each activation's kernel code comes from the same
 * primitive-table rule as the generated Java.
 *
 * <p>A step's {@code accumulate} says whether its input gradient adds to what a later step already wrote there.
 */
public record DevicePlan(String source, List<Integer> perSample, int input, int output, List<Op> ops) {
    public DevicePlan {
        perSample = List.copyOf(perSample);
        ops = List.copyOf(ops);
    }

    /** The names of the generated kernels in {@link #source} the steps launch, in step order. */
    public List<String> kernelNames() {
        List<String> names = new ArrayList<>();
        for (Op op : ops) {
            String[] pair = switch (op) {
                case Dense d -> new String[] {d.forward(), d.backward()};
                case Activation a -> new String[] {a.forward(), a.backward()};
                case BatchNorm b -> new String[] {b.forward(), b.backward()};
                default -> new String[0];
            };
            for (String name : pair) if (name != null) names.add(name);
        }
        return names;
    }

    /** One step: it reads buffer {@code in} and writes buffer {@code out}. */
    public sealed interface Op permits Dense, Conv, Pool, Activation, Dropout, BatchNorm, LayerNorm, Embedding, RowWise,
            Residual {
        int in();

        int out();

        boolean accumulate();
    }

    /**
     * {@code out = in W^T} over {@code n * rowsPerSample} rows, then the generated {@code forward} kernel adds the bias
     * and applies the activation in place (args: out, params, rows[, pre]); {@code backward} turns the output's
     * gradient into the pre-activation's in place (args: out or pre, delta, rows). {@code pre} is the buffer keeping
     * the pre-activation for rules whose backward reads it (GELU), else -1; {@code bias} is -1 without one; kernel
     * names are null where there is nothing to do.
     */
    public record Dense(int in, int out, int pre, int rowsPerSample, int inF, int outF, int weight, int bias,
                        String forward, String backward, boolean accumulate) implements Op {}

    /** Conv2d: {@code geometry} is c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups; {@code bias} -1 without one. */
    public record Conv(int in, int out, List<Integer> geometry, int weight, int bias, boolean accumulate) implements Op {
        public Conv {
            geometry = List.copyOf(geometry);
        }
    }

    /** MaxPool2d or AvgPool2d: {@code geometry} is c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw. */
    public record Pool(int in, int out, boolean max, List<Integer> geometry, boolean countIncludePad, boolean accumulate)
            implements Op {
        public Pool {
            geometry = List.copyOf(geometry);
        }
    }

    /**
     * An element-wise activation as a step of its own: {@code forward} (args: in, out, count) and {@code backward}
     * (args: in, out, gradOut, gradIn, count, accumulate as 0/1), generated from the primitive table.
     */
    public record Activation(int in, int out, String forward, String backward, boolean accumulate) implements Op {}

    /** Dropout with probability {@code p}, its masks drawn from the model's own stream as on the CPU. */
    public record Dropout(int in, int out, float p, DropoutMask stream, boolean accumulate) implements Op {}

    /**
     * BatchNorm over {@code channels} x {@code spatial} values per sample, keeping the normalised input in buffer
     * {@code xhat}; {@code weight}/{@code bias} -1 without affine, {@code runningMean}/{@code runningVar}/{@code count}
     * offsets in the state buffer, -1 without running statistics. A fused activation is the generated {@code forward}
     * kernel (in place on out; args: out, count) and {@code backward} (args: xhat, params, gradOut, delta, count:
     * the gradient at the affine output, recomputing the pre-activation from xhat); null without one.
     */
    public record BatchNorm(int in, int out, int xhat, int channels, int spatial, int weight, int bias, int runningMean,
                            int runningVar, int count, float eps, float momentum, String forward, String backward,
                            boolean accumulate) implements Op {}

    /** LayerNorm over rows of {@code cols}, keeping {@code xhat} and one inverse deviation a row; affine -1 without. */
    public record LayerNorm(int in, int out, int xhat, int cols, int weight, int bias, float eps, boolean accumulate)
            implements Op {}

    /**
     * Embedding of {@code perSample} float-held indices per sample into rows of {@code dim} of the {@code [num, dim]}
     * weight; {@code paddingIdx} -1 without one. Indices have no gradient.
     */
    public record Embedding(int in, int out, int perSample, int num, int dim, int weight, int paddingIdx, boolean accumulate)
            implements Op {}

    /** Softmax ({@code log} false) or LogSoftmax over rows of {@code cols}. */
    public record RowWise(int in, int out, boolean log, int cols, boolean accumulate) implements Op {}

    /** {@code out = in + skip}; the backward hands the gradient to both. */
    public record Residual(int in, int skip, int out, boolean accumulate, boolean accumulateSkip) implements Op {}
}
