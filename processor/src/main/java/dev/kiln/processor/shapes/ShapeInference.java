package dev.kiln.processor.shapes;

import dev.kiln.processor.Diagnostic;
import dev.kiln.processor.Reporter;
import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.InferredLayer;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.ModelDecl;
import dev.kiln.processor.model.TensorShape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.lang.model.element.TypeElement;

/**
 * Walks a model's layers in order, computing each output shape with PyTorch's formulas
 * ({@link LayerShapes}) and each parameter count. The first layer whose input does not fit is reported
 * and ends the walk, since every later shape would depend on it.
 */
public final class ShapeInference {
    /** The name of a model's main input in {@code @From}. */
    public static final String INPUT = "input";

    private final Reporter reporter;
    private final Function<TypeElement, Optional<InferredModel>> blocks;

    /** {@code blocks} infers a block's model (silently: its own compile reports its own errors). */
    public ShapeInference(Reporter reporter, Function<TypeElement, Optional<InferredModel>> blocks) {
        this.reporter = reporter;
        this.blocks = blocks;
    }

    public Optional<InferredModel> infer(ModelDecl model) {
        Map<String, TensorShape> names = new LinkedHashMap<>();
        names.put(INPUT, model.input());
        String previous = INPUT;
        List<InferredLayer> out = new ArrayList<>();
        LayerShapes shapes = new LayerShapes(reporter);
        for (LayerDecl decl : model.layers()) {
            if (decl.op() instanceof LayerOp.Input in) {
                names.put(decl.name(), in.shape());
                out.add(new InferredLayer(decl, in.shape(), in.shape(), 0, List.of()));
                continue;
            }
            List<String> sources = decl.from().isEmpty() ? List.of(previous) : decl.from();
            String source = sources.getFirst();
            for (String s : sources) {
                if (!names.containsKey(s)) {
                    reporter.error(decl.element(), decl.mirror(), Diagnostic.UNKNOWN_INPUT, decl.name(), s);
                    return Optional.empty();
                }
            }
            int arity = decl.op() instanceof LayerOp.MatMul ? 2 : 1;
            if (sources.size() != arity) {
                reporter.error(decl.element(), decl.mirror(), Diagnostic.ARITY, decl.name(), decl.op().torchName(), arity, sources.size());
                return Optional.empty();
            }
            TensorShape in = names.get(source);
            List<InferredModel> body = new ArrayList<>();
            Optional<TensorShape> result = switch (decl.op()) {
                case LayerOp.Block b -> block(decl, b, in, source, body);
                case LayerOp.MatMul m -> shapes.matmul(decl, in, names.get(sources.get(1)), source, sources.get(1));
                default -> shapes.output(decl, decl.op(), in, source);
            };
            if (result.isPresent() && decl.activation().isPresent()) {
                result = shapes.output(decl, decl.activation().get(), result.get(), source);
            }
            if (result.isEmpty()) return Optional.empty();
            if (decl.residual() && !result.get().equals(in)) {
                reporter.error(decl.element(), decl.mirror(), Diagnostic.RESIDUAL_SHAPE, decl.name(), result.get(), in);
                return Optional.empty();
            }
            long params = decl.op() instanceof LayerOp.Block
                    ? body.stream().mapToLong(InferredModel::parameters).sum()
                    : LayerShapes.parameters(decl.op(), in);
            out.add(new InferredLayer(decl, in, result.get(), params, body));
            names.put(decl.name(), result.get());
            previous = decl.name();
        }
        List<String> outputs = model.layers().stream().filter(LayerDecl::output).map(LayerDecl::name).toList();
        if (outputs.isEmpty()) outputs = List.of(previous);
        return Optional.of(new InferredModel(model, out, outputs, names.get(outputs.getLast())));
    }

    private Optional<TensorShape> block(LayerDecl decl, LayerOp.Block b, TensorShape in, String source, List<InferredModel> body) {
        Optional<InferredModel> inner = blocks.apply(b.model());
        if (inner.isEmpty()) return Optional.empty();
        TensorShape expected = inner.get().decl().input();
        TensorShape current = in;
        String producer = source;
        for (int r = 0; r < b.repeat(); r++) {
            if (!current.equals(expected)) {
                reporter.error(decl.element(), decl.mirror(), Diagnostic.BLOCK_INPUT, r == 0 ? decl.name() : decl.name() + "." + r,
                        expected, b.model().getSimpleName(), producer, current);
                return Optional.empty();
            }
            body.add(inner.get());
            current = inner.get().output();
            producer = decl.name() + "." + r;
        }
        return Optional.of(current);
    }

}
