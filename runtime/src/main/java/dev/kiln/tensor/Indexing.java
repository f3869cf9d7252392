package dev.kiln.tensor;

import dev.kiln.backend.Device;

import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's subscript semantics. Basic indices (integers, slices, None, ...) become views; index
 * lists and bool masks ("advanced" indices) are broadcast together and gather a copy, placed
 * where NumPy places them: at the first advanced dim when they are adjacent, in front otherwise.
 */
final class Indexing {
    private Indexing() {}

    /** The result of applying the basic indices, plus the advanced ones still to apply. */
    private record Parsed(Tensor view, List<Integer> advDims, List<Tensor> advIndices) {}

    static Tensor get(Tensor t, Object[] indices) {
        requireBasicOnDevice(t, null, indices);
        Parsed p = parse(t, indices);
        if (p.advDims.isEmpty()) return p.view;
        Advanced adv = new Advanced(p.view, p.advDims, p.advIndices);
        Tensor out = adv.gather();
        Tensor source = p.view;
        int[] sourceShape = source.shape;
        return Autograd.record("IndexBackward0", out, g -> {
            Tensor full = Tensor.empty(g.dtype, sourceShape);
            new Advanced(full, p.advDims, p.advIndices).scatter(g, true);
            return new Tensor[] {full};
        }, source);
    }

    static void set(Tensor t, Object value, Object[] indices) {
        Tensor v = asTensor(value);
        requireBasicOnDevice(t, v, indices);
        if (Autograd.needed(t, v)) {
            Ops.checkInPlaceAllowed(t);
            setRecorded(t, v, indices);
            return;
        }
        setRaw(t, v, indices);
    }

    /**
     * {@code t[idx] = v} inside a graph: the value before the assignment becomes an input (its
     * gradient is the incoming one with the assigned positions zeroed), {@code v} gets the incoming
     * gradient at those positions summed back to its shape; {@code t} takes the new node, as
     * PyTorch's IndexPutBackward / CopySlices do.
     */
    private static void setRecorded(Tensor t, Tensor v, Object[] indices) {
        Tensor before = t.detachedCopyKeepingGraph();
        Tensor result = before.contiguousCopy();
        setRaw(result, v, indices);
        int[] valueShape = v.shape;
        Autograd.record("IndexPutBackward0", result, g -> {
            Tensor gBefore = g.contiguousCopy();
            setRaw(gBefore, Tensor.wrap(0L), indices);
            Tensor gValue = v.requiresGrad ? Autograd.sumToShape(g.get(indices).contiguousCopy(), valueShape) : null;
            return new Tensor[] {gBefore, gValue};
        }, before, v);
        Elementwise.copyInto(t, result);
        t.requiresGrad = true;
        t.gradFn = result.gradFn;
    }

    /**
     * Basic indices are views and work on any device; index lists, index tensors and masks gather and scatter on
     * the host, which a device tensor does not allow.
     */
    private static void requireBasicOnDevice(Tensor t, Tensor value, Object[] indices) {
        Device device = DeviceOps.on(t) ? t.device() : value != null && DeviceOps.on(value) ? value.device() : null;
        for (Object o : indices) {
            if (device == null && o instanceof Tensor i && DeviceOps.on(i)) device = i.device();
        }
        if (device == null) return;
        for (Object o : indices) {
            if (!(o instanceof Integer || o instanceof Long || o instanceof Slice || o instanceof Index.Marker)) {
                throw DeviceOps.unsupported("indexing with index lists, index tensors or masks", device);
            }
        }
    }

    private static Tensor asTensor(Object value) {
        return switch (value) {
            case Tensor tensor -> tensor;
            case Double d -> Tensor.wrap(d);
            case Float f -> Tensor.wrap(f.doubleValue());
            case Boolean b -> Tensor.wrap(b ? 1L : 0L);
            case Number n -> Tensor.wrap(n.longValue());
            default -> throw new IllegalArgumentException("cannot assign a " + value.getClass().getSimpleName() + " to a tensor");
        };
    }

    /** Writes {@code v} into the indexed positions of {@code t}, without recording anything. */
    private static void setRaw(Tensor t, Tensor v, Object[] indices) {
        Parsed p = parse(t, indices);
        if (p.advDims.isEmpty()) {
            // t[...] = v copies v expanded to the target (after dropping v's leading size-1 dims), so
            // a bad shape is reported by expand, as in PyTorch.
            int lead = 0;
            while (lead < v.dim() - p.view.dim() && v.shape[lead] == 1) lead++;
            Tensor src = lead == 0 ? v : v.view(v.offset, java.util.Arrays.copyOfRange(v.shape, lead, v.dim()),
                    java.util.Arrays.copyOfRange(v.strides, lead, v.dim()));
            Elementwise.copyInto(p.view, Views.expand(src.view(src.offset, src.shape, src.strides), p.view.shape));
        } else {
            new Advanced(p.view, p.advDims, p.advIndices).scatter(v, false);
        }
    }

    private static Parsed parse(Tensor t, Object[] indices) {
        int consumed = 0;
        boolean ellipsis = false;
        for (Object o : indices) {
            if (o == Index.Marker.ELLIPSIS) {
                if (ellipsis) throw new IllegalArgumentException("an index can only have a single ellipsis ('...')");
                ellipsis = true;
            } else if (o != Index.Marker.NEW_AXIS) {
                consumed += o instanceof Tensor m && m.dtype.isBool() ? Math.max(m.dim(), 1) : 1;
            }
        }
        if (t.dim() == 0 && indices.length > 0 && (indices[0] instanceof Integer || indices[0] instanceof Long)) {
            throw new IndexOutOfBoundsException("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                    + "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
        }
        if (t.dim() == 0 && indices.length > 0 && indices[0] instanceof Slice) {
            throw new IndexOutOfBoundsException("slice() cannot be applied to a 0-dim tensor.");
        }
        if (consumed > t.dim()) {
            throw new IndexOutOfBoundsException("too many indices for tensor of dimension " + t.dim());
        }
        Tensor view = t;
        int d = 0;
        List<Integer> advDims = new ArrayList<>();
        List<Tensor> advIndices = new ArrayList<>();
        for (Object o : indices) {
            switch (o) {
                case Integer i -> view = view.select(d, checkedIndex(view, d, i));
                case Long l -> view = view.select(d, checkedIndex(view, d, Math.toIntExact(l)));
                case Slice s -> {
                    int size = view.shape[d];
                    int start = s.start() == null ? 0 : s.start();
                    int stop = s.stop() == null ? size : s.stop();
                    view = Views.slice(view, d, start, stop, s.step());
                    d++;
                }
                case Index.Marker m when m == Index.Marker.NEW_AXIS -> view = view.unsqueeze(d++);
                case Index.Marker m -> d += t.dim() - consumed;  // ellipsis: skip the unindexed dims
                case Tensor m when m.dtype.isBool() -> {
                    checkMask(view, m, d);
                    Tensor[] nz = nonzero(m);
                    for (Tensor idx : nz) { advDims.add(d++); advIndices.add(idx); }
                }
                case Tensor idx -> {
                    if (idx.dtype.isFloatingPoint()) {
                        throw new IndexOutOfBoundsException("tensors used as indices must be long, int, byte or bool tensors");
                    }
                    advDims.add(d++);
                    advIndices.add(idx.toLong());
                }
                case long[] list -> { advDims.add(d++); advIndices.add(Torch.tensor(list)); }
                case int[] list -> { advDims.add(d++); advIndices.add(Torch.tensor(list)); }
                default -> throw new IllegalArgumentException("unsupported index of type " + o.getClass().getSimpleName());
            }
        }
        return new Parsed(view, advDims, advIndices);
    }

    /** {@code t[i]} reports a bad index in its own words, not select()'s. */
    private static int checkedIndex(Tensor view, int d, int i) {
        int size = view.shape[d];
        if (i < -size || i >= size) {
            throw new IndexOutOfBoundsException("index " + i + " is out of bounds for dimension " + d + " with size " + size);
        }
        return i;
    }

    private static void checkMask(Tensor view, Tensor mask, int d) {
        for (int k = 0; k < mask.dim(); k++) {
            if (mask.shape[k] != view.shape[d + k]) {
                throw new IndexOutOfBoundsException("The shape of the mask " + Shapes.str(mask.shape) + " at index " + k
                        + " does not match the shape of the indexed tensor " + Shapes.str(view.shape) + " at index " + (d + k));
            }
        }
    }

    /** {@code nonzero(as_tuple=True)}: one int64 index tensor per dimension of the mask. */
    static Tensor[] nonzero(Tensor mask) {
        DeviceOps.requireCpu("nonzero", mask);
        Tensor m = mask.contiguousCopy();
        int n = m.numel(), nd = Math.max(m.dim(), 1), count = 0;
        for (int i = 0; i < n; i++) if (m.storage.getBool(i)) count++;
        long[][] idx = new long[nd][count];
        int[] shape = m.dim() == 0 ? new int[] {1} : m.shape;
        for (int i = 0, k = 0; i < n; i++) {
            if (!m.storage.getBool(i)) continue;
            for (int d = nd - 1, rem = i; d >= 0; d--) {
                idx[d][k] = rem % shape[d];
                rem /= shape[d];
            }
            k++;
        }
        Tensor[] out = new Tensor[nd];
        for (int d = 0; d < nd; d++) out[d] = Torch.fromArray(idx[d], count);
        return out;
    }

    /** Scatters {@code src} (shaped like {@code indices}) into zeros of {@code shape} at {@code indices} along {@code dim}. */
    static Tensor scatterAlong(int[] shape, int dim, Tensor indices, Tensor src) {
        Tensor out = Tensor.empty(src.dtype, shape);
        int[] ishape = indices.shape;
        int n = indices.numel();
        StridedWalk w = new StridedWalk(ishape, indices, src);
        int[] pos = new int[ishape.length];
        int[] os = out.strides;
        for (int i = 0; i < n; i++, w.next()) {
            int off = 0;
            for (int d = 0; d < pos.length; d++) {
                off += (d == dim ? (int) indices.storage.getLong(w.off[0]) : pos[d]) * os[d];
            }
            out.storage.setDouble(off, out.storage.getDouble(off) + src.storage.getDouble(w.off[1]));
            for (int d = pos.length - 1; d >= 0 && ++pos[d] == ishape[d]; d--) pos[d] = 0;
        }
        return out;
    }

    /** Advanced indices broadcast together over a (view of the) target tensor. */
    private static final class Advanced {
        private final Tensor target;
        private final int[] advDims;
        private final int[] broadcastShape;
        private final long[][] index;  // per advanced dim, broadcast to broadcastShape, flattened
        private final int[] restDims;
        private final boolean adjacent;

        Advanced(Tensor target, List<Integer> dims, List<Tensor> indices) {
            this.target = target;
            this.advDims = dims.stream().mapToInt(Integer::intValue).toArray();
            int[] b = indices.getFirst().shape;
            try {
                for (Tensor t : indices) b = Shapes.broadcast(b, t.shape);
            } catch (IllegalArgumentException e) {
                StringBuilder shapes = new StringBuilder();
                for (Tensor t : indices) shapes.append(shapes.isEmpty() ? "" : ", ").append(Shapes.str(t.shape));
                throw new IndexOutOfBoundsException("shape mismatch: indexing tensors could not be broadcast together with shapes " + shapes);
            }
            this.broadcastShape = b;
            this.index = new long[advDims.length][];
            for (int k = 0; k < advDims.length; k++) {
                long[] v = indices.get(k).expand(b).contiguousCopy().toLongArray();
                int size = target.shape[advDims[k]];
                for (int i = 0; i < v.length; i++) {
                    if (v[i] < -size || v[i] >= size) {
                        throw new IndexOutOfBoundsException("index " + v[i] + " is out of bounds for dimension "
                                + advDims[k] + " with size " + size);
                    }
                    if (v[i] < 0) v[i] += size;
                }
                index[k] = v;
            }
            boolean adj = true;
            for (int k = 1; k < advDims.length; k++) adj &= advDims[k] == advDims[k - 1] + 1;
            this.adjacent = adj;
            List<Integer> rest = new ArrayList<>();
            for (int d = 0; d < target.dim(); d++) if (!dims.contains(d)) rest.add(d);
            this.restDims = rest.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Result shape in "advanced first" order: broadcastShape + rest. */
        private int[] frontShape() {
            int[] s = new int[broadcastShape.length + restDims.length];
            System.arraycopy(broadcastShape, 0, s, 0, broadcastShape.length);
            for (int i = 0; i < restDims.length; i++) s[broadcastShape.length + i] = target.shape[restDims[i]];
            return s;
        }

        /** The view of the target's rest dims at broadcast position {@code b}. */
        private Tensor restView(Tensor base, int b) {
            int off = base.offset;
            for (int k = 0; k < advDims.length; k++) off += (int) index[k][b] * base.strides[advDims[k]];
            int[] shape = new int[restDims.length], strides = new int[restDims.length];
            for (int i = 0; i < restDims.length; i++) {
                shape[i] = base.shape[restDims[i]];
                strides[i] = base.strides[restDims[i]];
            }
            return base.view(off, shape, strides);
        }

        Tensor gather() {
            int[] front = frontShape();
            Tensor out = Tensor.empty(target.dtype, front);
            int nb = Shapes.numel(broadcastShape), restN = Shapes.numel(front) / Math.max(nb, 1);
            for (int b = 0; b < nb; b++) {
                Tensor dst = out.view(b * restN, java.util.Arrays.copyOfRange(front, broadcastShape.length, front.length),
                        java.util.Arrays.copyOfRange(out.strides, broadcastShape.length, front.length));
                Elementwise.copyInto(dst, restView(target, b));
            }
            return toNumpyOrder(out);
        }

        /** Writes (or adds, when accumulating) {@code values} into the indexed positions of the target. */
        void scatter(Tensor values, boolean accumulate) {
            int[] front = frontShape();
            Tensor v = fromNumpyOrder(values, front);
            int nb = Shapes.numel(broadcastShape);
            for (int b = 0; b < nb; b++) {
                Tensor dst = restView(target, b);
                Tensor src = blockOf(v, b);
                if (accumulate) Elementwise.binaryInto(BinaryOp.ADD, dst, dst, src, dst.dtype);
                else Elementwise.copyInto(dst, src);
            }
        }

        private Tensor blockOf(Tensor v, int b) {
            int off = v.offset;
            for (int d = broadcastShape.length - 1, rem = b; d >= 0; d--) {
                off += (rem % broadcastShape[d]) * v.strides[d];
                rem /= broadcastShape[d];
            }
            return v.view(off, java.util.Arrays.copyOfRange(v.shape, broadcastShape.length, v.dim()),
                    java.util.Arrays.copyOfRange(v.strides, broadcastShape.length, v.dim()));
        }

        /** Moves the broadcast dims from the front to where the first advanced dim was, when adjacent. */
        private Tensor toNumpyOrder(Tensor front) {
            if (!adjacent || advDims[0] == 0) return front;
            return front.permuteRaw(movePerm(true));
        }

        /** Broadcasts assigned values to the result's shape, then lays them out advanced-dims-first. */
        private Tensor fromNumpyOrder(Tensor values, int[] front) {
            boolean moved = adjacent && advDims[0] != 0;
            int[] numpyShape = front;
            if (moved) {
                int[] perm = movePerm(true);
                numpyShape = new int[front.length];
                for (int i = 0; i < perm.length; i++) numpyShape[i] = front[perm[i]];
            }
            if (!java.util.Arrays.equals(values.shape, numpyShape)) {
                boolean ok = values.dim() <= numpyShape.length;
                try {
                    ok = ok && java.util.Arrays.equals(Shapes.broadcast(values.shape, numpyShape), numpyShape);
                } catch (IllegalArgumentException e) {
                    ok = false;
                }
                if (!ok) {
                    throw new IllegalArgumentException("shape mismatch: value tensor of shape " + Shapes.str(values.shape)
                            + " cannot be broadcast to indexing result of shape " + Shapes.str(numpyShape));
                }
            }
            Tensor v = java.util.Arrays.equals(values.shape, numpyShape) ? values : values.expand(numpyShape);
            return moved ? v.permuteRaw(movePerm(false)) : v;
        }

        private int[] movePerm(boolean toNumpy) {
            int nb = broadcastShape.length, first = advDims[0], total = nb + restDims.length;
            int[] numpyFromFront = new int[total];  // numpy position i takes front dim numpyFromFront[i]
            int k = 0;
            for (int i = 0; i < first; i++) numpyFromFront[k++] = nb + i;
            for (int i = 0; i < nb; i++) numpyFromFront[k++] = i;
            for (int i = first; i < restDims.length; i++) numpyFromFront[k++] = nb + i;
            if (toNumpy) return numpyFromFront;
            int[] inverse = new int[total];
            for (int i = 0; i < total; i++) inverse[numpyFromFront[i]] = i;
            return inverse;
        }
    }
}
