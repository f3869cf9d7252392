package dev.kiln.processor.shapes;

import dev.kiln.processor.Diagnostic;
import dev.kiln.processor.Reporter;
import dev.kiln.processor.model.Dim;
import dev.kiln.processor.model.LayerDecl;
import dev.kiln.processor.model.LayerOp;
import dev.kiln.processor.model.TensorShape;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Output shape and parameter count of each primitive layer, with PyTorch's output-size formulas. */
final class LayerShapes {
    private final Reporter reporter;

    LayerShapes(Reporter reporter) { this.reporter = reporter; }

    /** The output shape of {@code op} on {@code in}, or empty after reporting why it does not fit. */
    Optional<TensorShape> output(LayerDecl decl, LayerOp op, TensorShape in, String source) {
        String name = decl.name();
        return switch (op) {
            case LayerOp.Linear l -> {
                if (in.rank() < 1) yield rank(decl, "[N, *, in_features]", source, in);
                if (!(in.last() instanceof Dim.Fixed f)) yield symbolic(decl, in.rank(), source, in);
                if (l.inFeatures().isPresent() && l.inFeatures().getAsInt() != f.size()) {
                    reporter.error(decl.element(), decl.mirror(), Diagnostic.SHAPE_MISMATCH, name, l.inFeatures().getAsInt(),
                            "features", source, f.size());
                    yield Optional.empty();
                }
                yield Optional.of(in.withLast(Dim.of(l.outFeatures())));
            }
            case LayerOp.Conv2d c -> conv(decl, c, in, source);
            case LayerOp.Pool2d p -> pool(decl, p, in, source);
            case LayerOp.Flatten f -> flatten(decl, f, in, source);
            case LayerOp.Dropout d -> Optional.of(in);
            case LayerOp.BatchNorm b -> {
                if (in.rank() < 1 || in.rank() > 3) yield rank(decl, "[N, C], [N, C, L] or [N, C, H, W]", source, in);
                if (!(in.get(0) instanceof Dim.Fixed c)) yield symbolic(decl, 1, source, in);
                if (b.numFeatures().isPresent() && b.numFeatures().getAsInt() != c.size()) {
                    reporter.error(decl.element(), decl.mirror(), Diagnostic.SHAPE_MISMATCH, name, b.numFeatures().getAsInt(),
                            "features", source, c.size());
                    yield Optional.empty();
                }
                yield Optional.of(in);
            }
            case LayerOp.LayerNorm ln -> {
                List<Integer> ns = ln.normalizedShape();
                int k = Math.max(1, ns.size());
                if (in.rank() < k) yield rank(decl, "at least " + k + " dimensions after N", source, in);
                for (int i = 0; i < k; i++) {
                    Dim d = in.get(in.rank() - k + i);
                    if (!(d instanceof Dim.Fixed f)) yield symbolic(decl, in.rank() - k + i + 1, source, in);
                    if (!ns.isEmpty() && f.size() != ns.get(i)) {
                        reporter.error(decl.element(), decl.mirror(), Diagnostic.SHAPE_MISMATCH, name, ns.get(i),
                                "features in normalized dimension " + i, source, f.size());
                        yield Optional.empty();
                    }
                }
                yield Optional.of(in);
            }
            case LayerOp.Embedding e -> {
                List<Dim> dims = new ArrayList<>(in.dims());
                dims.add(Dim.of(e.embeddingDim()));
                yield Optional.of(new TensorShape(dims));
            }
            case LayerOp.Activation a -> {
                if (a.kind().rowWise() && (a.dim() < -(in.rank() + 1) || a.dim() > in.rank())) {
                    reporter.error(decl.element(), decl.mirror(), Diagnostic.BAD_DIM, name, a.dim(), in);
                    yield Optional.empty();
                }
                yield Optional.of(in);
            }
            case LayerOp.Block b -> throw new IllegalStateException("blocks are inferred by ShapeInference");
            case LayerOp.Input i -> Optional.of(i.shape());
            case LayerOp.MatMul m -> throw new IllegalStateException("two-input layers are inferred by ShapeInference");
        };
    }

    /** {@code [M, K] x [K, P] -> [M, P]} after N; K must agree (columns of the first, rows of the second). */
    Optional<TensorShape> matmul(LayerDecl decl, TensorShape a, TensorShape b, String sourceA, String sourceB) {
        if (a.rank() != 2) return rank(decl, "[N, M, K]", sourceA, a);
        if (b.rank() != 2) return rank(decl, "[N, K, P]", sourceB, b);
        if (!a.allFixed()) return symbolic(decl, firstSymbolic(a), sourceA, a);
        if (!b.allFixed()) return symbolic(decl, firstSymbolic(b), sourceB, b);
        if (a.size(1) != b.size(0)) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.SHAPE_MISMATCH, decl.name(), a.size(1), "rows", sourceB, b.size(0));
            return Optional.empty();
        }
        return Optional.of(TensorShape.fixed(a.size(0), b.size(1)));
    }

    private Optional<TensorShape> conv(LayerDecl decl, LayerOp.Conv2d c, TensorShape in, String source) {
        if (in.rank() != 3) return rank(decl, "[N, C, H, W]", source, in);
        if (!in.allFixed()) return symbolic(decl, firstSymbolic(in), source, in);
        int channels = in.size(0), h = in.size(1), w = in.size(2);
        if (c.inChannels().isPresent() && c.inChannels().getAsInt() != channels) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.SHAPE_MISMATCH, decl.name(), c.inChannels().getAsInt(),
                    "channels", source, channels);
            return Optional.empty();
        }
        if (channels % c.groups() != 0 || c.outChannels() % c.groups() != 0) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.BAD_VALUE, decl.name(), "groups",
                    "a divisor of in_channels " + channels + " and out_channels " + c.outChannels(), c.groups());
            return Optional.empty();
        }
        int effH = c.dilation()[0] * (c.kernel()[0] - 1) + 1, effW = c.dilation()[1] * (c.kernel()[1] - 1) + 1;
        int padH = h + 2 * c.padding()[0], padW = w + 2 * c.padding()[1];
        if (effH > padH || effW > padW) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.KERNEL_TOO_LARGE, decl.name(), effH, effW, padH, padW);
            return Optional.empty();
        }
        int oh = (padH - effH) / c.stride()[0] + 1, ow = (padW - effW) / c.stride()[1] + 1;
        return Optional.of(TensorShape.fixed(c.outChannels(), oh, ow));
    }

    private Optional<TensorShape> pool(LayerDecl decl, LayerOp.Pool2d p, TensorShape in, String source) {
        if (in.rank() != 3) return rank(decl, "[N, C, H, W]", source, in);
        if (!in.allFixed()) return symbolic(decl, firstSymbolic(in), source, in);
        int oh = poolSize(in.size(1), p.kernel()[0], p.stride()[0], p.padding()[0], p.dilation()[0], p.ceilMode());
        int ow = poolSize(in.size(2), p.kernel()[1], p.stride()[1], p.padding()[1], p.dilation()[1], p.ceilMode());
        if (oh < 1 || ow < 1) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.POOL_TOO_SMALL, decl.name(), p.torchName(), p.kernel()[0],
                    p.kernel()[1], in.size(1), in.size(2), oh, ow);
            return Optional.empty();
        }
        return Optional.of(TensorShape.fixed(in.size(0), oh, ow));
    }

    /** PyTorch's pooling_output_shape: ceil mode may not start a window in the right padding. */
    static int poolSize(int size, int k, int s, int pad, int dil, boolean ceil) {
        int numerator = size + 2 * pad - dil * (k - 1) - 1;
        int out = (ceil ? Math.floorDiv(numerator + s - 1, s) : Math.floorDiv(numerator, s)) + 1;
        if (ceil && (out - 1) * s >= size + pad) out--;
        return out;
    }

    private Optional<TensorShape> flatten(LayerDecl decl, LayerOp.Flatten f, TensorShape in, String source) {
        int full = in.rank() + 1; // with N
        int start = f.startDim() < 0 ? f.startDim() + full : f.startDim();
        int end = f.endDim() < 0 ? f.endDim() + full : f.endDim();
        // Flattening into N would mix samples; a compiled model keeps the batch dimension apart.
        if (start < 1 || start >= full) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.BAD_DIM, decl.name(), f.startDim(), in);
            return Optional.empty();
        }
        if (end < start || end >= full) {
            reporter.error(decl.element(), decl.mirror(), Diagnostic.BAD_DIM, decl.name(), f.endDim(), in);
            return Optional.empty();
        }
        List<Dim> dims = new ArrayList<>(in.dims().subList(0, start - 1));
        int product = 1;
        for (int i = start - 1; i < end; i++) {
            if (!(in.get(i) instanceof Dim.Fixed d)) return symbolic(decl, i + 1, source, in);
            product *= d.size();
        }
        dims.add(Dim.of(product));
        dims.addAll(in.dims().subList(end, in.rank()));
        return Optional.of(new TensorShape(dims));
    }

    static long parameters(LayerOp op, TensorShape in) {
        return switch (op) {
            case LayerOp.Linear l -> (long) ((Dim.Fixed) in.last()).size() * l.outFeatures() + (l.bias() ? l.outFeatures() : 0);
            case LayerOp.Conv2d c -> (long) c.outChannels() * (in.size(0) / c.groups()) * c.kernel()[0] * c.kernel()[1]
                    + (c.bias() ? c.outChannels() : 0);
            case LayerOp.BatchNorm b -> b.affine() ? 2L * in.size(0) : 0;
            case LayerOp.LayerNorm ln -> {
                long n = ln.normalizedShape().isEmpty() ? in.size(in.rank() - 1)
                        : ln.normalizedShape().stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
                yield ln.elementwiseAffine() ? 2 * n : 0;
            }
            case LayerOp.Embedding e -> (long) e.numEmbeddings() * e.embeddingDim();
            default -> 0;
        };
    }

    private int firstSymbolic(TensorShape in) {
        for (int i = 0; i < in.rank(); i++) if (!(in.get(i) instanceof Dim.Fixed)) return i + 1;
        return 0;
    }

    private Optional<TensorShape> rank(LayerDecl decl, String needed, String source, TensorShape in) {
        reporter.error(decl.element(), decl.mirror(), Diagnostic.RANK_MISMATCH, decl.name(), needed, source, in);
        return Optional.empty();
    }

    private Optional<TensorShape> symbolic(LayerDecl decl, int dim, String source, TensorShape in) {
        reporter.error(decl.element(), decl.mirror(), Diagnostic.SYMBOLIC_FEATURES, decl.name(), dim, source, in);
        return Optional.empty();
    }
}
