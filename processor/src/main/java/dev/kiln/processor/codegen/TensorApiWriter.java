package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.fuse.Plan;
import dev.kiln.processor.fuse.Slot;
import dev.kiln.processor.fuse.Step;
import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.TensorShape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

/**
 * The Tensor-facing half of a generated model: {@code forward(Tensor)}, {@code backward(Tensor)} with
 * autograd's accumulate-into-{@code .grad} semantics, parameters as views of the flat buffers, and
 * state dicts in PyTorch's key order (per layer: weight, bias, running_mean, running_var, num_batches_tracked), under
 * field keys and, for chain models, the keys of the equivalent {@code nn.Sequential}.
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
        if (plan.packedInputs() || plan.packedOutputs()) multiTensorPasses(t);
        else singleTensorPasses(t);
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
        stateDictForms(t, map, self);
        t.addMethod(MethodSpec.methodBuilder("loadStateDict").addModifiers(PUBLIC).addParameter(map, "source")
                .addStatement("loadStateDict(source, true)").build());
        t.addMethod(MethodSpec.methodBuilder("toString").addAnnotation(Override.class).addModifiers(PUBLIC).returns(String.class)
                .addStatement("return $S + SUMMARY", self.simpleName() + "\n").build());
    }

    /**
     * Field keys always; with a chain model also the keys of its {@code nn.Sequential} equivalent, which
     * {@code loadStateDict} accepts as well (see {@link SequentialKeys}).
     */
    private void stateDictForms(TypeSpec.Builder t, ParameterizedTypeName map, ClassName self) {
        Optional<SequentialKeys> sequential = SequentialKeys.of(model);
        MethodSpec.Builder load = MethodSpec.methodBuilder("loadStateDict").addModifiers(PUBLIC).addParameter(map, "source")
                .addParameter(boolean.class, "strict");
        // ModelWriter's class Javadoc ends with the field-key sentence; this continues it.
        if (sequential.isEmpty()) {
            t.addJavadoc("No {@code nn.Sequential} key form: a Sequential cannot express\n$L.\n",
                    SequentialKeys.obstacle(model).orElseThrow());
            t.addMethod(load.addJavadoc("Copies {@code source} (field keys) into the model; strict mode requires exactly its keys.\n")
                    .addStatement("$T.load($S, stateDict(), source, strict)", Names.STATE_DICTS, self.simpleName()).build());
            return;
        }
        SequentialKeys keys = sequential.get();
        t.addJavadoc("{@link #sequentialStateDict()} gives the keys of the equivalent {@code nn.Sequential} ({@code 0.weight}),\n"
                + "whose modules are: $L.\n", keys.layout());
        t.addField(FieldSpec.builder(String[].class, "SEQUENTIAL_KEYS", PRIVATE, STATIC, FINAL)
                .addJavadoc("The nn.Sequential key of each stateDict() entry, in its order.\n")
                .initializer("{$L}", stateDictOrder().stream().map(e -> CodeBlock.of("$S", keys.key(e.slot().key())))
                        .collect(CodeBlock.joining(", "))).build());
        t.addMethod(MethodSpec.methodBuilder("sequentialStateDict").addModifiers(PUBLIC).returns(map)
                .addJavadoc("{@link #stateDict()} under the keys of the equivalent {@code nn.Sequential}: the form an eager\n"
                        + "{@code Sequential} or PyTorch's {@code nn.Sequential} saves and loads. Its modules:\n$L.\n", keys.layout())
                .addStatement("return $T.rekey(stateDict(), SEQUENTIAL_KEYS)", Names.STATE_DICTS).build());
        t.addMethod(load.addJavadoc("Copies {@code source} into the model, in either key form (field or Sequential: the one it\n"
                        + "shares more keys with); strict mode requires exactly that form's keys.\n")
                .addStatement("$T.load($S, stateDict(), sequentialStateDict(), source, strict)", Names.STATE_DICTS, self.simpleName())
                .build());
    }

    /**
     * One tensor in, one out. A sequence model takes {@code [N, T, ...]} and runs its {@code n * t} rows; a model whose
     * input holds token indices returns no input gradient from backward.
     */
    private void singleTensorPasses(TypeSpec.Builder t) {
        boolean sequence = plan.sequence().isPresent();
        if (!sequence && model.decl().input().allFixed() && model.output().allFixed()) {
            // The trainer checks tensors and the loss against these.
            t.addMethod(shapeGetter("inputShape", model.decl().input(), "input"));
            t.addMethod(shapeGetter("outputShape", model.output(), "output"));
        }
        String rows = sequence ? "n * t" : "n";
        MethodSpec.Builder forward = MethodSpec.methodBuilder("forward").addModifiers(PUBLIC).returns(Names.TENSOR).addParameter(Names.TENSOR, "x")
                .addJavadoc("Runs the model on {@code x} of shape {@code $L}; returns a new tensor of shape {@code $L}.\n",
                        model.decl().input(), model.output());
        batchDims(forward, "x", "input", "INPUT_SIZE", model.decl().input());
        t.addMethod(forward.addStatement("ensureCapacity($L)", rows)
                .addStatement("float[] out = forward(x.toFloatArray(), $L)", rows)
                .addStatement("return $T.fromArray($T.copyOf(out, $L * OUTPUT_SIZE), $L)", Names.TORCH, java.util.Arrays.class, rows,
                        shapeArgs(model.output()))
                .build());
        MethodSpec.Builder backward = MethodSpec.methodBuilder("backward").addModifiers(PUBLIC).addParameter(Names.TENSOR, "gradOut");
        batchDims(backward, "gradOut", "gradOut", "OUTPUT_SIZE", model.output());
        if (plan.indexInput().isPresent()) {
            t.addMethod(backward.addJavadoc("Backpropagates {@code gradOut} through the last {@link #forward(Tensor)}: adds the parameter gradients to\n"
                            + "{@code grads} (like autograd adds to {@code .grad}; see {@link #zeroGrad()}). The input holds token indices,\n"
                            + "which have no gradient, so nothing is returned.\n")
                    .addStatement("backwardPass(gradOut.toFloatArray(), $L, EMPTY, false, true)", rows).build());
            return;
        }
        t.addMethod(backward.returns(Names.TENSOR)
                .addJavadoc("Backpropagates {@code gradOut} through the last {@link #forward(Tensor)}: adds the parameter gradients to\n"
                        + "{@code grads} (like autograd adds to {@code .grad}; see {@link #zeroGrad()}) and returns the gradient of\n"
                        + "the input, so compiled models chain.\n")
                .addStatement("float[] gradIn = new float[$L * INPUT_SIZE]", rows)
                .addStatement("backwardPass(gradOut.toFloatArray(), $L, gradIn, true, true)", rows)
                .addStatement("return $T.fromArray(gradIn, $L)", Names.TORCH, shapeArgs(model.decl().input())).build());
    }

    /**
     * Reads {@code n} (and a sequence model's {@code t}) from a tensor, checking that it holds {@code shape}; a plain
     * model's gradOut is taken as it comes, as before sequences existed.
     */
    private void batchDims(MethodSpec.Builder m, String tensor, String what, String size, TensorShape shape) {
        boolean sequence = plan.sequence().isPresent();
        if (sequence) {
            m.beginControlFlow("if ($L.dim() != $L)", tensor, shape.rank() + 1)
                    .addStatement("throw new $T($S + $L.size())", IllegalArgumentException.class, "expected " + what + " of shape " + shape + " but got ", tensor)
                    .endControlFlow()
                    .addStatement("int n = $L.size(0), t = $L.size(1)", tensor, tensor);
        } else {
            m.addStatement("int n = $L.size(0)", tensor);
            if (!tensor.equals("x")) return;
        }
        m.beginControlFlow("if ($L.numel() != $L * $L)", tensor, sequence ? "n * t" : "n", size)
                .addStatement("throw new $T($S + $L.size())", IllegalArgumentException.class, "expected " + what + " of shape " + shape + " but got ", tensor)
                .endControlFlow();
    }

    /** Named shapes of the inputs ("input" first, then each @Input) or of the outputs, in declaration order. */
    private Map<String, TensorShape> inputShapes() {
        Map<String, TensorShape> m = new LinkedHashMap<>();
        m.put("input", model.decl().input());
        for (var l : model.decl().layers()) if (l.op() instanceof LayerOp.Input in) m.put(l.name(), in.shape());
        return m;
    }

    private Map<String, TensorShape> outputShapes() {
        Map<String, TensorShape> m = new LinkedHashMap<>();
        for (String name : model.outputs()) {
            m.put(name, model.layers().stream().filter(l -> l.decl().name().equals(name)).findFirst().orElseThrow().out());
        }
        return m;
    }

    /**
     * Tensor passes of a model with several inputs or outputs: one tensor per input in, one per output back (both in
     * declaration order), packed into and out of the raw per-sample layout ({@code Packing}).
     */
    private void multiTensorPasses(TypeSpec.Builder t) {
        ParameterizedTypeName list = ParameterizedTypeName.get(ClassName.get(List.class), Names.TENSOR);
        t.addMethod(packedPass("forward", inputShapes(), outputShapes(), "INPUT_SIZE", "OUTPUT_SIZE", list,
                "Runs the model; returns its outputs $L in declaration order.\n", b -> b
                        .addStatement("ensureCapacity(n)")
                        .addStatement("float[] result = forward(packed, n)")));
        Map<String, TensorShape> gradOuts = new LinkedHashMap<>();
        outputShapes().forEach((k, v) -> gradOuts.put("grad" + Character.toUpperCase(k.charAt(0)) + k.substring(1), v));
        t.addMethod(packedPass("backward", gradOuts, inputShapes(), "OUTPUT_SIZE", "INPUT_SIZE", list,
                "Backpropagates the outputs' gradients through the last forward: adds the parameter gradients to {@code grads}\n"
                        + "(as autograd adds to {@code .grad}) and returns the gradients of the inputs $L.\n", b -> b
                        .addStatement("float[] result = new float[n * INPUT_SIZE]")
                        .addStatement("backwardPass(packed, n, result, true, true)")));
        t.addMethod(MethodSpec.methodBuilder("part").addModifiers(PRIVATE, STATIC).returns(float[].class)
                .addParameter(Names.TENSOR, "t").addParameter(int.class, "n").addParameter(int.class, "size")
                .addParameter(String.class, "name")
                .beginControlFlow("if (t.numel() != (long) n * size)")
                .addStatement("throw new $T(name + $S + n + $S + size + $S + t.size())", IllegalArgumentException.class,
                        ": expected ", " samples of ", " floats but got ")
                .endControlFlow()
                .addStatement("return t.toFloatArray()").build());
    }

    private MethodSpec packedPass(String name, Map<String, TensorShape> in, Map<String, TensorShape> out, String inSize,
                                  String outSize, ParameterizedTypeName list, String doc,
                                  java.util.function.Consumer<MethodSpec.Builder> middle) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(PUBLIC).returns(list)
                .addJavadoc(doc, out.keySet());
        in.keySet().forEach(k -> m.addParameter(Names.TENSOR, k));
        m.addStatement("int n = $L.size(0)", in.keySet().iterator().next());
        m.addStatement("float[] packed = new float[n * $L]", inSize);
        int offset = 0;
        for (var e : in.entrySet()) {
            int size = e.getValue().numel();
            m.addStatement("$T.pack(part($L, n, $L, $S), $L, n, packed, $L, $L)", Names.PACKING, e.getKey(), size, e.getKey(), size,
                    inSize, offset);
            offset += size;
        }
        middle.accept(m);
        m.addStatement("$T<$T> parts = new $T<>()", List.class, Names.TENSOR, ArrayList.class);
        offset = 0;
        for (var e : out.entrySet()) {
            int size = e.getValue().numel();
            m.addStatement("float[] $L = new float[n * $L]", e.getKey() + "Part", size);
            m.addStatement("$T.unpack(result, $L, $L, n, $LPart, $L)", Names.PACKING, outSize, offset, e.getKey(), size);
            m.addStatement("parts.add($T.fromArray($LPart, $L))", Names.TORCH, e.getKey(), shapeArgs(e.getValue()));
            offset += size;
        }
        return m.addStatement("return parts").build();
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
                case Step.LayerNorm n -> {
                    n.weight().ifPresent(w -> out.add(new Entry(w, "params")));
                    n.bias().ifPresent(w -> out.add(new Entry(w, "params")));
                }
                case Step.Embedding e -> out.add(new Entry(e.weight(), "params"));
                case Step.BatchNorm b -> {
                    b.weight().ifPresent(w -> out.add(new Entry(w, "params")));
                    b.bias().ifPresent(w -> out.add(new Entry(w, "params")));
                    b.runningMean().ifPresent(m -> out.add(new Entry(m, "state")));
                    b.runningVar().ifPresent(v -> out.add(new Entry(v, "state")));
                    b.count().ifPresent(c -> out.add(new Entry(c, "state")));
                }
                default -> { }
            }
        }
        return out;
    }

    private static MethodSpec shapeGetter(String name, TensorShape shape, String what) {
        String dims = java.util.stream.IntStream.range(0, shape.rank()).mapToObj(i -> Integer.toString(shape.size(i)))
                .collect(Collectors.joining(", "));
        return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(PUBLIC).returns(int[].class)
                .addJavadoc("The shape of one $L sample after N: {@code $L}.\n", what, shape)
                .addStatement("return new int[] {$L}", dims).build();
    }

    /** The Java arguments of a shape with its batch: {@code n, 4}; a sequence model's T is the variable {@code t}. */
    private static String shapeArgs(TensorShape s) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("n"),
                s.dims().stream().map(d -> d instanceof Dim.Fixed f ? Integer.toString(f.size()) : "t")).collect(Collectors.joining(", "));
    }
}
