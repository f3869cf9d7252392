package dev.kiln.io;

import com.google.protobuf.ByteString;
import dev.kiln.io.onnx.OnnxProto.AttributeProto;
import dev.kiln.io.onnx.OnnxProto.GraphProto;
import dev.kiln.io.onnx.OnnxProto.ModelProto;
import dev.kiln.io.onnx.OnnxProto.NodeProto;
import dev.kiln.io.onnx.OnnxProto.OperatorSetIdProto;
import dev.kiln.io.onnx.OnnxProto.TensorProto;
import dev.kiln.io.onnx.OnnxProto.TensorShapeProto;
import dev.kiln.io.onnx.OnnxProto.TypeProto;
import dev.kiln.io.onnx.OnnxProto.ValueInfoProto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds one ONNX graph layer by layer: each method adds the nodes of one Kiln layer (in eval mode) and returns the name
 * of its output value. Shapes are after the batch dimension N, which stays symbolic ({@code "N"}); a dimension is a
 * number or a symbolic name ({@code "T"}). Both front ends of {@link Onnx}, eager modules and compiled models, lower
 * through here, so a layer maps to the same nodes whichever API built it.
 */
final class OnnxGraph {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    /** Value names (inputs, initializers, node outputs) and node names: two namespaces in ONNX. */
    private final Set<String> names = new HashSet<>(), nodeNames = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** The finished model: IR version 10, the default domain at {@link Onnx#OPSET}. */
    ModelProto model(String docString) {
        return ModelProto.newBuilder()
                .setIrVersion(Onnx.IR_VERSION)
                .setProducerName("Kiln")
                .setProducerVersion(Onnx.class.getPackage().getImplementationVersion() == null ? "dev"
                        : Onnx.class.getPackage().getImplementationVersion())
                .setDocString(docString)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Onnx.OPSET))
                .setGraph(graph)
                .build();
    }

    // ------------------------------------------------------------ values

    void input(String name, int elemType, List<String> shape) {
        claim(name);
        graph.addInput(valueInfo(name, elemType, shape));
    }

    /** Declares {@code value} a graph output under {@code name} (an Identity node renames it). */
    void output(String value, String name, List<String> shape) {
        String out = value;
        if (!value.equals(name)) out = node("Identity", name, List.of(value), name);
        graph.addOutput(valueInfo(out, FLOAT, shape));
    }

    private static ValueInfoProto valueInfo(String name, int elemType, List<String> shape) {
        TensorShapeProto.Builder dims = TensorShapeProto.newBuilder();
        dims.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (String d : shape) {
            TensorShapeProto.Dimension.Builder b = TensorShapeProto.Dimension.newBuilder();
            if (d.chars().allMatch(Character::isDigit)) b.setDimValue(Long.parseLong(d));
            else b.setDimParam(d);
            dims.addDim(b);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(dims)))
                .build();
    }

    /** A float32 constant stored in the graph (weights, running statistics); returns its name, made unique. */
    String initializer(String name, float[] values, int... dims) {
        if (Arrays.stream(dims).asLongStream().reduce(1, (a, b) -> a * b) != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + Arrays.toString(dims));
        }
        String unique = fresh(name);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        graph.addInitializer(TensorProto.newBuilder().setName(unique).setDataType(FLOAT)
                .addAllDims(Arrays.stream(dims).asLongStream().boxed().toList())
                .setRawData(ByteString.copyFrom(bytes.array())));
        return unique;
    }

    /** An int64 constant (shapes, axes). */
    String longs(String name, long... values) {
        String unique = fresh(name);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        graph.addInitializer(TensorProto.newBuilder().setName(unique).setDataType(INT64).addDims(values.length)
                .setRawData(ByteString.copyFrom(bytes.array())));
        return unique;
    }

    String filled(String name, float value, int... dims) {
        float[] v = new float[Arrays.stream(dims).reduce(1, (a, b) -> a * b)];
        Arrays.fill(v, value);
        return initializer(name, v, dims);
    }

    /** Adds a node; its output value is named after {@code output}, made unique. Attributes come in name, value pairs. */
    String node(String opType, String name, List<String> inputs, String output, Object... attributes) {
        String out = fresh(output);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(fresh(nodeNames, name)).addAllInput(inputs).addOutput(out);
        for (int i = 0; i < attributes.length; i += 2) n.addAttribute(attribute((String) attributes[i], attributes[i + 1]));
        graph.addNode(n);
        return out;
    }

    private static AttributeProto attribute(String name, Object value) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        switch (value) {
            case Integer i -> a.setType(AttributeProto.AttributeType.INT).setI(i);
            case Long l -> a.setType(AttributeProto.AttributeType.INT).setI(l);
            case Boolean b -> a.setType(AttributeProto.AttributeType.INT).setI(b ? 1 : 0);
            case Double d -> a.setType(AttributeProto.AttributeType.FLOAT).setF(d.floatValue());
            case String s -> a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
            case int[] ints -> a.setType(AttributeProto.AttributeType.INTS).addAllInts(Arrays.stream(ints).asLongStream().boxed().toList());
            case String[] strings -> a.setType(AttributeProto.AttributeType.STRINGS)
                    .addAllStrings(Arrays.stream(strings).map(ByteString::copyFromUtf8).toList());
            default -> throw new IllegalArgumentException("attribute " + name + ": " + value.getClass());
        }
        return a.build();
    }

    private String fresh(String base) {
        return fresh(names, base);
    }

    private static String fresh(Set<String> taken, String base) {
        String name = base;
        for (int i = 1; taken.contains(name); i++) name = base + "_" + i;
        taken.add(name);
        return name;
    }

    private void claim(String name) {
        if (!names.add(name)) throw new IllegalArgumentException("value " + name + " declared twice");
    }

    // ------------------------------------------------------------ layers

    /**
     * The layer a node name belongs to, whose state-dict keys name its weights: {@code fc1} for {@code fc1} and for
     * {@code fc1/Linear}, the node before a fused activation.
     */
    private static String key(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }

    /**
     * {@code y = x W^T + b} over the last dimension: Gemm for a {@code [N, in]} input, MatMul (and Add) for more
     * dimensions. {@code rank} counts N.
     */
    String linear(String name, String x, int rank, float[] weight, float[] bias, int in, int out) {
        if (rank == 2) {
            List<String> inputs = new ArrayList<>(List.of(x, initializer(key(name) + ".weight", weight, out, in)));
            if (bias != null) inputs.add(initializer(key(name) + ".bias", bias, out));
            return node("Gemm", name, inputs, name, "transB", 1);
        }
        float[] transposed = new float[weight.length];
        for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) transposed[i * out + o] = weight[o * in + i];
        String y = node("MatMul", name, List.of(x, initializer(key(name) + ".weight_t", transposed, in, out)), bias == null ? name : name + "/matmul");
        return bias == null ? y : node("Add", name + "/bias", List.of(y, initializer(key(name) + ".bias", bias, out)), name);
    }

    String conv2d(String name, String x, float[] weight, int[] weightShape, float[] bias, int[] stride, int[] padding,
                  int[] dilation, int groups) {
        List<String> inputs = new ArrayList<>(List.of(x, initializer(key(name) + ".weight", weight, weightShape)));
        if (bias != null) inputs.add(initializer(key(name) + ".bias", bias, weightShape[0]));
        return node("Conv", name, inputs, name, "kernel_shape", new int[] {weightShape[2], weightShape[3]}, "strides", stride,
                "pads", pads(padding), "dilations", dilation, "group", groups);
    }

    String maxPool2d(String name, String x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return node("MaxPool", name, List.of(x), name, "kernel_shape", kernel, "strides", stride, "pads", pads(padding),
                "dilations", dilation, "ceil_mode", ceilMode);
    }

    String avgPool2d(String name, String x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return node("AveragePool", name, List.of(x), name, "kernel_shape", kernel, "strides", stride, "pads", pads(padding),
                "ceil_mode", ceilMode, "count_include_pad", countIncludePad);
    }

    /** ONNX pads are begin and end per spatial axis: {@code [top, left, bottom, right]}. */
    private static int[] pads(int[] padding) {
        return new int[] {padding[0], padding[1], padding[0], padding[1]};
    }

    /** {@code torch.flatten(x, start, end)} of a value whose shape after N is {@code in}. */
    String flatten(String name, String x, List<String> in, int startDim, int endDim) {
        int rank = in.size() + 1;
        int s = startDim < 0 ? startDim + rank : startDim, e = endDim < 0 ? endDim + rank : endDim;
        if (s >= e) return node("Identity", name, List.of(x), name);
        if (s == 1 && e == rank - 1) return node("Flatten", name, List.of(x), name, "axis", 1);
        if (s == 0) throw new IllegalArgumentException(name + ": Flatten from dimension 0 would merge the batch into the samples");
        long[] shape = new long[s + 1 + (rank - 1 - e)];
        for (int i = 0; i < s; i++) shape[i] = 0;  // 0: copy the input's dimension (N, a symbolic T)
        shape[s] = -1;
        for (int i = e + 1; i < rank; i++) {
            String d = in.get(i - 1);
            if (!d.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException(name + ": Flatten keeps the symbolic dimension " + d + " after the flattened ones");
            }
            shape[s + 1 + i - e - 1] = Long.parseLong(d);
        }
        return node("Reshape", name, List.of(x, longs(key(name) + ".shape", shape)), name);
    }

    /**
     * BatchNorm over channel dimension 1 in eval mode: the running statistics where tracked (BatchNormalization), else
     * the batch's own, as PyTorch does in eval without running statistics. Null gamma and beta: no affine map.
     */
    String batchNorm(String name, String x, int rank, int channels, float[] gamma, float[] beta, float[] runningMean,
                     float[] runningVar, double eps) {
        if (runningMean != null) {
            String scale = gamma == null ? filled(key(name) + ".weight", 1f, channels) : initializer(key(name) + ".weight", gamma, channels);
            String shift = beta == null ? filled(key(name) + ".bias", 0f, channels) : initializer(key(name) + ".bias", beta, channels);
            return node("BatchNormalization", name, List.of(x, scale, shift, initializer(key(name) + ".running_mean", runningMean, channels),
                    initializer(key(name) + ".running_var", runningVar, channels)), name, "epsilon", eps);
        }
        long[] axes = new long[rank - 1];
        axes[0] = 0;
        for (int i = 2; i < rank; i++) axes[i - 1] = i;
        String axesName = longs(key(name) + ".axes", axes);
        String mean = node("ReduceMean", name + "/mean", List.of(x, axesName), name + "/mean", "keepdims", 1);
        String centred = node("Sub", name + "/centre", List.of(x, mean), name + "/centred");
        String square = node("Mul", name + "/square", List.of(centred, centred), name + "/squared");
        String variance = node("ReduceMean", name + "/var", List.of(square, axesName), name + "/var", "keepdims", 1);
        String std = node("Sqrt", name + "/std", List.of(node("Add", name + "/eps", List.of(variance,
                initializer(key(name) + ".eps", new float[] {(float) eps}, 1)), name + "/var_eps")), name + "/std");
        boolean affine = gamma != null;
        String y = node("Div", name + "/normalise", List.of(centred, std), affine ? name + "/xhat" : name);
        if (!affine) return y;
        int[] channelShape = new int[rank - 1];
        Arrays.fill(channelShape, 1);
        channelShape[0] = channels;
        y = node("Mul", name + "/gamma", List.of(y, initializer(key(name) + ".weight", gamma, channelShape)), name + "/scaled");
        return node("Add", name + "/beta", List.of(y, initializer(key(name) + ".bias", beta, channelShape)), name);
    }

    /** LayerNorm over the last {@code normalizedShape.length} dimensions; null gamma and beta: no affine map. */
    String layerNorm(String name, String x, int[] normalizedShape, float[] gamma, float[] beta, double eps) {
        List<String> inputs = new ArrayList<>(List.of(x, gamma == null ? filled(key(name) + ".weight", 1f, normalizedShape)
                : initializer(key(name) + ".weight", gamma, normalizedShape)));
        if (beta != null) inputs.add(initializer(key(name) + ".bias", beta, normalizedShape));
        return node("LayerNormalization", name, inputs, name, "axis", -normalizedShape.length, "epsilon", eps);
    }

    /** Rows of {@code weight} at the indices in {@code x}; float indices (a compiled model's) are cast to int64 first. */
    String embedding(String name, String x, boolean floatIndices, float[] weight, int num, int dim) {
        String idx = floatIndices ? node("Cast", name + "/indices", List.of(x), name + "/indices", "to", INT64) : x;
        return node("Gather", name, List.of(initializer(key(name) + ".weight", weight, num, dim), idx), name, "axis", 0);
    }

    /**
     * An activation by its Kiln/PyTorch name; {@code slope} is LeakyReLU's, {@code tanh} GELU's approximation,
     * {@code dim} the softmax axis (counting N).
     */
    String activation(String name, String x, String kind, double slope, boolean tanh, int dim) {
        return switch (kind) {
            case "ReLU" -> node("Relu", name, List.of(x), name);
            case "Sigmoid" -> node("Sigmoid", name, List.of(x), name);
            case "Tanh" -> node("Tanh", name, List.of(x), name);
            case "LeakyReLU" -> node("LeakyRelu", name, List.of(x), name, "alpha", slope);
            case "GELU" -> node("Gelu", name, List.of(x), name, "approximate", tanh ? "tanh" : "none");
            case "Softmax" -> node("Softmax", name, List.of(x), name, "axis", dim);
            case "LogSoftmax" -> node("LogSoftmax", name, List.of(x), name, "axis", dim);
            default -> throw new IllegalArgumentException(name + ": no ONNX export for activation " + kind);
        };
    }

    /**
     * One layer of a recurrent network over a sequence-first {@code [L, N, in]} value: ONNX's {@code RNN}, {@code GRU} or
     * {@code LSTM} node, whose output {@code [L, directions, N, H]} is turned into PyTorch's {@code [L, N, directions * H]}.
     * The weights come per direction in PyTorch's layout, gate blocks in PyTorch's order; {@code order} lists them in
     * ONNX's (LSTM i, o, f, c from PyTorch's i, f, g, o; GRU z, r, h from r, z, n). Null biases: none. The weights are
     * stored as {@code <layer>.l<k>.W}, {@code .R} and {@code .B}, ONNX's stacked forms.
     */
    String recurrent(String name, int layer, String x, String op, int[] order, float[][] weightIh, float[][] weightHh, float[][] biasIh,
                     float[][] biasHh, int in, int hidden, String activation) {
        int directions = weightIh.length, gates = order.length;
        float[] w = new float[directions * gates * hidden * in], r = new float[directions * gates * hidden * hidden];
        float[] b = biasIh == null ? null : new float[directions * 2 * gates * hidden];
        for (int d = 0; d < directions; d++) {
            for (int g = 0; g < gates; g++) {
                int from = order[g] * hidden, to = d * gates * hidden + g * hidden;
                System.arraycopy(weightIh[d], from * in, w, to * in, hidden * in);
                System.arraycopy(weightHh[d], from * hidden, r, to * hidden, hidden * hidden);
                if (b != null) {
                    System.arraycopy(biasIh[d], from, b, 2 * d * gates * hidden + g * hidden, hidden);
                    System.arraycopy(biasHh[d], from, b, (2 * d + 1) * gates * hidden + g * hidden, hidden);
                }
            }
        }
        String k = key(name) + ".l" + layer;
        List<String> inputs = new ArrayList<>(List.of(x, initializer(k + ".W", w, directions, gates * hidden, in),
                initializer(k + ".R", r, directions, gates * hidden, hidden)));
        if (b != null) inputs.add(initializer(k + ".B", b, directions, 2 * gates * hidden));
        List<Object> attributes = new ArrayList<>(List.of("hidden_size", hidden, "direction", directions == 2 ? "bidirectional" : "forward"));
        if (op.equals("RNN")) attributes.addAll(List.of("activations", directions == 2 ? new String[] {activation, activation} : new String[] {activation}));
        if (op.equals("GRU")) attributes.addAll(List.of("linear_before_reset", 1));
        String y = node(op, name, inputs, name + "/y", attributes.toArray());
        String steps = node("Transpose", name + "/steps", List.of(y), name + "/steps", "perm", new int[] {0, 2, 1, 3});
        return node("Reshape", name + "/concat", List.of(steps, longs(k + ".shape", 0, 0, -1)), name);
    }

    String transpose(String name, String x, int... perm) {
        return node("Transpose", name, List.of(x), name, "perm", perm);
    }

    String add(String name, String a, String b) {
        return node("Add", name, List.of(a, b), name);
    }

    String matmul(String name, String a, String b) {
        return node("MatMul", name, List.of(a, b), name);
    }
}
