package dev.kiln.tensor;

import java.util.Arrays;

/**
 * {@code gather}, {@code scatter} (from a tensor or a number) and {@code scatter_add} along one dim, with
 * PyTorch's checks and messages ({@code ScatterGatherChecks.h}) and derivative rules: gather and scatter are each
 * other's gradient. A 0-dim tensor counts as one element along dim 0, as PyTorch's {@code ensure_nonempty_dim}.
 */
final class Scatter {
    private Scatter() {}

    // ------------------------------------------------------------ gather

    static Tensor gather(Tensor self, int dim, Tensor index) {
        DeviceOps.requireCpu("gather", self, index);
        int d = Shapes.wrapDim(dim, self.dim());
        if (index.numel() == 0) {
            Tensor empty = Tensor.empty(self.dtype, index.shape);
            return record("GatherBackward0", empty, self, d, index);
        }
        requireLongIndex("gather", index);
        Tensor s = nonEmpty(self), i = nonEmpty(index);
        if (s.dim() != i.dim()) {
            throw new IllegalArgumentException("Index tensor must have the same number of dimensions as input tensor");
        }
        for (int k = 0; k < s.dim(); k++) {
            if (k != d && i.shape[k] > s.shape[k]) {
                throw new IllegalArgumentException("Size does not match at dimension " + k + " expected index "
                        + Shapes.str(index.shape) + " to be smaller than self " + Shapes.str(self.shape)
                        + " apart from dimension " + d);
            }
        }
        Tensor out = Tensor.empty(self.dtype, index.shape);
        Tensor o = nonEmpty(out);
        Tensor source = s.view(s.offset, i.shape.clone(), withZero(s.strides, d));
        int size = s.shape[d], step = s.strides[d];
        boolean floating = self.dtype.isFloatingPoint();
        StridedWalk w = new StridedWalk(i.shape, i, o, source);
        for (int n = 0, count = i.numel(); n < count; n++, w.next()) {
            int at = w.off[2] + checked(i.storage.getLong(w.off[0]), d, size) * step;
            if (floating) o.storage.setDouble(w.off[1], s.storage.getDouble(at));
            else o.storage.setLong(w.off[1], s.storage.getLong(at));
        }
        return record("GatherBackward0", out, self, d, index);
    }

    private static Tensor record(String name, Tensor out, Tensor self, int d, Tensor index) {
        int[] shape = self.shape;
        return Autograd.record(name, out, g -> new Tensor[] {
                scatterAdd(Tensor.zeros(g.dtype, shape, g.device()), d, index, g)}, self);
    }

    // ------------------------------------------------------------ scatter and scatter_add

    /** {@code self.scatter(dim, index, src)}: a copy of self with {@code src}'s elements written at the indices. */
    static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src) {
        return scatterInto(self, dim, index, src, null, false);
    }

    /** {@code self.scatter(dim, index, value)}: {@code value} is a wrapped Java number. */
    static Tensor scatterValue(Tensor self, int dim, Tensor index, Tensor value) {
        return scatterInto(self, dim, index, null, value, false);
    }

    /** {@code self.scatter_add(dim, index, src)}: a copy of self with {@code src}'s elements added at the indices. */
    static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor src) {
        return scatterInto(self, dim, index, src, null, true);
    }

    private static Tensor scatterInto(Tensor self, int dim, Tensor index, Tensor src, Tensor value, boolean add) {
        String op = add ? "scatter_add" : "scatter";
        DeviceOps.requireCpu(op, self, index, src);
        int d = Shapes.wrapDim(dim, self.dim());
        if (index.numel() != 0) requireLongIndex("scatter", index);
        if (src != null && src.dtype != self.dtype) {
            throw new IllegalArgumentException("scatter(): Expected self.dtype to be equal to src.dtype");
        }
        Tensor out = self.contiguousCopy();
        if (index.numel() != 0) {
            checkShapes(self, d, index, src);
            Tensor o = nonEmpty(out), i = nonEmpty(index);
            Tensor target = o.view(o.offset, i.shape.clone(), withZero(o.strides, d));
            Tensor from = src == null ? value : nonEmpty(src);
            int size = o.shape[d], step = o.strides[d];
            boolean floating = self.dtype.isFloatingPoint();
            StridedWalk w = src == null ? new StridedWalk(i.shape, i, target, from) : new StridedWalk(i.shape, i, target,
                    from.view(from.offset, i.shape.clone(), from.strides));
            Storage to = o.storage, fs = from.storage;
            for (int n = 0, count = i.numel(); n < count; n++, w.next()) {
                int at = w.off[1] + checked(i.storage.getLong(w.off[0]), d, size) * step;
                int f = src == null ? from.offset : w.off[2];
                if (floating) to.setDouble(at, (add ? to.getDouble(at) : 0) + fs.getDouble(f));
                else to.setLong(at, (add ? to.getLong(at) : 0) + fs.getLong(f));
            }
        }
        int[] srcShape = src == null ? null : src.shape;
        if (add) {
            return Autograd.record("ScatterAddBackward0", out, g -> new Tensor[] {g,
                    src.requiresGrad ? padTo(gather(g, d, index), srcShape) : null}, self, src);
        }
        if (src == null) {
            return Autograd.record("ScatterBackward1", out, g -> new Tensor[] {
                    scatterValue(g, d, index, Tensor.wrap(0L))}, self);
        }
        return Autograd.record("ScatterBackward0", out, g -> new Tensor[] {
                self.requiresGrad ? scatterValue(g, d, index, Tensor.wrap(0L)) : null,
                src.requiresGrad ? padTo(gather(g, d, index), srcShape) : null}, self, src);
    }

    /** PyTorch's {@code scatter_shape_check}, in its order. */
    private static void checkShapes(Tensor self, int d, Tensor index, Tensor src) {
        int selfDims = Math.max(self.dim(), 1);
        if (selfDims != Math.max(index.dim(), 1)) {
            throw new IllegalArgumentException("Index tensor must have the same number of dimensions as self tensor");
        }
        boolean wrong = false;
        for (int k = 0; k < selfDims && !wrong; k++) {
            if (k != d && size(index, k) > size(self, k)) wrong = true;
        }
        if (!wrong && src != null) {
            for (int k = 0; k < selfDims && !wrong; k++) {
                if (size(index, k) > size(src, k)) wrong = true;
            }
        }
        if (src != null) {
            if (Math.max(src.dim(), 1) != Math.max(index.dim(), 1)) {
                throw new IllegalArgumentException("Index tensor must have the same number of dimensions as src tensor");
            }
            if (wrong) {
                throw new IllegalArgumentException("Expected index " + Shapes.str(index.shape) + " to be smaller than self "
                        + Shapes.str(self.shape) + " apart from dimension " + d + " and to be smaller size than src "
                        + Shapes.str(src.shape));
            }
        } else if (wrong) {
            throw new IllegalArgumentException("Expected index " + Shapes.str(index.shape) + " to be smaller than self "
                    + Shapes.str(self.shape) + " apart from dimension " + d);
        }
    }

    // ------------------------------------------------------------ helpers

    private static void requireLongIndex(String op, Tensor index) {
        if (index.dtype != DType.INT64) throw new IllegalArgumentException(op + "(): Expected dtype int64 for index");
    }

    private static int checked(long i, int d, int size) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("index " + i + " is out of bounds for dimension " + d + " with size " + size);
        }
        return (int) i;
    }

    /**
     * PyTorch's {@code ensure_nonempty_size}: 1 for a 0-dim tensor, else {@code t.size(k)}, which wraps {@code k} and
     * so reports a src of lower rank as a dim out of range, as PyTorch 1.13 does.
     */
    private static int size(Tensor t, int k) { return t.dim() == 0 ? 1 : t.shape[Shapes.wrapDim(k, t.dim())]; }

    /** A 0-dim tensor as a 1-element 1-D view (PyTorch's {@code ensure_nonempty}); others as they are. */
    private static Tensor nonEmpty(Tensor t) {
        return t.dim() > 0 ? t : t.view(t.offset, new int[] {1}, new int[] {1});
    }

    private static int[] withZero(int[] strides, int d) {
        int[] s = strides.clone();
        s[d] = 0;
        return s;
    }

    /**
     * {@code g} (shaped like the index) in the leading corner of zeros shaped like {@code src}: the gradient of a
     * src larger than its index, whose elements beyond the index were never read.
     */
    private static Tensor padTo(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape, shape)) return g;
        Tensor full = Tensor.zeros(g.dtype, shape, g.device());
        Tensor corner = full;
        for (int k = 0; k < g.dim(); k++) corner = Views.sliceRaw(corner, k, 0, g.shape[k], 1);
        Elementwise.copyInto(corner, g);
        return full;
    }
}
