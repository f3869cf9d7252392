package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.fuse.Buffer;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Step;
import dev.kiln.processor.model.Primitive;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

/**
 * The model's device program ({@code DevicePlan}): the buffer table, the steps in forward order and the fused kernels
 * only this model needs, in Kiln's kernel dialect: per Linear the bias + activation epilogue after the library's
 * GEMM and the activation's backward, per stand-alone activation its forward and backward, each from its
 * primitive-table rule ({@link DialectRule}). Sizes and parameter offsets are literals, as in the generated Java. A
 * model with a step the device path does not generate yet gets {@code deviceUnsupported()} naming it instead.
 */
final class DevicePlanWriter {
    private static final ClassName PLAN = ClassName.get(Names.COMPILED, "DevicePlan");

    private final Plan plan;
    private final Map<Buffer, Integer> ids = new LinkedHashMap<>();
    private final StringBuilder src = new StringBuilder();
    private final List<CodeBlock> ops = new ArrayList<>();
    private boolean gelu;

    DevicePlanWriter(Plan plan) { this.plan = plan; }

    void write(TypeSpec.Builder t) {
        Optional<String> unsupported = unsupported();
        if (unsupported.isPresent()) {
            t.addMethod(MethodSpec.methodBuilder("deviceUnsupported").addAnnotation(Override.class).addModifiers(PUBLIC)
                    .returns(String.class).addStatement("return $S", unsupported.get()).build());
            return;
        }
        Buffer input = plan.inputs().isEmpty() ? null : plan.inputs().getFirst();
        if (input != null) id(input);
        for (Step s : plan.steps()) op(s);
        String source = (gelu ? DialectRule.GELU_FUNCTIONS + "\n" : "") + src;
        t.addField(FieldSpec.builder(String.class, "DEVICE_SOURCE", PRIVATE, STATIC, FINAL)
                .addJavadoc("This model's fused kernels for a device, in Kiln's kernel dialect.\n")
                .initializer("$S", source).build());
        t.addField(FieldSpec.builder(PLAN, "devicePlan", PRIVATE).build());
        CodeBlock sizes = ids.keySet().stream().map(b -> CodeBlock.of("$L", b.perSample())).collect(CodeBlock.joining(", "));
        t.addMethod(MethodSpec.methodBuilder("devicePlan").addAnnotation(Override.class).addModifiers(PUBLIC).returns(PLAN)
                .addJavadoc("Buffers: $L.\n", String.join(", ", ids.keySet().stream().map(Buffer::name).toList()))
                .beginControlFlow("if (devicePlan == null)")
                .addStatement("devicePlan = new $T(DEVICE_SOURCE, $T.of($L), $L, $L, $T.of(\n$>$L$<))", PLAN, List.class, sizes,
                        input == null ? 0 : ids.get(input), id(plan.output()), List.class, CodeBlock.join(ops, ",\n"))
                .endControlFlow()
                .addStatement("return devicePlan").build());
    }

    /** The first thing the device path does not generate yet, in the words of an error message. */
    private Optional<String> unsupported() {
        // A sequence model's sizes are per row of its N*T rows, and its steps take n*t as their row count: no change.
        if (plan.inputs().size() > 1 || plan.packedOutputs()) return Optional.of("several inputs or outputs");
        for (Step s : plan.steps()) {
            String what = switch (s) {
                case Step.Dense d -> null;
                case Step.Conv c -> c.geometry().get(12) != 1 ? "grouped Conv2d" : null;
                case Step.Pool p -> null;
                case Step.Elementwise e -> null;
                case Step.Dropout d -> null;
                case Step.RowWise r -> null;
                case Step.BatchNorm b -> null;
                case Step.LayerNorm n -> null;
                case Step.Embedding e -> null;
                case Step.MatMul m -> "MatMul";
                case Step.Residual r -> null;
            };
            if (what != null) return Optional.of(s.label() + " (" + what + ")");
        }
        return Optional.empty();
    }

    private int id(Buffer b) { return ids.computeIfAbsent(b, k -> ids.size()); }

    private void op(Step s) {
        String name = s.label().replace('.', '_');
        switch (s) {
            case Step.Dense d -> dense(d, name);
            case Step.Conv c -> ops.add(CodeBlock.of("new $T.Conv($L, $L, $T.of($L), $L, $L, $L)", PLAN, id(c.in()), id(c.out()),
                    List.class, c.geometry().stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElseThrow(),
                    c.weight().offset(), c.bias().map(b -> b.offset()).orElse(-1), c.accumulate()));
            case Step.Pool p -> {
                // The CPU kernel's arguments: max, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad.
                List<String> a = p.arguments();
                ops.add(CodeBlock.of("new $T.Pool($L, $L, $L, $T.of($L), $L, $L)", PLAN, id(p.in()), id(p.out()), p.max(),
                        List.class, String.join(", ", a.subList(1, a.size() - 1)), a.getLast(), p.accumulate()));
            }
            case Step.Elementwise e -> activation(e, name + "_" + e.activation().kind().name().toLowerCase(java.util.Locale.ROOT));
            case Step.Dropout d -> ops.add(CodeBlock.of("new $T.Dropout($L, $L, $Lf, dropout, $L)", PLAN, id(d.in()), id(d.out()),
                    (float) d.p(), d.accumulate()));
            case Step.BatchNorm b -> batchNorm(b, name);
            case Step.LayerNorm n -> ops.add(CodeBlock.of("new $T.LayerNorm($L, $L, $L, $L, $L, $L, $Lf, $L)", PLAN, id(n.in()), id(n.out()),
                    id(n.xhat()), n.cols(), offset(n.weight()), offset(n.bias()), (float) n.eps(), n.accumulate()));
            case Step.Embedding e -> ops.add(CodeBlock.of("new $T.Embedding($L, $L, $L, $L, $L, $L, $L, $L)", PLAN, id(e.in()), id(e.out()),
                    e.perSample(), e.num(), e.dim(), e.weight().offset(), e.paddingIdx().orElse(-1), e.accumulate()));
            case Step.RowWise r -> ops.add(CodeBlock.of("new $T.RowWise($L, $L, $L, $L, $L)", PLAN, id(r.in()), id(r.out()),
                    r.activation().kind() == dev.kiln.processor.model.ActivationKind.LOG_SOFTMAX, r.cols(), r.accumulate()));
            case Step.Residual r -> ops.add(CodeBlock.of("new $T.Residual($L, $L, $L, $L, $L)", PLAN, id(r.in()), id(r.skip()), id(r.out()),
                    r.accumulate(), r.accumulateSkip()));
            default -> throw new IllegalStateException("no device step for " + s.label());
        }
    }

    private static int offset(Optional<dev.kiln.processor.fuse.Slot> slot) { return slot.map(x -> x.offset()).orElse(-1); }

    /**
     * BatchNorm's statistics and normalisation come from the library; a fused activation gets two kernels here: in
     * place on the affine output, and its backward, which recomputes the pre-activation from xhat, gamma and beta.
     */
    private void batchNorm(Step.BatchNorm b, String name) {
        b.activation().ifPresent(a -> {
            Primitive p = a.primitive();
            String act = a.kind().torchName();
            String gamma = b.weight().map(w -> "params[" + w.offset() + " + c]").orElse("1.0f");
            String beta = b.bias().map(w -> "params[" + w.offset() + " + c]").orElse("0.0f");
            src.append("// ").append(b.label()).append(": ").append(act).append(" on ").append(b.module()).append("'s output, in place\n");
            open(name + "_forward", "GLOBAL float* RESTRICT out, int count", "count");
            src.append("    float x = out[i];\n");
            src.append("    out[i] = ").append(rule(p.forward, a)).append(";\n");
            src.append("}\n\n");
            src.append("// ").append(b.label()).append(": ").append(act).append("'s backward at the affine output, x recomputed from xhat\n");
            open(name + "_backward", "GLOBAL const float* RESTRICT xhat, GLOBAL const float* RESTRICT params, "
                    + "GLOBAL const float* RESTRICT gOut, GLOBAL float* RESTRICT delta, int count", "count");
            src.append("    int c = i / ").append(b.spatial()).append(" % ").append(b.channels()).append(";\n");
            src.append("    float x = xhat[i] * ").append(gamma).append(" + ").append(beta).append(", g = gOut[i];\n");
            if (!p.backwardUsesInput) src.append("    float y = ").append(rule(p.forward, a)).append(";\n");
            src.append("    delta[i] = ").append(rule(p.backward, a)).append(";\n");
            src.append("}\n\n");
        });
        boolean act = b.activation().isPresent();
        ops.add(CodeBlock.of("new $T.BatchNorm($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $Lf, $Lf, $L, $L, $L)", PLAN, id(b.in()),
                id(b.out()), id(b.xhat()), b.channels(), b.spatial(), offset(b.weight()), offset(b.bias()), offset(b.runningMean()),
                offset(b.runningVar()), offset(b.count()), (float) b.eps(), (float) b.momentum(),
                act ? CodeBlock.of("$S", name + "_forward") : "null", act ? CodeBlock.of("$S", name + "_backward") : "null",
                b.accumulate()));
    }

    private void dense(Step.Dense d, String name) {
        int in = id(d.in()), out = id(d.out()), pre = d.pre().map(this::id).orElse(-1), width = d.outFeatures();
        boolean fwd = d.bias().isPresent() || d.activation().isPresent(), bwd = d.activation().isPresent();
        String act = d.activation().map(a -> a.kind().torchName()).orElse("");
        if (fwd) {
            src.append("// ").append(d.label()).append(": ").append(d.bias().isPresent() ? (act.isEmpty() ? "bias" : "bias + " + act) : act)
                    .append(" over [rows, ").append(width).append("], in place after the GEMM\n");
            open(name + "_forward", "GLOBAL float* RESTRICT out, GLOBAL const float* RESTRICT params, int rows"
                    + (pre >= 0 ? ", GLOBAL float* RESTRICT pre" : ""), "rows * " + width);
            src.append("    float x = out[i]");
            d.bias().ifPresent(b -> src.append(" + params[").append(b.offset()).append(" + i % ").append(width).append("]"));
            src.append(";\n");
            if (pre >= 0) src.append("    pre[i] = x;\n");
            src.append("    out[i] = ").append(d.activation().map(a -> rule(a.primitive().forward, a)).orElse("x")).append(";\n");
            src.append("}\n\n");
        }
        d.activation().ifPresent(a -> {
            Primitive p = a.primitive();
            // The planner kept a pre-activation buffer exactly where the table says the backward reads x.
            String reads = p.backwardUsesInput ? "x" : "y";
            src.append("// ").append(d.label()).append(": ").append(act).append("'s backward, dL/dy -> dL/dx in place\n");
            open(name + "_backward", "GLOBAL const float* RESTRICT src, GLOBAL float* RESTRICT delta, int rows", "rows * " + width);
            src.append("    float ").append(reads).append(" = src[i], g = delta[i];\n");
            src.append("    delta[i] = ").append(rule(p.backward, a)).append(";\n");
            src.append("}\n\n");
        });
        ops.add(CodeBlock.of("new $T.Dense($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", PLAN, in, out, pre, d.rowsPerSample(),
                d.inFeatures(), width, d.weight().offset(), d.bias().map(b -> b.offset()).orElse(-1),
                fwd ? CodeBlock.of("$S", name + "_forward") : "null", bwd ? CodeBlock.of("$S", name + "_backward") : "null",
                d.accumulate()));
    }

    private void activation(Step.Elementwise e, String name) {
        Primitive p = e.activation().primitive();
        String act = e.activation().kind().torchName();
        src.append("// ").append(e.label()).append(": ").append(act).append(", element by element\n");
        open(name + "_forward", "GLOBAL const float* RESTRICT in, GLOBAL float* RESTRICT out, int count", "count");
        src.append("    float x = in[i];\n");
        src.append("    out[i] = ").append(rule(p.forward, e.activation())).append(";\n");
        src.append("}\n\n");
        src.append("// ").append(e.label()).append(": ").append(act).append("'s backward\n");
        open(name + "_backward", "GLOBAL const float* RESTRICT in, GLOBAL const float* RESTRICT out, "
                + "GLOBAL const float* RESTRICT gOut, GLOBAL float* RESTRICT gIn, int count, int accumulate", "count");
        src.append("    float ").append(p.backwardUsesInput ? "x = in[i]" : "y = out[i]").append(", g = gOut[i];\n");
        src.append("    float r = ").append(rule(p.backward, e.activation())).append(";\n");
        src.append("    gIn[i] = accumulate ? gIn[i] + r : r;\n");
        src.append("}\n\n");
        ops.add(CodeBlock.of("new $T.Activation($L, $L, $S, $S, $L)", PLAN, id(e.in()), id(e.out()), name + "_forward",
                name + "_backward", e.accumulate()));
    }

    /** Starts kernel {@code name}: one work item an element, the ones past {@code bound} doing nothing. */
    private void open(String name, String params, String bound) {
        src.append("KERNEL void ").append(name).append("(").append(params).append(") {\n");
        src.append("    int i = GLOBAL_ID(0);\n");
        src.append("    if (i >= ").append(bound).append(") return;\n");
    }

    private String rule(String javaRule, Step.Activation a) {
        gelu |= DialectRule.callsGelu(javaRule);
        return DialectRule.of(javaRule, a);
    }
}
