package dev.kiln.processor.fuse;

import dev.kiln.processor.model.ActivationKind;
import dev.kiln.processor.model.InferredLayer;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.InitSpec;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.TensorShape;
import dev.kiln.processor.shapes.ShapeInference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Lowers an inferred model to fused {@link Step}s: blocks are inlined (keys {@code block.layer.weight},
 * repeats {@code block.0.layer.weight}), a Linear absorbs its bias and elementwise activation, Flatten
 * is free (the buffers are contiguous), parameters are laid out in declaration order in one flat buffer.
 */
public final class FusionPlanner {
    private static final double SQRT5 = Math.sqrt(5);

    private final List<Slot> params = new ArrayList<>(), state = new ArrayList<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final List<InitCall> defaults = new ArrayList<>(), custom = new ArrayList<>();
    private int paramOffset, stateOffset;
    private boolean dropout, batchNorm;
    /** A sequence model's shapes have T dropped (RowView), which checked its softmax dims already. */
    private boolean sequenceModel;

    /** Fresh planner per model: it accumulates layouts while walking. */
    public static PlanResult plan(InferredModel model) {
        return new FusionPlanner().run(model);
    }

    private PlanResult run(InferredModel declared) {
        Optional<String> sequence = RowView.sequenceDim(declared);
        if (sequence.isPresent() && RowView.problem(declared).isPresent()) return new PlanResult.Unsupported(RowView.problem(declared).get());
        sequenceModel = sequence.isPresent();
        InferredModel model = sequence.isPresent() ? RowView.of(declared) : declared;
        List<LayerDecl> extra = model.decl().layers().stream().filter(l -> l.op() instanceof LayerOp.Input).toList();
        // One input is the caller's array as it is; several are unpacked into planned arrays (see Buffer.Role.PACKED).
        Buffer input = extra.isEmpty() ? new Buffer("input", model.decl().input().numel(), Buffer.Role.INPUT)
                : packed("mainInput", model.decl().input().numel());
        Map<String, Buffer> named = new HashMap<>();
        named.put(ShapeInference.INPUT, input);
        List<Buffer> inputs = new ArrayList<>(List.of(input));
        for (LayerDecl d : extra) {
            if (!((LayerOp.Input) d.op()).shape().allFixed()) return new PlanResult.Unsupported("a symbolic input shape");
            Buffer b = packed(d.name(), ((LayerOp.Input) d.op()).shape().numel());
            named.put(d.name(), b);
            inputs.add(b);
        }
        try {
            walkTop(model, input, named);
        } catch (UnsupportedException e) {
            return new PlanResult.Unsupported(e.getMessage());
        }
        List<Buffer> outputs = model.outputs().stream().map(named::get).toList();
        if (outputs.stream().anyMatch(Buffer::isInput)) return new PlanResult.Unsupported("a model without computing layers");
        Buffer out = outputs.getFirst();
        // Several outputs, or one that later layers also read (its gradient then sums both), are copied out of planned arrays.
        boolean pack = outputs.size() > 1 || steps.stream().anyMatch(st -> reads(st, outputs.getFirst()));
        if (pack) out = scratch("packedOutput", outputs.stream().mapToInt(Buffer::perSample).sum());
        // The raw and Tensor passes of a sequence model take one [N, T, ...] array each way.
        if (sequence.isPresent() && (pack || inputs.size() > 1)) return new PlanResult.Unsupported("several inputs or outputs in a sequence model");
        Optional<String> indexInput = steps.stream().filter(st -> st instanceof Step.Embedding && st.in().equals(input)).map(Step::label).findFirst();
        Optional<Step> otherReader = steps.stream().filter(st -> !(st instanceof Step.Embedding) && reads(st, input)).findFirst();
        if (indexInput.isPresent() && otherReader.isPresent()) {
            return new PlanResult.Unsupported("token indices read by " + otherReader.get().label() + " besides Embedding " + indexInput.get());
        }
        List<InitCall> inits = new ArrayList<>(defaults);
        inits.addAll(custom);
        int inputSize = inputs.stream().mapToInt(Buffer::perSample).sum();
        return new PlanResult.Planned(new Plan(inputSize, out.perSample(), params, state, buffers,
                withAccumulation(steps, pack ? outputs : List.of()), inits, out, dropout, batchNorm, inputs, outputs, sequence, indexInput));
    }

    private static boolean reads(Step s, Buffer b) {
        return s.in().equals(b) || s instanceof Step.MatMul m && m.other().equals(b) || s instanceof Step.Residual r && r.skip().equals(b);
    }

    /** The model's own layers: {@code @From} picks any earlier name, and every layer's result is named for later ones. */
    private void walkTop(InferredModel model, Buffer input, Map<String, Buffer> named) {
        Buffer previous = input;
        for (InferredLayer layer : model.layers()) {
            if (layer.decl().op() instanceof LayerOp.Input) continue;
            List<String> from = layer.decl().from();
            Buffer in = from.isEmpty() ? previous : named.get(from.getFirst());
            previous = layer.decl().op() instanceof LayerOp.MatMul ? matmul(layer, in, named.get(from.get(1))) : layer(layer, "", in);
            named.put(layer.decl().name(), previous);
        }
    }

    /** A block's body: sequential, since a block has one input and one output. */
    private Buffer walk(InferredModel model, String prefix, Buffer current) {
        if (model.layers().stream().anyMatch(l -> l.decl().op() instanceof LayerOp.Input || !l.decl().from().isEmpty())) {
            throw new UnsupportedException("@Input/@From wiring inside a block");
        }
        if (model.decl().layers().stream().filter(LayerDecl::output).count() > 1) throw new UnsupportedException("several @Output in a block");
        for (InferredLayer layer : model.layers()) current = layer(layer, prefix, current);
        return current;
    }

    private Buffer layer(InferredLayer layer, String prefix, Buffer current) {
        LayerDecl d = layer.decl();
        String key = prefix + d.name();
        String ident = key.replace('.', '_');
        Buffer skip = current;
        current = switch (d.op()) {
            case LayerOp.Linear l -> linear(layer, l, key, ident, current);
            case LayerOp.Activation a -> activation(a, layer.in(), key, ident, current);
            case LayerOp.Dropout p -> {
                dropout = true;
                Buffer out = buffer(ident, current.perSample());
                Buffer mask = scratch(ident + "Mask", current.perSample());
                steps.add(new Step.Dropout(key, current, out, mask, p.p(), false));
                yield out;
            }
            case LayerOp.BatchNorm b -> batchNorm(layer, b, key, ident, current);
            case LayerOp.LayerNorm n -> layerNorm(layer, n, key, ident, current);
            case LayerOp.Embedding e -> embedding(layer, e, key, ident, current);
            case LayerOp.Conv2d c -> conv(layer, c, key, ident, current);
            case LayerOp.Pool2d p -> pool(layer, p, ident, key, current);
            case LayerOp.Flatten f -> current;
            case LayerOp.Block b -> {
                Buffer c = current;
                for (int r = 0; r < layer.body().size(); r++) {
                    c = walk(layer.body().get(r), key + (b.repeat() > 1 ? "." + r : "") + ".", c);
                }
                yield c;
            }
            default -> throw new UnsupportedException(d.op().torchName());
        };
        boolean fusedIntoBatchNorm = d.op() instanceof LayerOp.BatchNorm && elementwise(d.activation()).isPresent();
        if (!(d.op() instanceof LayerOp.Linear) && !fusedIntoBatchNorm && d.activation().isPresent()) {
            current = activation(d.activation().get(), layer.out(), key, ident + "Act", current);
        }
        if (d.residual()) {
            Buffer out = buffer(ident + "Sum", current.perSample());
            steps.add(new Step.Residual(key, current, skip, out, false, false));
            current = out;
        }
        return current;
    }

    private Buffer linear(InferredLayer layer, LayerOp.Linear l, String key, String ident, Buffer in) {
        TensorShape shape = layer.in();
        int inF = shape.size(shape.rank() - 1), outF = l.outFeatures();
        int rows = shape.numel() / inF;
        Slot w = param(key + ".weight", outF, inF);
        Optional<Slot> b = l.bias() ? Optional.of(param(key + ".bias", outF)) : Optional.empty();
        // nn.Linear.reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for bias.
        double gain = Math.sqrt(2.0 / (1 + SQRT5 * SQRT5));
        double bound = Math.sqrt(3.0) * (gain / Math.sqrt(inF));
        defaults.add(new InitCall(w, InitCall.Kind.UNIFORM, -bound, bound, key + ": nn.Linear default, kaiming_uniform_(a=sqrt(5))"));
        b.ifPresent(s -> defaults.add(new InitCall(s, InitCall.Kind.UNIFORM, -1 / Math.sqrt(inF), 1 / Math.sqrt(inF), key + ": bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))")));
        layer.decl().init().ifPresent(spec -> custom.add(customInit(spec, w, inF, outF, key)));
        Optional<Step.Activation> act = layer.decl().activation().map(FusionPlanner::toActivation);
        Optional<Step.Activation> fused = elementwise(layer.decl().activation());
        Buffer out = buffer(ident, rows * outF);
        // The table says which activations' backward reads their input: those keep the pre-activation buffer.
        boolean needsPre = fused.isPresent() && fused.get().primitive().backwardUsesInput;
        Optional<Buffer> pre = needsPre ? Optional.of(scratch(ident + "Pre", rows * outF)) : Optional.empty();
        Buffer delta = fused.isPresent() ? scratch(ident + "Delta", rows * outF) : out;
        steps.add(new Step.Dense(key, in, out, pre, delta, rows, inF, outF, w, b, fused, false));
        if (act.isPresent() && act.get().kind().rowWise()) {
            requireLastDim(layer.decl().activation().get(), layer.out());
            return rowWise(act.get(), layer.out(), key, ident + "Act", out);
        }
        return out;
    }

    private Buffer matmul(InferredLayer layer, Buffer a, Buffer b) {
        TensorShape out = layer.out();
        Buffer result = buffer(layer.decl().name(), out.numel());
        steps.add(new Step.MatMul(layer.decl().name(), a, b, result, out.size(0), layer.in().size(1), out.size(1), false, false));
        if (layer.decl().activation().isPresent()) return activation(layer.decl().activation().get(), out, layer.decl().name(),
                layer.decl().name() + "Act", result);
        return result;
    }

    private Buffer conv(InferredLayer layer, LayerOp.Conv2d c, String key, String ident, Buffer in) {
        int ch = layer.in().size(0), kh = c.kernel()[0], kw = c.kernel()[1];
        int fanIn = ch / c.groups() * kh * kw, fanOut = c.outChannels() * kh * kw;
        Slot w = param(key + ".weight", c.outChannels(), ch / c.groups(), kh, kw);
        Optional<Slot> b = c.bias() ? Optional.of(param(key + ".bias", c.outChannels())) : Optional.empty();
        // nn.Conv2d.reset_parameters is nn.Linear's with fan_in = in_channels / groups * kh * kw.
        double bound = Math.sqrt(3.0) * (Math.sqrt(2.0 / (1 + SQRT5 * SQRT5)) / Math.sqrt(fanIn));
        defaults.add(new InitCall(w, InitCall.Kind.UNIFORM, -bound, bound, key + ": nn.Conv2d default, kaiming_uniform_(a=sqrt(5))"));
        b.ifPresent(s -> defaults.add(new InitCall(s, InitCall.Kind.UNIFORM, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn),
                key + ": bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))")));
        layer.decl().init().ifPresent(spec -> custom.add(customInit(spec, w, fanIn, fanOut, key)));
        Buffer out = buffer(ident, layer.out().numel());
        List<Integer> geometry = List.of(ch, layer.in().size(1), layer.in().size(2), c.outChannels(), kh, kw, c.stride()[0],
                c.stride()[1], c.padding()[0], c.padding()[1], c.dilation()[0], c.dilation()[1], c.groups());
        steps.add(new Step.Conv(key, in, out, ident + "Kernel", geometry, w, b, false));
        return out;
    }

    private Buffer pool(InferredLayer layer, LayerOp.Pool2d p, String ident, String key, Buffer in) {
        TensorShape i = layer.in(), o = layer.out();
        List<String> args = new ArrayList<>(List.of(Boolean.toString(p.max())));
        for (int v : new int[] {i.size(0), i.size(1), i.size(2), o.size(1), o.size(2), p.kernel()[0], p.kernel()[1], p.stride()[0],
                p.stride()[1], p.padding()[0], p.padding()[1], p.dilation()[0], p.dilation()[1]}) {
            args.add(Integer.toString(v));
        }
        args.add(Boolean.toString(p.countIncludePad()));
        Buffer out = buffer(ident, o.numel());
        steps.add(new Step.Pool(key, in, out, ident + "Kernel", p.max(), args, false));
        return out;
    }

    private Buffer activation(LayerOp.Activation a, TensorShape shape, String key, String ident, Buffer in) {
        Step.Activation act = toActivation(a);
        if (act.kind().rowWise()) {
            requireLastDim(a, shape);
            return rowWise(act, shape, key, ident, in);
        }
        Buffer out = buffer(ident, in.perSample());
        steps.add(new Step.Elementwise(key, in, out, act, false));
        return out;
    }

    /** Softmax and LogSoftmax are generated over the last dimension only: any other dim would silently normalise that one. */
    private void requireLastDim(LayerOp.Activation a, TensorShape shape) {
        if (!sequenceModel && a.dim() != -1 && a.dim() != shape.rank()) {
            throw new UnsupportedException(a.torchName() + "(dim=" + a.dim() + ") over " + shape + " (only over the last dimension)");
        }
    }

    private Buffer rowWise(Step.Activation act, TensorShape shape, String key, String ident, Buffer in) {
        int cols = shape.size(shape.rank() - 1);
        Buffer out = buffer(ident, in.perSample());
        steps.add(new Step.RowWise(key, in, out, act, cols, false));
        return out;
    }

    /** The activation as a step's, when it is element-wise (and so can be fused into the pass before it). */
    private static Optional<Step.Activation> elementwise(Optional<LayerOp.Activation> a) {
        return a.map(FusionPlanner::toActivation).filter(act -> !act.kind().rowWise());
    }

    private Buffer batchNorm(InferredLayer layer, LayerOp.BatchNorm b, String key, String ident, Buffer in) {
        batchNorm = true;
        int c = layer.in().size(0), spatial = in.perSample() / c;
        String module = layer.in().rank() == 3 ? "BatchNorm2d" : "BatchNorm1d";
        Optional<Slot> w = b.affine() ? Optional.of(param(key + ".weight", c)) : Optional.empty();
        Optional<Slot> bias = b.affine() ? Optional.of(param(key + ".bias", c)) : Optional.empty();
        boolean track = b.trackRunningStats();
        Optional<Slot> mean = track ? Optional.of(state(key + ".running_mean", c)) : Optional.empty();
        Optional<Slot> var = track ? Optional.of(state(key + ".running_var", c)) : Optional.empty();
        Optional<Slot> count = track ? Optional.of(state(key + ".num_batches_tracked")) : Optional.empty();
        w.ifPresent(s -> defaults.add(new InitCall(s, InitCall.Kind.FILL, 1, 0, key + ": weight = 1 (bias, running_mean = 0)")));
        var.ifPresent(v -> defaults.add(new InitCall(v, InitCall.Kind.FILL, 1, 0, key + ": running_var = 1")));
        Buffer out = buffer(ident, in.perSample());
        Buffer xhat = scratch(ident + "Xhat", in.perSample());
        steps.add(new Step.BatchNorm(key, module, in, out, xhat, c, spatial, w, bias, mean, var, count, b.eps(), b.momentum(),
                elementwise(layer.decl().activation()), false));
        return out;
    }

    private Buffer layerNorm(InferredLayer layer, LayerOp.LayerNorm n, String key, String ident, Buffer in) {
        TensorShape shape = layer.in();
        int[] normalized = n.normalizedShape().isEmpty() ? new int[] {shape.size(shape.rank() - 1)}
                : n.normalizedShape().stream().mapToInt(Integer::intValue).toArray();
        Optional<Slot> w = n.elementwiseAffine() ? Optional.of(param(key + ".weight", normalized)) : Optional.empty();
        Optional<Slot> b = n.elementwiseAffine() ? Optional.of(param(key + ".bias", normalized)) : Optional.empty();
        w.ifPresent(s -> defaults.add(new InitCall(s, InitCall.Kind.FILL, 1, 0, key + ": nn.LayerNorm default, weight = 1 (bias = 0)")));
        int cols = w.map(Slot::size).orElse(java.util.stream.IntStream.of(normalized).reduce(1, (x, y) -> x * y));
        Buffer out = buffer(ident, in.perSample());
        Buffer xhat = scratch(ident + "Xhat", in.perSample());
        Buffer invStd = scratch(ident + "InvStd", in.perSample() / cols);
        steps.add(new Step.LayerNorm(key, in, out, xhat, invStd, cols, w, b, n.eps(), false));
        return out;
    }

    /** Only the model input can hold token indices: a computed value would need a gradient an index cannot have. */
    private Buffer embedding(InferredLayer layer, LayerOp.Embedding e, String key, String ident, Buffer in) {
        if (!in.isInput()) throw new UnsupportedException("Embedding " + key + " over a computed value or an @Input (token indices come from the model input)");
        Slot w = param(key + ".weight", e.numEmbeddings(), e.embeddingDim());
        defaults.add(new InitCall(w, InitCall.Kind.NORMAL, 0, 1, key + ": nn.Embedding default, normal_(0, 1)"));
        e.paddingIdx().ifPresent(p -> defaults.add(new InitCall(w, InitCall.Kind.FILL_ROW, p, 0, key + ": padding_idx row = 0")));
        // torch.nn.init's fans of a [num, dim] weight: fan_in = dim, fan_out = num. A later @Init overwrites the padding row, as in PyTorch.
        layer.decl().init().ifPresent(spec -> custom.add(customInit(spec, w, e.embeddingDim(), e.numEmbeddings(), key)));
        Buffer out = buffer(ident, in.perSample() * e.embeddingDim());
        steps.add(new Step.Embedding(key, in, out, in.perSample(), e.numEmbeddings(), e.embeddingDim(), w, e.paddingIdx(), false));
        return out;
    }

    private static Step.Activation toActivation(LayerOp.Activation a) {
        return new Step.Activation(a.kind(), a.kind() == ActivationKind.GELU && a.param() == 1,
                a.kind() == ActivationKind.LEAKY_RELU ? a.param() : 0);
    }

    /** torch.nn.init formulas; fans as _calculate_fan_in_and_fan_out for a [out, in] weight. */
    private static InitCall customInit(InitSpec spec, Slot w, int fanIn, int fanOut, String key) {
        String why = key + ": @Init." + spec.kind();
        return switch (spec.kind()) {
            case XAVIER_UNIFORM -> {
                double a = Math.sqrt(3.0) * (spec.a() * Math.sqrt(2.0 / (fanIn + fanOut)));
                yield new InitCall(w, InitCall.Kind.UNIFORM, -a, a, why);
            }
            case XAVIER_NORMAL -> new InitCall(w, InitCall.Kind.NORMAL, 0, spec.a() * Math.sqrt(2.0 / (fanIn + fanOut)), why);
            case KAIMING_UNIFORM -> {
                double std = Math.sqrt(2.0 / (1 + spec.a() * spec.a())) / Math.sqrt(spec.fanOut() ? fanOut : fanIn);
                double bound = Math.sqrt(3.0) * std;
                yield new InitCall(w, InitCall.Kind.UNIFORM, -bound, bound, why);
            }
            case KAIMING_NORMAL -> new InitCall(w, InitCall.Kind.NORMAL, 0,
                    Math.sqrt(2.0 / (1 + spec.a() * spec.a())) / Math.sqrt(spec.fanOut() ? fanOut : fanIn), why);
            case NORMAL -> new InitCall(w, InitCall.Kind.NORMAL, spec.a(), spec.b(), why);
            case UNIFORM -> new InitCall(w, InitCall.Kind.UNIFORM, spec.a(), spec.b(), why);
            case ZEROS -> new InitCall(w, InitCall.Kind.FILL, 0, 0, why);
        };
    }

    /**
     * Marks each step whose input gradient must add to one already written: walking backward, the first
     * writer of a buffer's gradient overwrites it, later ones accumulate.
     */
    private static List<Step> withAccumulation(List<Step> forward, List<Buffer> packedOutputs) {
        // Packed outputs get their part of gradOut first, so every step writing to them adds.
        Set<Buffer> written = new HashSet<>(packedOutputs);
        Step[] out = new Step[forward.size()];
        for (int i = forward.size() - 1; i >= 0; i--) {
            Step s = forward.get(i);
            boolean acc = !written.add(s.in());
            out[i] = switch (s) {
                case Step.Dense d -> new Step.Dense(d.label(), d.in(), d.out(), d.pre(), d.delta(), d.rowsPerSample(), d.inFeatures(),
                        d.outFeatures(), d.weight(), d.bias(), d.activation(), acc);
                case Step.Elementwise e -> new Step.Elementwise(e.label(), e.in(), e.out(), e.activation(), acc);
                case Step.RowWise r -> new Step.RowWise(r.label(), r.in(), r.out(), r.activation(), r.cols(), acc);
                case Step.Dropout p -> new Step.Dropout(p.label(), p.in(), p.out(), p.mask(), p.p(), acc);
                case Step.BatchNorm b -> new Step.BatchNorm(b.label(), b.module(), b.in(), b.out(), b.xhat(), b.channels(), b.spatial(), b.weight(), b.bias(),
                        b.runningMean(), b.runningVar(), b.count(), b.eps(), b.momentum(), b.activation(), acc);
                case Step.LayerNorm n -> new Step.LayerNorm(n.label(), n.in(), n.out(), n.xhat(), n.invStd(), n.cols(), n.weight(), n.bias(),
                        n.eps(), acc);
                case Step.Embedding e -> new Step.Embedding(e.label(), e.in(), e.out(), e.perSample(), e.num(), e.dim(), e.weight(),
                        e.paddingIdx(), acc);
                case Step.Residual r -> new Step.Residual(r.label(), r.in(), r.skip(), r.out(), acc, !written.add(r.skip()));
                case Step.MatMul m -> new Step.MatMul(m.label(), m.in(), m.other(), m.out(), m.m(), m.k(), m.p(), acc,
                        !written.add(m.other()));
                case Step.Conv c -> new Step.Conv(c.label(), c.in(), c.out(), c.kernel(), c.geometry(), c.weight(), c.bias(), acc);
                case Step.Pool p -> new Step.Pool(p.label(), p.in(), p.out(), p.kernel(), p.max(), p.arguments(), acc);
            };
        }
        return List.of(out);
    }

    private Slot param(String key, int... shape) {
        Slot s = new Slot(key, paramOffset, shape);
        paramOffset += s.size();
        params.add(s);
        return s;
    }

    private Slot state(String key, int... shape) {
        Slot s = new Slot(key, stateOffset, shape);
        stateOffset += s.size();
        state.add(s);
        return s;
    }

    private Buffer buffer(String name, int perSample) {
        Buffer b = new Buffer(name, perSample, Buffer.Role.INTERNAL);
        buffers.add(b);
        return b;
    }

    private Buffer packed(String name, int perSample) {
        Buffer b = new Buffer(name, perSample, Buffer.Role.PACKED);
        buffers.add(b);
        return b;
    }

    private Buffer scratch(String name, int perSample) {
        Buffer b = new Buffer(name, perSample, Buffer.Role.SCRATCH);
        buffers.add(b);
        return b;
    }

    private static final class UnsupportedException extends RuntimeException {
        UnsupportedException(String what) { super(what, null, false, false); }
    }
}
