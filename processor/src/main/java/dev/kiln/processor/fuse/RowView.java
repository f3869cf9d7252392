package dev.kiln.processor.fuse;

import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.InferredLayer;
import dev.kiln.processor.model.InferredModel;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.ModelDecl;
import dev.kiln.processor.model.TensorShape;

import java.util.List;
import java.util.Optional;

/**
 * A sequence model ({@code @Shape(value = 64, symbolic = "T")}, i.e. {@code [N, T, 64]}) seen as rows. Every layer
 * the generator accepts there acts on each of the N*T rows alone (Linear on the last dimension as in PyTorch,
 * activations, Dropout and LayerNorm per row, Embedding per index), so the model is planned as one whose samples are
 * those rows: T is dropped from every shape and the generated code's {@code n} counts rows. Layers that mix steps
 * (BatchNorm over T, Flatten or MatMul across it) are already refused by shape inference; a row-wise activation over
 * another dimension than the last is refused here.
 */
final class RowView {
    private RowView() {}

    /** The name of T, or empty for a model without symbolic dimensions. */
    static Optional<String> sequenceDim(InferredModel model) {
        return model.decl().input().dims().stream().filter(d -> d instanceof Dim.Symbolic).map(Object::toString).findFirst();
    }

    /** Why a sequence model cannot be planned as rows, or empty when it can. */
    static Optional<String> problem(InferredModel model) {
        TensorShape in = model.decl().input();
        if (in.dims().stream().filter(d -> d instanceof Dim.Symbolic).count() > 1) return Optional.of("several symbolic dimensions " + in);
        if (model.decl().layers().stream().anyMatch(l -> l.op() instanceof LayerOp.Input)) return Optional.of("@Input in a sequence model");
        for (InferredLayer l : model.layers()) {
            Optional<String> p = problem(l.decl(), l.out());
            if (p.isPresent()) return p;
            for (InferredModel body : l.body()) {
                p = problem(body);
                if (p.isPresent()) return p;
            }
        }
        return Optional.empty();
    }

    /** {@code out} is the layer's output shape, which its activation (standalone or fused) sees. */
    private static Optional<String> problem(LayerDecl decl, TensorShape out) {
        Optional<LayerOp.Activation> act = decl.op() instanceof LayerOp.Activation a ? Optional.of(a) : decl.activation();
        // Softmax over T would mix the steps of a sequence; over the last dimension it is per row.
        return act.filter(a -> a.kind().rowWise() && a.dim() != -1 && a.dim() != out.rank())
                .map(a -> a.torchName() + "(dim=" + a.dim() + ") in a sequence model (only over the last dimension)");
    }

    /** The model with T dropped from every shape: sizes per row. Callers check {@link #problem} first. */
    static InferredModel of(InferredModel model) {
        ModelDecl d = model.decl();
        List<InferredLayer> layers = model.layers().stream()
                .map(l -> new InferredLayer(l.decl(), rows(l.in()), rows(l.out()), l.parameters(), l.body().stream().map(RowView::of).toList()))
                .toList();
        return new InferredModel(new ModelDecl(d.type(), rows(d.input()), d.layers()), layers, model.outputs(), rows(model.output()));
    }

    private static TensorShape rows(TensorShape s) {
        return new TensorShape(s.dims().stream().filter(d -> d instanceof Dim.Fixed).toList());
    }
}
