package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Step;

import java.util.List;
import java.util.Optional;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

/**
 * For a model that is only a chain of Linear layers (each with an element-wise activation whose derivative
 * reads its output), the pieces the runtime's two-core column split needs: the layers' offsets and sizes, and
 * each layer's bias + activation and activation backward over a block of columns, from the primitive table.
 */
final class DenseChainWriter {
    private static final ClassName DENSE_LAYER = ClassName.get("dev.kiln.compiled", "DenseLayer");

    private final Plan plan;

    DenseChainWriter(Plan plan) { this.plan = plan; }

    /** The chain's layers, or empty when the model is anything else (a convolution, a norm, a skip, GELU, a sequence ...). */
    static Optional<List<Step.Dense>> chain(Plan plan) {
        if (plan.sequence().isPresent() || plan.inputs().size() > 1 || plan.outputs().size() > 1 || plan.steps().isEmpty()) {
            return Optional.empty();
        }
        List<Step.Dense> layers = new java.util.ArrayList<>();
        for (Step s : plan.steps()) {
            if (!(s instanceof Step.Dense d) || d.rowsPerSample() != 1 || d.pre().isPresent() || d.accumulate()) return Optional.empty();
            if (d.activation().map(a -> Primitive.of(a).backwardUsesInput || a.kind().rowWise()).orElse(false)) return Optional.empty();
            boolean chained = layers.isEmpty() ? d.in().isInput() : d.in().equals(layers.getLast().out());
            if (!chained) return Optional.empty();
            layers.add(d);
        }
        return layers.getLast().out().equals(plan.output()) ? Optional.of(layers) : Optional.empty();
    }

    void write(TypeSpec.Builder t) {
        Optional<List<Step.Dense>> chain = chain(plan);
        if (chain.isEmpty()) return;
        List<Step.Dense> layers = chain.get();
        ParameterizedTypeName list = ParameterizedTypeName.get(ClassName.get(List.class), DENSE_LAYER);
        t.addField(FieldSpec.builder(list, "DENSE_CHAIN", PRIVATE, STATIC, FINAL)
                .addJavadoc("The layers for a two-core step that splits each layer's output features.\n")
                .initializer("$T.of($L)", List.class, layers.stream().map(d -> CodeBlock.of("new $T($L, $L, $L, $L)", DENSE_LAYER,
                        d.weight().constant(), d.bias().map(b -> b.constant()).orElse("-1"), d.inFeatures(), d.outFeatures()))
                        .collect(CodeBlock.joining(", "))).build());
        t.addMethod(MethodSpec.methodBuilder("denseChain").addAnnotation(Override.class).addModifiers(PUBLIC).returns(list)
                .addStatement("return DENSE_CHAIN").build());
        MethodSpec.Builder epilogue = columnBlockMethod("denseEpilogue").addParameter(float[].class, "out");
        MethodSpec.Builder backward = columnBlockMethod("denseActivationBackward").addParameter(float[].class, "out")
                .addParameter(float[].class, "grad").addParameter(float[].class, "delta");
        for (MethodSpec.Builder m : List.of(epilogue, backward)) {
            m.addParameter(int.class, "rows").addParameter(int.class, "lo").addParameter(int.class, "hi");
            m.beginControlFlow("switch (layer)");
        }
        for (int l = 0; l < layers.size(); l++) {
            Step.Dense d = layers.get(l);
            int outF = d.outFeatures();
            epilogue.addCode("case $L -> {\n$>", l);
            openColumnLoop(epilogue, outF);
            epilogue.addStatement("float x = out[i + j]");
            d.bias().ifPresent(b -> epilogue.addStatement("x = x + params[$L + j]", b.constant()));
            epilogue.addStatement("out[i + j] = $L", d.activation().map(a -> PassWriter.fill(Primitive.of(a).forward, a)).orElse(CodeBlock.of("x")));
            closeColumnLoop(epilogue);
            epilogue.addCode("$<}\n");
            backward.addCode("case $L -> {\n$>", l);
            openColumnLoop(backward, outF);
            backward.addStatement("float y = out[i + j], g = grad[i + j]");
            backward.addStatement("delta[i + j] = $L", d.activation().map(a -> PassWriter.fill(Primitive.of(a).backward, a)).orElse(CodeBlock.of("g")));
            closeColumnLoop(backward);
            backward.addCode("$<}\n");
        }
        for (MethodSpec.Builder m : List.of(epilogue, backward)) {
            m.addStatement("default -> throw new $T($S + layer)", IllegalArgumentException.class, "no dense layer ");
            m.endControlFlow();
            t.addMethod(m.build());
        }
    }

    private static MethodSpec.Builder columnBlockMethod(String name) {
        return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(PUBLIC).addParameter(int.class, "layer");
    }

    private static void openColumnLoop(MethodSpec.Builder m, int width) {
        m.beginControlFlow("for (int i = 0, end = rows * $L; i < end; i += $L)", width, width);
        m.beginControlFlow("for (int j = lo; j < hi; j++)");
    }

    private static void closeColumnLoop(MethodSpec.Builder m) {
        m.endControlFlow();
        m.endControlFlow();
    }
}
