package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Slot;
import dev.kiln.processor.fuse.Step;
import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.TensorShape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

/**
 * The Tensor-facing half of a generated model: {@code forward(Tensor)}, {@code backward(Tensor)} with
 * autograd's accumulate-into-{@code .grad} semantics, parameters as views of the flat buffers, and
 * state dicts in PyTorch's key order (per layer: weight, bias, running_mean, running_var, num_batches_tracked).
 */
final class TensorApiWriter {
    private static final ClassName STRING = ClassName.get(String.class);
    private final InferredModel model;
    private final Plan plan;

    TensorApiWriter(InferredModel model, Plan plan) {
        this.model = model;
        this.plan = plan;
    }

    void write(TypeSpec.Builder t, ClassName self) {
        ParameterizedTypeName map = ParameterizedTypeName.get(ClassName.get(Map.class), STRING, Names.TENSOR);
        t.addField(FieldSpec.builder(map, "namedParameters", PRIVATE, FINAL).build());
        t.addField(FieldSpec.builder(String.class, "SUMMARY", PRIVATE, STATIC, FINAL).initializer("$S", Summary.table(model)).build());
        String inDims = dims(model.decl().input()), outDims = dims(model.output());
        t.addMethod(MethodSpec.methodBuilder("forward").addModifiers(PUBLIC).returns(Names.TENSOR).addParameter(Names.TENSOR, "x")
                .addJavadoc("Runs the model on {@code x} of shape {@code $L}; returns a new tensor of shape {@code $L}.\n",
                        model.decl().input(), model.output())
                .addStatement("int n = x.size(0)")
                .beginControlFlow("if (x.numel() != n * INPUT_SIZE)")
                .addStatement("throw new $T($S + x.size())", IllegalArgumentException.class, "expected input of shape [N, " + inDims + "] but got ")
                .endControlFlow()
                .addStatement("ensureCapacity(n)")
                .addStatement("float[] out = forward(x.toFloatArray(), n)")
                .addStatement("return $T.fromArray($T.copyOf(out, n * OUTPUT_SIZE), n, $L)", Names.TORCH, java.util.Arrays.class, outDims)
                .build());
        t.addMethod(MethodSpec.methodBuilder("backward").addModifiers(PUBLIC).returns(Names.TENSOR).addParameter(Names.TENSOR, "gradOut")
                .addJavadoc("Backpropagates {@code gradOut} through the last {@link #forward(Tensor)}: adds the parameter gradients to\n"
                        + "{@code grads} (like autograd adds to {@code .grad}; see {@link #zeroGrad()}) and returns the gradient of\n"
                        + "the input, so compiled models chain.\n")
                .addStatement("int n = gradOut.size(0)")
                .addStatement("float[] gradIn = new float[n * INPUT_SIZE]")
                .addStatement("backwardPass(gradOut.toFloatArray(), n, gradIn, true, true)")
                .addStatement("return $T.fromArray(gradIn, n, $L)", Names.TORCH, inDims).build());
        t.addMethod(MethodSpec.methodBuilder("zeroGrad").addModifiers(PUBLIC)
                .addStatement("$T.fill(grads, 0f)", java.util.Arrays.class).build());

        MethodSpec.Builder views = MethodSpec.methodBuilder("namedParameterViews").addModifiers(PRIVATE).returns(map)
                .addStatement("$T m = new $T<>()", map, LinkedHashMap.class);
        for (Slot s : plan.parameters()) {
            views.addStatement("m.put($S, $T.parameter(params, grads, $L, $L))", s.key(), Names.FLAT_VIEWS, s.constant(), s.shapeArgs());
        }
        t.addMethod(views.addStatement("return $T.unmodifiableMap(m)", java.util.Collections.class).build());
        t.addMethod(MethodSpec.methodBuilder("namedParameters").addModifiers(PUBLIC).returns(map)
                .addJavadoc("Parameters by state-dict key: views of the flat buffer whose {@code .grad} views the gradient buffer.\n")
                .addStatement("return namedParameters").build());
        t.addMethod(MethodSpec.methodBuilder("parameters").addModifiers(PUBLIC)
                .returns(ParameterizedTypeName.get(ClassName.get(List.class), Names.TENSOR))
                .addStatement("return $T.copyOf(namedParameters.values())", List.class).build());

        MethodSpec.Builder sd = MethodSpec.methodBuilder("stateDict").addModifiers(PUBLIC).returns(map)
                .addJavadoc("Views of parameters and running statistics by key; writes through. num_batches_tracked is a float32 view\n"
                        + "here (int64 in PyTorch); loading an int64 one converts.\n")
                .addStatement("$T m = new $T<>()", map, LinkedHashMap.class);
        for (Entry e : stateDictOrder()) {
            sd.addStatement("m.put($S, $T.view($L, $L$L))", e.slot().key(), Names.FLAT_VIEWS, e.array(), e.slot().constant(),
                    e.slot().shape().length == 0 ? "" : ", " + e.slot().shapeArgs());
        }
        t.addMethod(sd.addStatement("return m").build());
        t.addMethod(MethodSpec.methodBuilder("loadStateDict").addModifiers(PUBLIC).addParameter(map, "source")
                .addParameter(boolean.class, "strict")
                .addStatement("$T.load(stateDict(), source, strict)", Names.FLAT_VIEWS).build());
        t.addMethod(MethodSpec.methodBuilder("loadStateDict").addModifiers(PUBLIC).addParameter(map, "source")
                .addStatement("loadStateDict(source, true)").build());
        t.addMethod(MethodSpec.methodBuilder("toString").addAnnotation(Override.class).addModifiers(PUBLIC).returns(String.class)
                .addStatement("return $S + SUMMARY", self.simpleName() + "\n").build());
    }

    private record Entry(Slot slot, String array) {}

    private List<Entry> stateDictOrder() {
        List<Entry> out = new ArrayList<>();
        for (Step s : plan.steps()) {
            switch (s) {
                case Step.Dense d -> {
                    out.add(new Entry(d.weight(), "params"));
                    d.bias().ifPresent(b -> out.add(new Entry(b, "params")));
                }
                case Step.Conv v -> {
                    out.add(new Entry(v.weight(), "params"));
                    v.bias().ifPresent(b -> out.add(new Entry(b, "params")));
                }
                case Step.BatchNorm b -> {
                    b.weight().ifPresent(w -> out.add(new Entry(w, "params")));
                    b.bias().ifPresent(w -> out.add(new Entry(w, "params")));
                    out.add(new Entry(b.runningMean(), "state"));
                    out.add(new Entry(b.runningVar(), "state"));
                    out.add(new Entry(b.count(), "state"));
                }
                default -> { }
            }
        }
        return out;
    }

    private static String dims(TensorShape s) {
        return s.dims().stream().map(d -> Integer.toString(((Dim.Fixed) d).size())).collect(Collectors.joining(", "));
    }
}
