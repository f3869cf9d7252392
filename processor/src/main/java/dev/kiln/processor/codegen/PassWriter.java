package dev.kiln.processor.codegen;

import com.squareup.javapoet.CodeBlock;
import dev.kiln.processor.model.Primitive;
import dev.kiln.processor.fuse.Buffer;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Slot;
import dev.kiln.processor.fuse.Step;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the bodies of the forward pass (steps in order) and the backward pass (steps in reverse),
 * filling the snippets of {@link Primitive} into loops. Sizes are literals, so every loop bound
 * and offset in the generated code is a constant the JIT can see.
 */
final class PassWriter {
    private final Plan plan;
    private final Names names;
    private final BatchNormWriter batchNorm;

    PassWriter(Plan plan) {
        this.plan = plan;
        this.names = new Names(plan);
        this.batchNorm = new BatchNormWriter(names);
    }

    CodeBlock forward() {
        CodeBlock.Builder c = CodeBlock.builder();
        for (Step s : plan.steps()) {
            c.add("// $L\n", describe(s));
            switch (s) {
                case Step.Dense d -> denseForward(c, d);
                case Step.Elementwise e -> elementwise(c, e.activation().primitive().forward, e.activation(), s.in(), s.out(), "x", "y", false);
                case Step.RowWise r -> c.addNamed(r.activation().primitive().forward + ";\n", rowArgs(r));
                case Step.Dropout p -> {
                    int len = p.in().perSample();
                    c.beginControlFlow("if (training)");
                    c.addStatement("dropout.fill($L, 0, n * $L, $Lf)", p.mask().name(), len, (float) p.p());
                    c.beginControlFlow("for (int i = 0, end = n * $L; i < end; i++)", len);
                    c.addStatement("float x = $L[i], m = $L[i]", names.data(p.in()), p.mask().name());
                    c.addStatement("$L[i] = $L", names.data(p.out()), Primitive.DROPOUT.forward);
                    c.endControlFlow();
                    c.nextControlFlow("else");
                    c.addStatement("System.arraycopy($L, 0, $L, 0, n * $L)", names.data(p.in()), names.data(p.out()), len);
                    c.endControlFlow();
                }
                case Step.BatchNorm b -> batchNorm.forward(c, b);
                case Step.LayerNorm n -> c.addNamed(Primitive.LAYER_NORM.forward + ";\n", layerNormArgs(n));
                case Step.Embedding e -> c.addNamed(Primitive.EMBEDDING.forward + ";\n", embeddingArgs(e));
                case Step.Conv v -> c.addNamed(Primitive.CONV2D.forward + ";\n", convArgs(v, false));
                case Step.MatMul m -> c.addNamed(Primitive.MATMUL.forward + ";\n", matmulArgs(m));
                case Step.Pool p -> c.addNamed(Primitive.POOL2D.forward + ";\n", poolArgs(p));
                case Step.Residual r -> {
                    c.beginControlFlow("for (int i = 0, end = n * $L; i < end; i++)", r.out().perSample());
                    c.addStatement("float x = $L[i], s = $L[i]", names.data(r.in()), names.data(r.skip()));
                    c.addStatement("$L[i] = $L", names.data(r.out()), Primitive.RESIDUAL.forward);
                    c.endControlFlow();
                }
            }
        }
        return c.build();
    }

    CodeBlock backward() {
        CodeBlock.Builder c = CodeBlock.builder();
        List<Step> steps = plan.steps();
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            c.add("// $L\n", describe(s));
            boolean toInput = s.in().isInput();
            switch (s) {
                case Step.Dense d -> denseBackward(c, d, toInput);
                case Step.Elementwise e -> {
                    guardInput(c, toInput);
                    elementwiseBackward(c, e.activation().primitive(), e.activation(), e.in(), e.out(), names.grad(e.in()), e.accumulate());
                    endGuard(c, toInput);
                }
                case Step.RowWise r -> {
                    guardInput(c, toInput);
                    c.addNamed(r.activation().primitive().backward + ";\n", rowArgs(r));
                    endGuard(c, toInput);
                }
                case Step.Dropout p -> {
                    guardInput(c, toInput);
                    c.beginControlFlow("for (int i = 0, end = n * $L; i < end; i++)", p.in().perSample());
                    c.addStatement("float g = $L[i], m = training ? $L[i] : 1f", names.grad(p.out()), p.mask().name());
                    assign(c, names.grad(p.in()), Primitive.DROPOUT.backward, p.accumulate());
                    c.endControlFlow();
                    endGuard(c, toInput);
                }
                case Step.BatchNorm b -> batchNorm.backward(c, b);
                case Step.LayerNorm n -> c.addNamed(Primitive.LAYER_NORM.backward + ";\n", layerNormArgs(n));
                // Token indices have no gradient, so nothing flows to the input (see Plan.indexInput).
                case Step.Embedding e -> c.addNamed(Primitive.EMBEDDING.backward + ";\n", embeddingArgs(e));
                case Step.Conv v -> c.addNamed(Primitive.CONV2D.backward + ";\n", convArgs(v, toInput));
                case Step.MatMul m -> {
                    // Either operand may be the model input, whose gradient only backward(.., gradIn) asks for.
                    String[] rules = Primitive.MATMUL.backward.split("\n");
                    guardInput(c, toInput);
                    c.addNamed(rules[0] + "\n", matmulArgs(m));
                    endGuard(c, toInput);
                    guardInput(c, m.other().isInput());
                    c.addNamed(rules[1] + ";\n", matmulArgs(m));
                    endGuard(c, m.other().isInput());
                }
                case Step.Pool p -> {
                    guardInput(c, toInput);
                    c.addNamed(Primitive.POOL2D.backward + ";\n", poolArgs(p));
                    endGuard(c, toInput);
                }
                case Step.Residual r -> {
                    c.beginControlFlow("for (int i = 0, end = n * $L; i < end; i++)", r.out().perSample());
                    c.addStatement("float g = $L[i]", names.grad(r.out()));
                    assign(c, names.grad(r.in()), Primitive.RESIDUAL.backward, r.accumulate());
                    if (r.skip().isInput()) c.beginControlFlow("if (inputGradient)");
                    assign(c, names.grad(r.skip()), Primitive.RESIDUAL.backward, r.accumulateSkip());
                    if (r.skip().isInput()) c.endControlFlow();
                    c.endControlFlow();
                }
            }
        }
        return c.build();
    }

    private void denseForward(CodeBlock.Builder c, Step.Dense d) {
        String pre = d.pre().map(Buffer::name).orElse(names.data(d.out()));
        Map<String, Object> args = denseArgs(d);
        args.put("pre", pre);
        int outF = d.outFeatures();
        boolean epilogue = d.bias().isPresent() || d.activation().isPresent();
        String rows = rows(d.rowsPerSample());
        c.beginControlFlow("for (int r0 = 0; r0 < $L; r0 += ROW_BLOCK)", rows);
        c.addStatement("int rb = Math.min(ROW_BLOCK, $L - r0)", rows);
        c.addNamed(Primitive.LINEAR.forward + ";\n", args);
        if (epilogue) {
            c.add("// bias$L on the rows just computed, while they are in cache\n",
                    d.activation().map(a -> " and " + a.kind().torchName()).orElse(""));
            c.beginControlFlow("for (int i = r0 * $L, end = (r0 + rb) * $L; i < end; i += $L)", outF, outF, outF);
            c.beginControlFlow("for (int j = 0; j < $L; j++)", outF);
            c.addStatement("float x = $L[i + j]", pre);
            d.bias().ifPresent(b -> c.addNamed(Primitive.LINEAR_BIAS.forward + ";\n", args));
            // An activation whose derivative reads its input keeps the biased pre-activation for backward.
            if (d.pre().isPresent() && d.bias().isPresent()) c.addStatement("$L[i + j] = x", pre);
            CodeBlock expr = d.activation().map(a -> fill(a.primitive().forward, a)).orElse(CodeBlock.of("x"));
            c.addStatement("$L[i + j] = $L", names.data(d.out()), expr);
            c.endControlFlow();
            c.endControlFlow();
        }
        c.endControlFlow();
    }

    private void denseBackward(CodeBlock.Builder c, Step.Dense d, boolean toInput) {
        Map<String, Object> args = denseArgs(d);
        d.activation().ifPresent(a -> elementwiseBackward(c, a.primitive(), a, d.pre().orElse(d.out()), d.out(), d.delta().name(), false));
        d.bias().ifPresent(b -> c.addNamed(Primitive.LINEAR_BIAS.backward + ";\n", args));
        c.addNamed(Primitive.LINEAR.backward + ";\n", args);
        guardInput(c, toInput);
        c.addNamed(Primitive.LINEAR_INPUT.backward + ";\n", args);
        endGuard(c, toInput);
    }

    /** {@code target = rule(x, y, g)} over a whole buffer; x is the input (or kept pre-activation). */
    private void elementwiseBackward(CodeBlock.Builder c, Primitive p, Step.Activation a, Buffer in, Buffer out, String target,
                                     boolean accumulate) {
        if (p == Primitive.RELU && !accumulate) {
            // C2 does not vectorise the float select of the loop below; the kernel does it with a lane mask.
            c.addStatement("$T.reluBackward($L, 0, $L, 0, $L, 0, n * $L)", Names.DENSE, names.data(out), names.grad(out), target,
                    out.perSample());
            return;
        }
        c.beginControlFlow("for (int i = 0, end = n * $L; i < end; i++)", out.perSample());
        if (p.backwardUsesInput) c.addStatement("float x = $L[i], g = $L[i]", in.isInput() ? "input" : in.name(), names.grad(out));
        else c.addStatement("float y = $L[i], g = $L[i]", names.data(out), names.grad(out));
        assign(c, target, fill(p.backward, a), accumulate);
        c.endControlFlow();
    }

    private void elementwise(CodeBlock.Builder c, String rule, Step.Activation a, Buffer in, Buffer out, String x, String y, boolean unused) {
        c.beginControlFlow("for (int i = 0, end = n * $L; i < end; i++)", out.perSample());
        c.addStatement("float x = $L[i]", names.data(in));
        c.addStatement("$L[i] = $L", names.data(out), fill(rule, a));
        c.endControlFlow();
    }

    private static void assign(CodeBlock.Builder c, String target, Object expr, boolean accumulate) {
        assign(c, target, "i", expr, accumulate);
    }

    /** {@code target[index] = expr}, or {@code +=} where the target gradient accumulates. */
    static void assign(CodeBlock.Builder c, String target, String index, Object expr, boolean accumulate) {
        c.addStatement("$L[$L] $L $L", target, index, accumulate ? "+=" : "=", expr);
    }

    static void guardInput(CodeBlock.Builder c, boolean toInput) {
        if (toInput) c.beginControlFlow("if (inputGradient)");
    }

    static void endGuard(CodeBlock.Builder c, boolean toInput) {
        if (toInput) c.endControlFlow();
    }

    /** Elementwise rules are plain expressions; the only parameter is LeakyReLU's slope and the GELU class. */
    static CodeBlock fill(String rule, Step.Activation a) {
        Map<String, Object> args = new HashMap<>();
        args.put("slope", Float.toString((float) a.slope()));
        args.put("gelu", Names.GELU);
        return CodeBlock.builder().addNamed(rule, args).build();
    }

    private Map<String, Object> denseArgs(Step.Dense d) {
        Map<String, Object> args = new HashMap<>();
        args.put("dense", Names.DENSE);
        args.put("in", names.data(d.in()));
        args.put("inF", d.inFeatures());
        args.put("outF", d.outFeatures());
        args.put("rows", rows(d.rowsPerSample()));
        args.put("w", d.weight().constant());
        args.put("b", d.bias().map(s -> s.constant()).orElse(""));
        args.put("delta", d.activation().isPresent() ? d.delta().name() : names.grad(d.out()));
        args.put("gIn", names.grad(d.in()));
        args.put("acc", d.accumulate());
        return args;
    }

    private Map<String, Object> rowArgs(Step.RowWise r) {
        Map<String, Object> args = new HashMap<>();
        args.put("rowOps", Names.ROW_OPS);
        args.put("in", names.data(r.in()));
        args.put("out", names.data(r.out()));
        args.put("rows", rows(r.out().perSample() / r.cols()));
        args.put("cols", r.cols());
        gradientArgs(args, r.in(), r.out(), r.accumulate());
        return args;
    }

    /** The parameter gradients are always needed, so a conv reading the model input skips only its input gradient. */
    private Map<String, Object> convArgs(Step.Conv v, boolean toInput) {
        Map<String, Object> args = new HashMap<>();
        args.put("k", v.kernel());
        args.put("in", names.data(v.in()));
        args.put("out", names.data(v.out()));
        args.put("w", v.weight().constant());
        args.put("b", v.bias().map(Slot::constant).orElse("-1"));
        args.put("gOut", names.grad(v.out()));
        args.put("gIn", toInput ? "inputGradient ? gradIn : null" : names.grad(v.in()));
        args.put("acc", v.accumulate());
        return args;
    }

    private Map<String, Object> matmulArgs(Step.MatMul m) {
        Map<String, Object> args = new HashMap<>();
        args.put("dense", Names.DENSE);
        args.put("a", names.data(m.in()));
        args.put("b", names.data(m.other()));
        args.put("out", names.data(m.out()));
        args.put("m", m.m());
        args.put("k", m.k());
        args.put("p", m.p());
        args.put("mk", m.m() * m.k());
        args.put("kp", m.k() * m.p());
        args.put("mp", m.m() * m.p());
        args.put("gOut", names.grad(m.out()));
        args.put("gA", names.grad(m.in()));
        args.put("gB", names.grad(m.other()));
        args.put("accA", m.accumulate());
        args.put("accB", m.accumulateOther());
        return args;
    }

    private Map<String, Object> poolArgs(Step.Pool p) {
        Map<String, Object> args = new HashMap<>();
        args.put("k", p.kernel());
        args.put("in", names.data(p.in()));
        args.put("out", names.data(p.out()));
        gradientArgs(args, p.in(), p.out(), p.accumulate());
        return args;
    }

    /** The gradient arguments of a step from {@code in} to {@code out}: {@code $gOut}, {@code $gIn} and {@code $acc}. */
    private void gradientArgs(Map<String, Object> args, Buffer in, Buffer out, boolean accumulate) {
        args.put("gOut", names.grad(out));
        args.put("gIn", names.grad(in));
        args.put("acc", accumulate);
    }

    private Map<String, Object> layerNormArgs(Step.LayerNorm n) {
        Map<String, Object> args = new HashMap<>();
        args.put("ln", Names.LAYER_NORM);
        args.put("in", names.data(n.in()));
        args.put("out", names.data(n.out()));
        args.put("xhat", n.xhat().name());
        args.put("invStd", n.invStd().name());
        args.put("rows", rows(n.invStd().perSample()));
        args.put("cols", n.cols());
        args.put("gamma", n.weight().map(Slot::constant).orElse("-1"));
        args.put("beta", n.bias().map(Slot::constant).orElse("-1"));
        args.put("eps", Float.toString((float) n.eps()));
        gradientArgs(args, n.in(), n.out(), n.accumulate());
        // A kernel that can skip its input gradient does so where the input is the model's and none was asked for.
        args.put("needIn", n.in().isInput() ? "inputGradient" : "true");
        return args;
    }

    private Map<String, Object> embeddingArgs(Step.Embedding e) {
        Map<String, Object> args = new HashMap<>();
        args.put("emb", Names.EMBEDDING);
        args.put("label", e.label());
        args.put("in", names.data(e.in()));
        args.put("count", rows(e.perSample()));
        args.put("perSample", e.perSample());
        args.put("w", e.weight().constant());
        args.put("num", e.num());
        args.put("dim", e.dim());
        args.put("out", names.data(e.out()));
        args.put("gOut", names.grad(e.out()));
        args.put("pad", e.paddingIdx().orElse(-1));
        return args;
    }

    /** Rows of a batch of n samples: {@code n} itself when each sample is one row. */
    private static String rows(int perSample) { return perSample == 1 ? "n" : "n * " + perSample; }

    static String describe(Step s) {
        return switch (s) {
            case Step.Dense d -> d.label() + ": Linear(" + d.inFeatures() + " -> " + d.outFeatures() + ")"
                    + (d.bias().isPresent() ? " + bias" : "") + d.activation().map(a -> " + " + a.kind().torchName()).orElse("")
                    + (d.bias().isPresent() || d.activation().isPresent() ? ", fused" : "");
            case Step.Elementwise e -> e.label() + ": " + e.activation().kind().torchName();
            case Step.RowWise r -> r.label() + ": " + r.activation().kind().torchName() + " over rows of " + r.cols();
            case Step.Dropout p -> p.label() + ": Dropout(p=" + p.p() + ")";
            case Step.BatchNorm b -> b.label() + ": " + b.module() + "(" + b.channels() + ")"
                    + b.activation().map(a -> " + " + a.kind().torchName()).orElse("");
            case Step.LayerNorm n -> n.label() + ": LayerNorm over rows of " + n.cols() + (n.weight().isPresent() ? ", affine" : "");
            case Step.Embedding e -> e.label() + ": Embedding(" + e.num() + ", " + e.dim()
                    + e.paddingIdx().stream().mapToObj(p -> ", padding_idx=" + p).findFirst().orElse("") + ")";
            case Step.Residual r -> r.label() + ": residual sum";
            case Step.Conv v -> v.label() + ": Conv2d(" + v.geometry().get(0) + " -> " + v.geometry().get(3) + ", kernel "
                    + v.geometry().get(4) + "x" + v.geometry().get(5) + ")" + (v.bias().isPresent() ? " + bias" : "");
            case Step.Pool p -> p.label() + ": " + (p.max() ? "MaxPool2d" : "AvgPool2d");
            case Step.MatMul m -> m.label() + ": matmul [" + m.m() + ", " + m.k() + "] x [" + m.k() + ", " + m.p() + "] per sample";
        };
    }
}
