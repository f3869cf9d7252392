package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Step;
import dev.kiln.processor.model.Primitive;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

/**
 * The device program of a dense chain: per layer, one kernel that adds the bias and applies the activation over
 * {@code [rows, out]} after the library's GEMM, and one for the activation's backward, in Kiln's kernel dialect,
 * each activation from its primitive-table rule ({@link DialectRule}). Sizes and parameter offsets are literals, as
 * in the generated Java. The runtime's device step runs the GEMMs, the loss and the optimizer from its library.
 */
final class DeviceKernelWriter {
    private static final ClassName DEVICE_KERNELS = ClassName.get(Names.COMPILED, "DeviceKernels");

    private final Plan plan;

    DeviceKernelWriter(Plan plan) { this.plan = plan; }

    void write(TypeSpec.Builder t) {
        Optional<List<Step.Dense>> chain = DenseChainWriter.chain(plan);
        if (chain.isEmpty()) return;
        StringBuilder src = new StringBuilder();
        List<String> forward = new ArrayList<>(), backward = new ArrayList<>();
        boolean gelu = false;
        for (Step.Dense d : chain.get()) {
            String name = d.label().replace('.', '_');
            forward.add(d.bias().isPresent() || d.activation().isPresent() ? name + "_forward" : null);
            backward.add(d.activation().isPresent() ? name + "_backward" : null);
            gelu |= d.activation().map(a -> DialectRule.callsGelu(a.primitive().forward)).orElse(false);
            writeLayer(src, d, name);
        }
        String source = (gelu ? DialectRule.GELU_FUNCTIONS : "") + src;
        t.addField(FieldSpec.builder(DEVICE_KERNELS, "DEVICE_KERNELS", PRIVATE, STATIC, FINAL)
                .addJavadoc("The chain's bias + activation kernels for a device, in Kiln's kernel dialect.\n")
                .initializer("new $T($S,\n$T.asList($L),\n$T.asList($L))", DEVICE_KERNELS, source,
                        java.util.Arrays.class, names(forward), java.util.Arrays.class, names(backward)).build());
        t.addMethod(MethodSpec.methodBuilder("deviceKernels").addAnnotation(Override.class).addModifiers(PUBLIC)
                .returns(DEVICE_KERNELS).addStatement("return DEVICE_KERNELS").build());
    }

    private static CodeBlock names(List<String> names) {
        return names.stream().map(n -> n == null ? CodeBlock.of("(String) null") : CodeBlock.of("$S", n))
                .collect(CodeBlock.joining(", "));
    }

    private static void writeLayer(StringBuilder src, Step.Dense d, String name) {
        int width = d.outFeatures();
        String act = d.activation().map(a -> a.kind().torchName()).orElse("");
        if (d.bias().isPresent() || d.activation().isPresent()) {
            src.append("// ").append(d.label()).append(": ").append(d.bias().isPresent() ? (act.isEmpty() ? "bias" : "bias + " + act) : act).append(" over [rows, ").append(width)
                    .append("], in place after the GEMM\n");
            src.append("KERNEL void ").append(name).append("_forward(GLOBAL float* RESTRICT out, GLOBAL const float* RESTRICT params, int rows) {\n");
            src.append("    int i = GLOBAL_ID(0);\n");
            src.append("    if (i >= rows * ").append(width).append(") return;\n");
            src.append("    float x = out[i]");
            d.bias().ifPresent(b -> src.append(" + params[").append(b.offset()).append(" + i % ").append(width).append("]"));
            src.append(";\n");
            src.append("    out[i] = ").append(d.activation().map(a -> DialectRule.of(a.primitive().forward, a)).orElse("x")).append(";\n");
            src.append("}\n\n");
        }
        d.activation().ifPresent(a -> {
            Primitive p = a.primitive();
            // The chain holds no such layer (DenseChainWriter.chain): its kernel would need the pre-activation buffer.
            if (p.backwardUsesInput) throw new IllegalStateException(d.label() + ": " + p + "'s backward reads its input");
            src.append("// ").append(d.label()).append(": ").append(act).append("'s backward, dL/dy -> dL/dx in place\n");
            src.append("KERNEL void ").append(name).append("_backward(GLOBAL const float* RESTRICT out, GLOBAL float* RESTRICT delta, int rows) {\n");
            src.append("    int i = GLOBAL_ID(0);\n");
            src.append("    if (i >= rows * ").append(width).append(") return;\n");
            src.append("    float y = out[i], g = delta[i];\n");
            src.append("    delta[i] = ").append(DialectRule.of(p.backward, a)).append(";\n");
            src.append("}\n\n");
        });
    }
}
