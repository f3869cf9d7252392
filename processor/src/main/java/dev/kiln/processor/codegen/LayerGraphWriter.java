package dev.kiln.processor.codegen;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeSpec;
import dev.kiln.processor.model.ActivationKind;
import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.InferredLayer;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.TensorShape;
import dev.kiln.processor.shapes.ShapeInference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static javax.lang.model.element.Modifier.PUBLIC;

/**
 * Writes {@code layerGraph()}: the model's computation as a list of steps with each layer's attributes and state-dict
 * keys, read by exporters ({@code dev.kiln.io.Onnx}). Blocks are listed as their layers, then a {@code Block} step
 * that closes them (see the runtime's {@code LayerGraph}).
 */
final class LayerGraphWriter {
    private static final ClassName GRAPH = ClassName.get(Names.COMPILED, "LayerGraph");
    private static final ClassName VALUE = GRAPH.nestedClass("Value");
    private static final ClassName STEP = GRAPH.nestedClass("Step");
    private static final ClassName ACTIVATION = GRAPH.nestedClass("Activation");

    private final InferredModel model;
    private final List<CodeBlock> inputs = new ArrayList<>();
    private final List<CodeBlock> steps = new ArrayList<>();

    LayerGraphWriter(InferredModel model) {
        this.model = model;
    }

    void write(TypeSpec.Builder t) {
        inputs.add(CodeBlock.of("new $T($S, $L)", VALUE, ShapeInference.INPUT, shape(model.decl().input())));
        Map<String, String> scope = new HashMap<>();
        scope.put(ShapeInference.INPUT, ShapeInference.INPUT);
        walk(model, "", scope);
        List<String> outputs = model.outputs().stream().map(scope::get).toList();
        CodeBlock.Builder body = CodeBlock.builder().add("return new $T(\n", GRAPH).indent().indent()
                .add("$T.of($L),\n", List.class, CodeBlock.join(inputs, ", "))
                .add("$T.of(\n", List.class).indent().add(CodeBlock.join(steps, ",\n")).unindent().add("),\n")
                .add("$T.of($L));\n", List.class, strings(outputs)).unindent().unindent();
        t.addMethod(MethodSpec.methodBuilder("layerGraph").addAnnotation(Override.class).addModifiers(PUBLIC).returns(GRAPH)
                .addJavadoc("The computation step by step, for exporters such as {@code Onnx.export}: each step's op and attributes as\n"
                        + "declared, the values it reads, its output shape after N and the state-dict keys of its parameters.\n")
                .addCode(body.build()).build());
    }

    /**
     * Adds the steps of {@code m}, naming them {@code prefix + field}; {@code scope} maps the names {@code m}'s
     * layers use ({@code input}, earlier fields) to value names. Returns the value name of {@code m}'s output.
     */
    private String walk(InferredModel m, String prefix, Map<String, String> scope) {
        String previous = scope.get(ShapeInference.INPUT);
        for (InferredLayer l : m.layers()) {
            LayerDecl d = l.decl();
            String name = prefix + d.name();
            if (d.op() instanceof LayerOp.Input) {
                inputs.add(CodeBlock.of("new $T($S, $L)", VALUE, name, shape(l.out())));
                scope.put(d.name(), name);
                continue;
            }
            List<String> sources = (d.from().isEmpty() ? List.of(previous) : d.from().stream().map(scope::get).toList());
            List<String> reads = sources;
            String op;
            Map<String, Object> attributes;
            List<String> parameters = List.of();
            if (d.op() instanceof LayerOp.Block b) {
                String current = sources.getFirst();
                for (int r = 0; r < l.body().size(); r++) {
                    Map<String, String> inner = new HashMap<>();
                    inner.put(ShapeInference.INPUT, current);
                    current = walk(l.body().get(r), name + (b.repeat() > 1 ? "." + r : "") + ".", inner);
                }
                op = "Block";
                reads = List.of(sources.getFirst(), current);
                attributes = Map.of();
            } else {
                op = d.op() instanceof LayerOp.MatMul ? "MatMul" : d.op().torchName();
                attributes = attributes(d.op(), l.in());
                parameters = parameters(d.op(), name);
            }
            CodeBlock activation = d.activation()
                    .map(a -> CodeBlock.of("new $T($S, $L)", ACTIVATION, a.torchName(), map(attributes(a, l.out()))))
                    .orElse(CodeBlock.of("null"));
            steps.add(CodeBlock.of("new $T($S, $S, $T.of($L), $L, $L, $T.of($L), $L, $L)", STEP, name, op, List.class, strings(reads),
                    shape(l.out()), map(attributes), List.class, strings(parameters), activation, d.residual()));
            scope.put(d.name(), name);
            previous = name;
        }
        return scope.get(m.outputs().getLast());
    }

    private static Map<String, Object> attributes(LayerOp op, TensorShape in) {
        Map<String, Object> a = new LinkedHashMap<>();
        switch (op) {
            case LayerOp.Linear l -> {
                a.put("inFeatures", ((Dim.Fixed) in.last()).size());
                a.put("outFeatures", l.outFeatures());
                a.put("bias", l.bias());
            }
            case LayerOp.Conv2d c -> {
                a.put("outChannels", c.outChannels());
                a.put("kernelSize", ints(c.kernel()));
                a.put("stride", ints(c.stride()));
                a.put("padding", ints(c.padding()));
                a.put("dilation", ints(c.dilation()));
                a.put("groups", c.groups());
                a.put("bias", c.bias());
            }
            case LayerOp.Pool2d p -> {
                a.put("kernelSize", ints(p.kernel()));
                a.put("stride", ints(p.stride()));
                a.put("padding", ints(p.padding()));
                if (p.max()) a.put("dilation", ints(p.dilation()));
                a.put("ceilMode", p.ceilMode());
                if (!p.max()) a.put("countIncludePad", p.countIncludePad());
            }
            case LayerOp.Flatten f -> {
                a.put("startDim", f.startDim());
                a.put("endDim", f.endDim());
            }
            case LayerOp.Dropout dr -> a.put("p", dr.p());
            case LayerOp.BatchNorm b -> {
                a.put("eps", b.eps());
                a.put("momentum", b.momentum());
                a.put("affine", b.affine());
                a.put("trackRunningStats", b.trackRunningStats());
            }
            case LayerOp.LayerNorm ln -> {
                int k = Math.max(1, ln.normalizedShape().size());
                List<Integer> shape = new ArrayList<>();
                for (int i = in.rank() - k; i < in.rank(); i++) shape.add(in.size(i));
                a.put("normalizedShape", shape);
                a.put("eps", ln.eps());
                a.put("elementwiseAffine", ln.elementwiseAffine());
            }
            case LayerOp.Embedding e -> {
                a.put("numEmbeddings", e.numEmbeddings());
                a.put("embeddingDim", e.embeddingDim());
                e.paddingIdx().ifPresent(p -> a.put("paddingIdx", p));
            }
            case LayerOp.Activation act -> {
                if (act.kind() == ActivationKind.LEAKY_RELU) a.put("negativeSlope", act.param());
                if (act.kind() == ActivationKind.GELU) a.put("approximate", act.param() == 1 ? "tanh" : "none");
                if (act.kind().rowWise()) a.put("dim", act.dim());
            }
            case LayerOp.MatMul m -> { }
            case LayerOp.Block b -> { }
            case LayerOp.Input i -> { }
        }
        return a;
    }

    private static List<String> parameters(LayerOp op, String name) {
        List<String> keys = new ArrayList<>();
        switch (op) {
            case LayerOp.Linear l -> add(keys, name, true, "weight", l.bias(), "bias");
            case LayerOp.Conv2d c -> add(keys, name, true, "weight", c.bias(), "bias");
            case LayerOp.BatchNorm b -> {
                add(keys, name, b.affine(), "weight", b.affine(), "bias");
                add(keys, name, b.trackRunningStats(), "running_mean", b.trackRunningStats(), "running_var");
            }
            case LayerOp.LayerNorm ln -> add(keys, name, ln.elementwiseAffine(), "weight", ln.elementwiseAffine(), "bias");
            case LayerOp.Embedding e -> keys.add(name + ".weight");
            default -> { }
        }
        return keys;
    }

    private static void add(List<String> keys, String name, boolean first, String a, boolean second, String b) {
        if (first) keys.add(name + "." + a);
        if (second) keys.add(name + "." + b);
    }

    private static List<Integer> ints(int[] values) {
        List<Integer> out = new ArrayList<>();
        for (int v : values) out.add(v);
        return out;
    }

    /** {@code List.of("1", "28", "28")}: a shape after N, symbolic dimensions by name. */
    private static CodeBlock shape(TensorShape s) {
        return CodeBlock.of("$T.of($L)", List.class, strings(s.dims().stream().map(Object::toString).toList()));
    }

    private static CodeBlock strings(List<String> values) {
        return CodeBlock.join(values.stream().map(v -> CodeBlock.of("$S", v)).toList(), ", ");
    }

    private static CodeBlock map(Map<String, Object> attributes) {
        List<CodeBlock> entries = new ArrayList<>();
        for (var e : attributes.entrySet()) entries.add(CodeBlock.of("$S, $L", e.getKey(), literal(e.getValue())));
        return CodeBlock.of("$T.of($L)", Map.class, CodeBlock.join(entries, ", "));
    }

    private static CodeBlock literal(Object v) {
        return switch (v) {
            case String s -> CodeBlock.of("$S", s);
            case Double x -> CodeBlock.of("$L", Double.toString(x));
            case List<?> list -> CodeBlock.of("$T.of($L)", List.class,
                    CodeBlock.join(list.stream().map(LayerGraphWriter::literal).toList(), ", "));
            default -> CodeBlock.of("$L", v);
        };
    }
}
