package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.model.Primitive;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Step;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

/**
 * For a model that is only a chain of Linear layers (each with an element-wise activation whose derivative reads
 * its output), what the runtime's two-core feature split needs: the layers' offsets and sizes, and each layer's
 * bias + activation and activation backward over a block of its output features, from the primitive table.
 */
final class DenseChainWriter {
    private final Plan plan;

    DenseChainWriter(Plan plan) { this.plan = plan; }

    /** The chain's layers, or empty when the model is anything else (a convolution, a norm, a skip, GELU, a sequence ...). */
    static Optional<List<Step.Dense>> chain(Plan plan) {
        if (plan.sequence().isPresent() || plan.inputs().size() > 1 || plan.outputs().size() > 1 || plan.steps().size() < 2) {
            return Optional.empty();
        }
        List<Step.Dense> layers = new ArrayList<>();
        for (Step s : plan.steps()) {
            if (!(s instanceof Step.Dense d) || d.rowsPerSample() != 1 || d.pre().isPresent() || d.accumulate()) return Optional.empty();
            if (d.activation().map(a -> a.primitive().backwardUsesInput || a.kind().rowWise()).orElse(false)) return Optional.empty();
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
        ParameterizedTypeName list = ParameterizedTypeName.get(ClassName.get(List.class), Names.DENSE_LAYER);
        t.addField(FieldSpec.builder(list, "DENSE_CHAIN", PRIVATE, STATIC, FINAL)
                .addJavadoc("The layers, for a two-core step that splits each layer's output features.\n")
                .initializer("$T.of($L)", List.class, layers.stream().map(d -> CodeBlock.of("new $T($L, $L, $L, $L)", Names.DENSE_LAYER,
                        d.weight().constant(), d.bias().map(b -> b.constant()).orElse("-1"), d.inFeatures(), d.outFeatures()))
                        .collect(CodeBlock.joining(", "))).build());
        t.addMethod(MethodSpec.methodBuilder("denseChain").addAnnotation(Override.class).addModifiers(PUBLIC).returns(list)
                .addStatement("return DENSE_CHAIN").build());
        MethodSpec.Builder epilogue = blockMethod("denseEpilogue").addParameter(float[].class, "block");
        MethodSpec.Builder backward = blockMethod("denseActivationBackward").addParameter(float[].class, "out")
                .addParameter(float[].class, "delta");
        for (MethodSpec.Builder m : List.of(epilogue, backward)) {
            m.addParameter(int.class, "rows").addParameter(int.class, "lo").addParameter(int.class, "hi");
            m.addStatement("int w = hi - lo");
            m.beginControlFlow("switch (layer)");
        }
        for (int l = 0; l < layers.size(); l++) {
            Step.Dense d = layers.get(l);
            epilogue.addCode("case $L -> {\n$>", l);
            d.bias().ifPresent(b -> epilogue.addStatement("$T.addBias(block, rows, w, params, $L + lo)", Names.COLUMN_BLOCKS, b.constant()));
            d.activation().ifPresent(a -> activation(epilogue, a));
            epilogue.addCode("$<}\n");
            backward.addCode("case $L -> {\n$>", l);
            d.activation().ifPresent(a -> activationBackward(backward, a, d.outFeatures()));
            backward.addCode("$<}\n");
        }
        for (MethodSpec.Builder m : List.of(epilogue, backward)) {
            m.addStatement("default -> throw new $T($S + layer)", IllegalArgumentException.class, "no dense layer ");
            m.endControlFlow();
            t.addMethod(m.build());
        }
    }

    private static void activation(MethodSpec.Builder m, Step.Activation a) {
        Primitive p = a.primitive();
        if (p == Primitive.RELU) {
            m.addStatement("$T.relu(block, rows * w)", Names.COLUMN_BLOCKS);
            return;
        }
        m.beginControlFlow("for (int i = 0, end = rows * w; i < end; i++)");
        m.addStatement("float x = block[i]");
        m.addStatement("block[i] = $L", PassWriter.fill(p.forward, a));
        m.endControlFlow();
    }

    /** The output's row r starts at {@code r * width + lo}, the block's at {@code r * w}. */
    private static void activationBackward(MethodSpec.Builder m, Step.Activation a, int width) {
        Primitive p = a.primitive();
        m.beginControlFlow("for (int r = 0; r < rows; r++)");
        if (p == Primitive.RELU) {
            // A data-dependent select; the kernel does it with a lane mask instead of a branch per element.
            m.addStatement("$T.reluBackward(out, r * $L + lo, delta, r * w, delta, r * w, w)", Names.DENSE, width);
        } else {
            m.beginControlFlow("for (int j = 0; j < w; j++)");
            m.addStatement("float y = out[r * $L + lo + j], g = delta[r * w + j]", width);
            m.addStatement("delta[r * w + j] = $L", PassWriter.fill(p.backward, a));
            m.endControlFlow();
        }
        m.endControlFlow();
    }

    private static MethodSpec.Builder blockMethod(String name) {
        return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(PUBLIC).addParameter(int.class, "layer");
    }
}
