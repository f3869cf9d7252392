package dev.kiln.io;

import dev.kiln.autograd.GradMode;
import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.LayerGraph;
import dev.kiln.io.onnx.OnnxProto.ModelProto;
import dev.kiln.nn.AvgPool2d;
import dev.kiln.nn.BatchNorm;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Embedding;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.GRU;
import dev.kiln.nn.GELU;
import dev.kiln.nn.GeluApproximation;
import dev.kiln.nn.LayerNorm;
import dev.kiln.nn.LSTM;
import dev.kiln.nn.LeakyReLU;
import dev.kiln.nn.Linear;
import dev.kiln.nn.LogSoftmax;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.Module;
import dev.kiln.nn.RNN;
import dev.kiln.nn.RNNBase;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.RnnNonlinearity;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Sigmoid;
import dev.kiln.nn.Softmax;
import dev.kiln.nn.Tanh;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.onnx.export}: writes a model as an ONNX file (IR version {@value #IR_VERSION}, opset {@value #OPSET}) that
 * onnxruntime and other ONNX runtimes load. The graph is the model in eval mode: Dropout is the identity and BatchNorm
 * normalises with its running statistics (with the batch's own where it tracks none, as PyTorch does). The batch
 * dimension is symbolic ({@code N}), as is a compiled sequence model's {@code T}. Weights are stored as float32 under
 * their state-dict keys. The main input is named {@code input} (int64 token indices where the model starts with an
 * Embedding, else float32) and a single output {@code output}; a compiled model's further inputs and several outputs
 * keep their field names. Files are written atomically.
 *
 * <p>Exported layers: Linear, Conv2d, MaxPool2d, AvgPool2d, Flatten, Dropout, BatchNorm1d/2d, LayerNorm, Embedding,
 * ReLU, Sigmoid, Tanh, LeakyReLU, GELU (exact and tanh), Softmax and LogSoftmax, RNN, GRU and LSTM (stacked,
 * bidirectional, batch-first or not; their output sequence from zero states), nested Sequentials; in compiled models
 * also blocks, repeats, {@code @Residual} additions, {@code @Input}, {@code @From}, {@code @MatMul} and several
 * {@code @Output}s. Any other module (a custom {@code Module} subclass, whose forward is Java code) is refused with an {@link IllegalArgumentException} naming it, before anything is written.
 */
public final class Onnx {
    /** The ONNX operator set the files use. */
    public static final int OPSET = 21;
    /** The ONNX IR version that goes with {@link #OPSET}. */
    public static final int IR_VERSION = 10;

    private Onnx() {}

    /**
     * Exports an eager model ({@link Sequential}, or one of the layers above) taking inputs of shape
     * {@code [N, inputShape...]}. The model is run in eval mode on a zero batch to find each layer's shapes, and
     * its mode is restored afterwards.
     */
    public static void export(Path path, Module model, int... inputShape) throws IOException {
        ModelProto proto = toProto(model, inputShape);
        AtomicFiles.write(path, proto::writeTo);
    }

    /**
     * Exports a generated model ({@code KilnPhonePrice.create(42)}) from its {@link CompiledModel#layerGraph()} and
     * {@link CompiledModel#stateDict()}: the parameters and running statistics it holds now.
     */
    public static void export(Path path, CompiledModel model) throws IOException {
        ModelProto proto = toProto(model);
        AtomicFiles.write(path, proto::writeTo);
    }

    /** The ONNX model {@link #export(Path, Module, int...)} writes. */
    public static ModelProto toProto(Module model, int... inputShape) {
        boolean training = model.isTraining();
        model.eval();
        try (var ignored = GradMode.noGrad()) {
            return new EagerLowering(model.getClass().getSimpleName()).lower(model, inputShape);
        } finally {
            model.train(training);
        }
    }

    /** The ONNX model {@link #export(Path, CompiledModel)} writes. */
    public static ModelProto toProto(CompiledModel model) {
        return new CompiledLowering(model).lower();
    }

    private static List<String> dims(Tensor sample) {
        List<String> d = new ArrayList<>();
        for (int i = 1; i < sample.dim(); i++) d.add(Integer.toString(sample.size(i)));
        return d;
    }

    private static float[] floats(Tensor t) {
        return t == null ? null : t.detach().toFloatArray();
    }

    /** A PyTorch int-or-pair: one value stands for height and width. */
    private static int[] pair(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    private static IllegalArgumentException unsupported(String layer, String kind, String why) {
        return new IllegalArgumentException("Onnx.export: layer " + layer + " (" + kind + ") " + why);
    }

    // ------------------------------------------------------------ eager modules

    /** Walks a module tree, carrying each value's name and the layer's output on a zero batch of two (its shape). */
    private static final class EagerLowering {
        private final OnnxGraph g;

        private record Value(String name, Tensor sample) {}

        EagerLowering(String graphName) {
            this.g = new OnnxGraph(graphName);
        }

        ModelProto lower(Module model, int[] inputShape) {
            boolean indices = firstLeaf(model) instanceof Embedding;
            int[] shape = new int[inputShape.length + 1];
            shape[0] = 2;
            System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
            Tensor sample = Torch.zeros(shape, indices ? DType.INT64 : DType.FLOAT32);
            g.input("input", indices ? OnnxGraph.INT64 : OnnxGraph.FLOAT, dims(sample));
            Value out = lower(model, "", new Value("input", sample));
            g.output(out.name(), "output", dims(out.sample()));
            return g.model("Exported by Kiln from " + model.getClass().getSimpleName() + " (eval mode)");
        }

        private static Module firstLeaf(Module m) {
            return m instanceof Sequential s && s.size() > 0 ? firstLeaf(s.get(0)) : m;
        }

        private Value lower(Module m, String name, Value x) {
            if (m instanceof Sequential s) {
                Value v = x;
                for (var child : s.namedChildren().entrySet()) {
                    v = lower(child.getValue(), name.isEmpty() ? child.getKey() : name + "." + child.getKey(), v);
                }
                return v;
            }
            String layer = name.isEmpty() ? m.getClass().getSimpleName() : name;
            Tensor out = m.forward(x.sample());
            return new Value(node(m, layer, x), out);
        }

        private String node(Module m, String name, Value x) {
            String in = x.name();
            int rank = x.sample().dim();
            return switch (m) {
                case Linear l -> g.linear(name, in, rank, floats(l.weight()), floats(l.bias()), l.inFeatures(), l.outFeatures());
                case Conv2d c -> g.conv2d(name, in, floats(c.weight()), c.weight().shape().toArray(), floats(c.bias()), c.stride(),
                        c.padding(), c.dilation(), c.groups());
                case MaxPool2d p -> g.maxPool2d(name, in, pair(p.kernelSize()), pair(p.stride()), pair(p.padding()),
                        pair(p.dilation()), p.ceilMode());
                case AvgPool2d p -> {
                    if (p.divisorOverride() != null) throw unsupported(name, "AvgPool2d", "has a divisor_override, which ONNX's AveragePool lacks");
                    yield g.avgPool2d(name, in, pair(p.kernelSize()), pair(p.stride()), pair(p.padding()), p.ceilMode(),
                            p.countIncludePad());
                }
                case Flatten f -> g.flatten(name, in, dims(x.sample()), f.startDim(), f.endDim());
                case Dropout d -> in;
                case BatchNorm b -> g.batchNorm(name, in, rank, b.numFeatures(), floats(b.weight()), floats(b.bias()),
                        b.trackRunningStats() ? floats(b.runningMean()) : null, b.trackRunningStats() ? floats(b.runningVar()) : null,
                        b.eps());
                case LayerNorm ln -> g.layerNorm(name, in, ln.normalizedShape(), floats(ln.weight()), floats(ln.bias()), ln.eps());
                case Embedding e -> g.embedding(name, in, x.sample().dtype().isFloatingPoint(), floats(e.weight()), e.numEmbeddings(),
                        e.embeddingDim());
                case ReLU r -> g.activation(name, in, "ReLU", 0, false, -1);
                case Sigmoid s -> g.activation(name, in, "Sigmoid", 0, false, -1);
                case Tanh t -> g.activation(name, in, "Tanh", 0, false, -1);
                case LeakyReLU l -> g.activation(name, in, "LeakyReLU", l.negativeSlope(), false, -1);
                case GELU ge -> g.activation(name, in, "GELU", 0, ge.approximate() == GeluApproximation.TANH, -1);
                case Softmax s -> g.activation(name, in, "Softmax", 0, false, s.dim());
                case LogSoftmax s -> g.activation(name, in, "LogSoftmax", 0, false, s.dim());
                case RNNBase r -> recurrent(name, in, r);
                default -> throw unsupported(name, m.getClass().getSimpleName(), "has no ONNX export: a custom Module's forward is "
                        + "Java code that the exporter cannot read; build the model as a Sequential of Kiln's layers, or compile it");
            };
        }

        /**
         * RNN, GRU and LSTM as their {@code forward(x)} (the output sequence, zero initial states): one ONNX node per
         * layer, sequence first in between; dropout between layers is off in eval mode.
         */
        private String recurrent(String name, String x, RNNBase r) {
            String op;
            int[] order;
            String activation = "Tanh";
            switch (r) {
                case LSTM l -> { op = "LSTM"; order = new int[] {0, 3, 1, 2}; }
                case GRU gru -> { op = "GRU"; order = new int[] {1, 0, 2}; }
                case RNN rnn -> {
                    op = "RNN";
                    order = new int[] {0};
                    activation = rnn.nonlinearity() == RnnNonlinearity.RELU ? "Relu" : "Tanh";
                }
                default -> throw unsupported(name, r.getClass().getSimpleName(), "has no ONNX export");
            }
            int directions = r.bidirectional() ? 2 : 1;
            String seq = r.batchFirst() ? g.transpose(name + "/sequence_first", x, 1, 0, 2) : x;
            for (int layer = 0; layer < r.numLayers(); layer++) {
                float[][] wIh = new float[directions][], wHh = new float[directions][];
                float[][] bIh = r.bias() ? new float[directions][] : null, bHh = r.bias() ? new float[directions][] : null;
                for (int d = 0; d < directions; d++) {
                    wIh[d] = floats(r.weightIh(layer, d));
                    wHh[d] = floats(r.weightHh(layer, d));
                    if (r.bias()) {
                        bIh[d] = floats(r.biasIh(layer, d));
                        bHh[d] = floats(r.biasHh(layer, d));
                    }
                }
                boolean last = layer == r.numLayers() - 1 && !r.batchFirst();
                seq = g.recurrent(last ? name : name + "/l" + layer, layer, seq, op, order, wIh, wHh, bIh, bHh,
                        layer == 0 ? r.inputSize() : directions * r.hiddenSize(), r.hiddenSize(), activation);
            }
            return r.batchFirst() ? g.transpose(name, seq, 1, 0, 2) : seq;
        }
    }

    // ------------------------------------------------------------ compiled models

    /** Lowers a generated model's {@link LayerGraph}, reading the weights from its state dict. */
    private static final class CompiledLowering {
        private final CompiledModel model;
        private final LayerGraph graph;
        private final Map<String, Tensor> state;
        private final OnnxGraph g;
        /** Value name in the ONNX graph and shape after N of each named value of the layer graph. */
        private final Map<String, String> values = new HashMap<>();
        private final Map<String, List<String>> shapes = new HashMap<>();
        private final Map<String, Boolean> indexValued = new HashMap<>();

        CompiledLowering(CompiledModel model) {
            this.model = model;
            this.graph = model.layerGraph();
            this.state = model.stateDict();
            this.g = new OnnxGraph(model.getClass().getSimpleName());
        }

        ModelProto lower() {
            for (LayerGraph.Value in : graph.inputs()) {
                // Token indices: every step reading this input is an Embedding.
                List<LayerGraph.Step> readers = graph.steps().stream().filter(s -> s.inputs().contains(in.name())).toList();
                boolean indices = !readers.isEmpty() && readers.stream().allMatch(s -> s.op().equals("Embedding"));
                g.input(in.name(), indices ? OnnxGraph.INT64 : OnnxGraph.FLOAT, in.shape());
                values.put(in.name(), in.name());
                shapes.put(in.name(), in.shape());
                indexValued.put(in.name(), indices);
            }
            for (LayerGraph.Step s : graph.steps()) {
                values.put(s.name(), step(s));
                shapes.put(s.name(), s.shape());
                indexValued.put(s.name(), false);
            }
            List<String> outputs = graph.outputs();
            for (String o : outputs) g.output(values.get(o), outputs.size() == 1 ? "output" : o, shapes.get(o));
            return g.model("Exported by Kiln from " + model.getClass().getSimpleName() + " (eval mode)");
        }

        /** Adds a step's nodes; the last one's output is named after the step. */
        private String step(LayerGraph.Step s) {
            String name = s.name();
            boolean more = s.activation() != null || s.residual();
            String opName = more ? name + "/" + s.op() : name;
            String x = values.get(s.inputs().getFirst());
            List<String> inShape = shapes.get(s.inputs().getFirst());
            String y = switch (s.op()) {
                case "Linear" -> g.linear(opName, x, inShape.size() + 1, param(s, "weight"), optional(s, "bias"),
                        (Integer) s.attribute("inFeatures"), (Integer) s.attribute("outFeatures"));
                case "Conv2d" -> g.conv2d(opName, x, param(s, "weight"), tensor(s, "weight").shape().toArray(), optional(s, "bias"),
                        ints(s, "stride"), ints(s, "padding"), ints(s, "dilation"), (Integer) s.attribute("groups"));
                case "MaxPool2d" -> g.maxPool2d(opName, x, ints(s, "kernelSize"), ints(s, "stride"), ints(s, "padding"),
                        ints(s, "dilation"), (Boolean) s.attribute("ceilMode"));
                case "AvgPool2d" -> g.avgPool2d(opName, x, ints(s, "kernelSize"), ints(s, "stride"), ints(s, "padding"),
                        (Boolean) s.attribute("ceilMode"), (Boolean) s.attribute("countIncludePad"));
                case "Flatten" -> g.flatten(opName, x, inShape, (Integer) s.attribute("startDim"), (Integer) s.attribute("endDim"));
                case "Dropout" -> x;
                case "BatchNorm" -> {
                    boolean track = (Boolean) s.attribute("trackRunningStats");
                    yield g.batchNorm(opName, x, inShape.size() + 1, Integer.parseInt(inShape.getFirst()), optional(s, "weight"),
                            optional(s, "bias"), track ? param(s, "running_mean") : null, track ? param(s, "running_var") : null,
                            (Double) s.attribute("eps"));
                }
                case "LayerNorm" -> g.layerNorm(opName, x, ints(s, "normalizedShape"), optional(s, "weight"), optional(s, "bias"),
                        (Double) s.attribute("eps"));
                case "Embedding" -> g.embedding(opName, x, !indexValued.get(s.inputs().getFirst()), param(s, "weight"),
                        (Integer) s.attribute("numEmbeddings"), (Integer) s.attribute("embeddingDim"));
                case "MatMul" -> g.matmul(opName, x, values.get(s.inputs().get(1)));
                case "Block" -> values.get(s.inputs().get(1));
                case "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "Softmax", "LogSoftmax" -> activation(opName, x, s.op(), s.attributes());
                default -> throw unsupported(name, s.op(), "has no ONNX export yet");
            };
            if (s.activation() != null) {
                y = activation(s.residual() ? name + "/" + s.activation().op() : name, y, s.activation().op(), s.activation().attributes());
            }
            if (s.residual()) y = g.add(name, y, x);
            return y;
        }

        private String activation(String name, String x, String kind, Map<String, Object> a) {
            double slope = a.get("negativeSlope") instanceof Double d ? d : 0;
            boolean tanh = "tanh".equals(a.get("approximate"));
            int dim = a.get("dim") instanceof Integer i ? i : -1;
            return g.activation(name, x, kind, slope, tanh, dim);
        }

        private Tensor tensor(LayerGraph.Step s, String role) {
            String key = s.name() + "." + role;
            Tensor t = state.get(key);
            if (t == null) throw new IllegalStateException("layer " + s.name() + ": no " + key + " in the model's state dict");
            return t;
        }

        private float[] param(LayerGraph.Step s, String role) {
            return floats(tensor(s, role));
        }

        /** The tensor where the step lists it among its parameters, else null (no bias, no affine map). */
        private float[] optional(LayerGraph.Step s, String role) {
            return s.parameters().contains(s.name() + "." + role) ? param(s, role) : null;
        }

        private static int[] ints(LayerGraph.Step s, String key) {
            return ((List<?>) s.attribute(key)).stream().mapToInt(o -> (Integer) o).toArray();
        }
    }
}
