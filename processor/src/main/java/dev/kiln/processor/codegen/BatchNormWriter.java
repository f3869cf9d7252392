package dev.kiln.processor.codegen;

import com.squareup.javapoet.CodeBlock;
import dev.kiln.processor.model.Primitive;
import dev.kiln.processor.fuse.Slot;
import dev.kiln.processor.fuse.Step;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The generated code of a BatchNorm step and the element-wise activation fused into it: a call for the statistics,
 * then loops over samples, channels and each channel's positions that normalise, apply gamma, beta and the activation;
 * backward, the activation's rule inside the loops that sum the gradient per channel and form the input gradient.
 */
final class BatchNormWriter {
    private final Names names;

    BatchNormWriter(Names names) {
        this.names = names;
    }

    private Map<String, Object> statisticsArgs(Step.BatchNorm b) {
        Map<String, Object> args = new HashMap<>();
        args.put("bn", Names.BATCH_NORM);
        args.put("in", names.data(b.in()));
        args.put("c", b.channels());
        args.put("s", b.spatial());
        args.put("mean", b.out().name() + "Mean");
        args.put("invStd", b.out().name() + "InvStd");
        args.put("runMean", b.runningMean().map(Slot::constant).orElse("0"));
        args.put("runVar", b.runningVar().map(Slot::constant).orElse("0"));
        args.put("track", b.runningMean().isPresent());
        args.put("momentum", Float.toString((float) b.momentum()));
        args.put("eps", Float.toString((float) b.eps()));
        return args;
    }

    /**
     * The statistics (the batch's in training or without running statistics, the running ones in eval), then one pass
     * that normalises, applies the affine map and the fused activation, keeping {@code xhat} for backward.
     */
    void forward(CodeBlock.Builder c, Step.BatchNorm b) {
        if (b.count().isPresent()) {
            c.beginControlFlow("if (training)");
            c.addNamed(Primitive.BATCH_NORM.forward + ";\n", statisticsArgs(b));
            c.addStatement("state[$L] += 1f", b.count().get().constant());
            c.nextControlFlow("else");
            c.addNamed(Primitive.BATCH_NORM_EVAL.forward + ";\n", statisticsArgs(b));
            c.endControlFlow();
        } else {
            // Without running statistics PyTorch normalises with the batch's in both modes.
            c.addNamed(Primitive.BATCH_NORM.forward + ";\n", statisticsArgs(b));
        }
        String name = b.out().name();
        beginChannelLoops(c, b, true, CodeBlock.builder().addStatement("float mean = $LMean[j], inv = $LInvStd[j]", name, name).build());
        c.addStatement("float h = ($L[at] - mean) * inv", names.data(b.in()));
        c.addStatement("$L[at] = h", b.xhat().name());
        if (b.activation().isPresent()) {
            c.addStatement("float x = h * gamma + beta");
            c.addStatement("$L[at] = $L", names.data(b.out()), PassWriter.fill(b.activation().get().primitive().forward, b.activation().get()));
        } else {
            c.addStatement("$L[at] = h * gamma + beta", names.data(b.out()));
        }
        endChannelLoops(c, b);
    }

    /**
     * Two passes: the fused activation's backward gives {@code d = dL/d(normalised output)}, summed per channel with
     * {@code d * xhat} (the bias and weight gradients); then, where the input gradient is wanted, PyTorch's
     * {@code dx = gamma * invStd / M * (M * d - sum d - xhat * sum d*xhat)} over a channel's M = N*S values, with
     * {@code d} worked out again rather than stored.
     */
    void backward(CodeBlock.Builder c, Step.BatchNorm b) {
        String name = b.out().name(), xhat = b.xhat().name();
        int spatial = b.spatial();
        c.addStatement("$T.fill($LSumD, 0.0)", Arrays.class, name);
        c.addStatement("$T.fill($LSumDXhat, 0.0)", Arrays.class, name);
        boolean readsInput = b.activation().map(a -> a.primitive().backwardUsesInput).orElse(false);
        beginChannelLoops(c, b, readsInput, CodeBlock.of(""));
        outputGradient(c, b);
        c.addStatement("$LSumD[j] += d", name);
        c.addStatement("$LSumDXhat[j] += d * $L[at]", name, xhat);
        endChannelLoops(c, b);
        b.weight().ifPresent(w -> {
            c.beginControlFlow("for (int j = 0; j < $L; j++)", b.channels());
            c.addStatement("grads[$L + j] = (float) ((accumulate ? grads[$L + j] : 0) + $LSumDXhat[j])", w.constant(), w.constant(), name);
            c.addStatement("grads[$L + j] = (float) ((accumulate ? grads[$L + j] : 0) + $LSumD[j])", b.bias().get().constant(),
                    b.bias().get().constant(), name);
            c.endControlFlow();
        });
        boolean toInput = b.in().isInput();
        PassWriter.guardInput(c, toInput);
        beginChannelLoops(c, b, true, CodeBlock.builder()
                .addStatement("double count = $L, sumD = $LSumD[j], sumDXhat = $LSumDXhat[j], k = gamma * $LInvStd[j] / count",
                        spatial == 1 ? "n" : "n * " + spatial, name, name, name).build());
        outputGradient(c, b);
        PassWriter.assign(c, names.grad(b.in()), "at", "(float) (k * (count * d - sumD - " + xhat + "[at] * sumDXhat))", b.accumulate());
        endChannelLoops(c, b);
        PassWriter.endGuard(c, toInput);
    }

    /** {@code float d}: the gradient at the normalised output, through the fused activation's backward rule if there is one. */
    private void outputGradient(CodeBlock.Builder c, Step.BatchNorm b) {
        String g = names.grad(b.out());
        if (b.activation().isEmpty()) {
            c.addStatement("float d = $L[at]", g);
            return;
        }
        Step.Activation a = b.activation().get();
        Primitive p = a.primitive();
        if (p.backwardUsesInput) c.addStatement("float x = $L[at] * gamma + beta, g = $L[at]", b.xhat().name(), g);
        else c.addStatement("float y = $L[at], g = $L[at]", names.data(b.out()), g);
        c.addStatement("float d = $L", PassWriter.fill(p.backward, a));
    }

    /**
     * Opens {@code for i} over the batch, {@code for j} over the channels (reading the channel's statistics and, when
     * {@code affine}, its gamma and beta, then {@code perChannel}) and {@code for at} over the channel's values in that sample.
     */
    private void beginChannelLoops(CodeBlock.Builder c, Step.BatchNorm b, boolean affine, CodeBlock perChannel) {
        int channels = b.channels(), s = b.spatial();
        c.beginControlFlow("for (int i = 0; i < n; i++)");
        c.beginControlFlow("for (int j = 0; j < $L; j++)", channels);
        if (affine) {
            c.addStatement("float gamma = $L, beta = $L", b.weight().map(w -> "params[" + w.constant() + " + j]").orElse("1f"),
                    b.bias().map(w -> "params[" + w.constant() + " + j]").orElse("0f"));
        }
        c.add(perChannel);
        // Over [N, C] a channel has one value per sample: no innermost loop.
        if (s == 1) c.addStatement("int at = i * $L + j", channels);
        else c.beginControlFlow("for (int at = (i * $L + j) * $L, end = at + $L; at < end; at++)", channels, s, s);
    }

    private static void endChannelLoops(CodeBlock.Builder c, Step.BatchNorm b) {
        if (b.spatial() > 1) c.endControlFlow();
        c.endControlFlow().endControlFlow();
    }
}
