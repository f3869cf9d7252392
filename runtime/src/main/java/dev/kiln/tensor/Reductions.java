package dev.kiln.tensor;

/**
 * Reductions over a set of dimensions (sum, mean, var, max/min with indices, ...).
 *
 * <p>Each reduction first lays the input out as [kept dims..., reduced dims...] in a contiguous
 * buffer, so the reduced elements of one output are adjacent: the loops stay simple and the
 * result does not depend on the input's strides.
 */
final class Reductions {
    private Reductions() {}

    /** The reduction's geometry: which dims are reduced, output shape, and the grouped input. */
    record Plan(boolean[] reduced, int[] outShape, int[] keptShape, Tensor grouped, int outer, int inner) {}

    static Plan plan(Tensor t, int[] dims, boolean keepdim) {
        int nd = t.dim();
        boolean[] reduced = new boolean[nd];
        if (dims == null || dims.length == 0) {
            java.util.Arrays.fill(reduced, true);
        } else {
            for (int d : dims) {
                int w = Shapes.wrapDim(d, nd);
                if (nd > 0 && reduced[w]) {
                    throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
                }
                if (nd > 0) reduced[w] = true;
            }
        }
        int[] perm = new int[nd];
        int k = 0, keptCount = 0;
        for (int d = 0; d < nd; d++) if (!reduced[d]) { perm[k++] = d; keptCount++; }
        for (int d = 0; d < nd; d++) if (reduced[d]) perm[k++] = d;
        int[] kept = new int[keptCount];
        int outer = 1, inner = 1;
        for (int i = 0; i < nd; i++) {
            int s = t.shape[perm[i]];
            if (i < keptCount) { kept[i] = s; outer *= s; } else inner *= s;
        }
        int[] outShape;
        if (keepdim) {
            outShape = t.shape.clone();
            for (int d = 0; d < nd; d++) if (reduced[d]) outShape[d] = 1;
        } else {
            outShape = kept;
        }
        Tensor grouped = t.permuteRaw(perm).contiguousRaw();
        return new Plan(reduced, outShape, kept, grouped, outer, inner);
    }

    static Tensor sum(Tensor t, int[] dims, boolean keepdim) {
        if (DeviceOps.on(t)) return DeviceOps.sum(t, dims, keepdim);
        Tensor fast = sumLeadingFloat(t, dims, keepdim);
        if (fast != null) return fast;
        Plan p = plan(t, dims, keepdim);
        DType outType = t.dtype.isFloatingPoint() ? t.dtype : DType.INT64;
        Tensor out = Tensor.empty(outType, p.outShape);
        Storage s = p.grouped.storage;
        for (int o = 0; o < p.outer; o++) {
            int base = o * p.inner;
            if (outType.isFloatingPoint()) {
                double acc = 0;
                for (int i = 0; i < p.inner; i++) acc += s.getDouble(base + i);
                out.storage.setDouble(o, acc);
            } else {
                long acc = 0;
                for (int i = 0; i < p.inner; i++) acc += s.getLong(base + i);
                out.storage.setLong(o, acc);
            }
        }
        return out;
    }

    static Tensor prod(Tensor t, int[] dims, boolean keepdim) {
        DeviceOps.requireCpu("prod", t);
        Plan p = plan(t, dims, keepdim);
        DType outType = t.dtype.isFloatingPoint() ? t.dtype : DType.INT64;
        Tensor out = Tensor.empty(outType, p.outShape);
        Storage s = p.grouped.storage;
        for (int o = 0; o < p.outer; o++) {
            double acc = 1;
            long accL = 1;
            for (int i = 0; i < p.inner; i++) {
                acc *= s.getDouble(o * p.inner + i);
                accL *= s.getLong(o * p.inner + i);
            }
            if (outType.isFloatingPoint()) out.storage.setDouble(o, acc); else out.storage.setLong(o, accL);
        }
        return out;
    }

    /**
     * For each element, the product of the other elements of its reduction group (the derivative
     * of prod), from prefix and suffix products so that zeros need no special case.
     */
    static Tensor prodOfOthers(Tensor t, int[] dims) {
        DeviceOps.requireCpu("prod", t);
        Plan p = plan(t, dims, false);
        Tensor grouped = Tensor.empty(t.dtype, p.grouped.shape);
        Storage s = p.grouped.storage, r = grouped.storage;
        for (int o = 0; o < p.outer; o++) {
            int base = o * p.inner;
            double prefix = 1;
            for (int i = 0; i < p.inner; i++) {
                r.setDouble(base + i, prefix);
                prefix *= s.getDouble(base + i);
            }
            double suffix = 1;
            for (int i = p.inner - 1; i >= 0; i--) {
                r.setDouble(base + i, r.getDouble(base + i) * suffix);
                suffix *= s.getDouble(base + i);
            }
        }
        // grouped is laid out [kept..., reduced...]: permute back to the input's dim order.
        int nd = t.dim();
        int[] perm = new int[nd];
        int k = 0;
        for (int d = 0; d < nd; d++) if (!p.reduced[d]) perm[k++] = d;
        for (int d = 0; d < nd; d++) if (p.reduced[d]) perm[k++] = d;
        int[] inverse = new int[nd];
        for (int i = 0; i < nd; i++) inverse[perm[i]] = i;
        return grouped.permuteRaw(inverse);
    }

    /** Variance with Bessel's {@code correction} (1 = unbiased, PyTorch's default). */
    static Tensor var(Tensor t, int[] dims, int correction, boolean keepdim, boolean sqrt) {
        DeviceOps.requireCpu(sqrt ? "std" : "var", t);
        Plan p = plan(t, dims, keepdim);
        Tensor out = Tensor.empty(t.dtype, p.outShape);
        Storage s = p.grouped.storage;
        for (int o = 0; o < p.outer; o++) {
            int base = o * p.inner;
            double mean = 0;
            for (int i = 0; i < p.inner; i++) mean += s.getDouble(base + i);
            mean /= p.inner;
            double ss = 0;
            for (int i = 0; i < p.inner; i++) {
                double dev = s.getDouble(base + i) - mean;
                ss += dev * dev;
            }
            double v = ss / Math.max(0, p.inner - correction);
            out.storage.setDouble(o, sqrt ? Math.sqrt(v) : v);
        }
        return out;
    }

    /**
     * Max or min along one dim, returning {values, indices} (indices int64). The first extreme
     * wins ties; NaN counts as the extreme, as in PyTorch.
     */
    static Tensor[] extremeWithIndices(Tensor t, int dim, boolean keepdim, boolean max) {
        DeviceOps.requireCpu(max ? "max" : "min", t);
        Plan p = plan(t, new int[] {dim}, keepdim);
        if (p.inner == 0) {
            throw new IndexOutOfBoundsException((max ? "max" : "min") + "(): Expected reduction dim "
                    + dim + " to have non-zero size.");
        }
        Tensor values = Tensor.empty(t.dtype, p.outShape);
        Tensor indices = Tensor.empty(DType.INT64, p.outShape);
        fillExtremes(p, values, indices, max);
        return new Tensor[] {values, indices};
    }

    /** Max or min over all elements (values only). */
    static Tensor extremeAll(Tensor t, boolean max) {
        DeviceOps.requireCpu(max ? "max" : "min", t);
        if (t.numel() == 0) {
            throw new IllegalArgumentException((max ? "max" : "min") + "(): Expected reduction dim to be specified "
                    + "for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
        }
        Plan p = plan(t, null, false);
        Tensor values = Tensor.empty(t.dtype, p.outShape);
        fillExtremes(p, values, Tensor.empty(DType.INT64, p.outShape), max);
        return values;
    }

    /** argmax/argmin over all elements (flattened index) or along one dim. */
    static Tensor argExtreme(Tensor t, Integer dim, boolean keepdim, boolean max) {
        if (DeviceOps.on(t)) return DeviceOps.argExtreme(t, dim, keepdim, max);
        Tensor src = dim == null ? t.reshape(-1) : t;
        Plan p = plan(src, dim == null ? new int[] {0} : new int[] {dim}, dim != null && keepdim);
        if (p.inner == 0) {
            String name = max ? "argmax" : "argmin";
            throw new IndexOutOfBoundsException(dim == null
                    ? name + "(): Expected reduction dim to be specified for input.numel() == 0."
                    : name + "(): Expected reduction dim " + dim + " to have non-zero size.");
        }
        Tensor values = Tensor.empty(t.dtype, p.outShape);
        Tensor indices = Tensor.empty(DType.INT64, p.outShape);
        fillExtremes(p, values, indices, max);
        return indices;
    }

    private static void fillExtremes(Plan p, Tensor values, Tensor indices, boolean max) {
        Storage s = p.grouped.storage;
        boolean floating = values.dtype.isFloatingPoint();
        for (int o = 0; o < p.outer; o++) {
            int base = o * p.inner, best = 0;
            if (floating) {
                double bv = s.getDouble(base);
                for (int i = 1; i < p.inner && !Double.isNaN(bv); i++) {
                    double v = s.getDouble(base + i);
                    if (Double.isNaN(v) || (max ? v > bv : v < bv)) { bv = v; best = i; }
                }
                values.storage.setDouble(o, bv);
            } else {
                long bv = s.getLong(base);
                for (int i = 1; i < p.inner; i++) {
                    long v = s.getLong(base + i);
                    if (max ? v > bv : v < bv) { bv = v; best = i; }
                }
                values.storage.setLong(o, bv);
            }
            indices.storage.setLong(o, best);
        }
    }

    /**
     * Sum of a contiguous float32 tensor over its leading dims (a bias gradient: [N, C] -> [C])
     * without laying the input out again: column accumulators in double, rows in order, so the
     * result is the same as the general path's.
     */
    private static Tensor sumLeadingFloat(Tensor t, int[] dims, boolean keepdim) {
        if (t.dtype != DType.FLOAT32 || !t.isContiguous() || dims == null || dims.length == 0 || t.dim() < 2) return null;
        boolean[] reduced = new boolean[t.dim()];
        for (int d : dims) {
            int w = Shapes.wrapDim(d, t.dim());
            if (reduced[w]) return null;  // the general path reports the duplicate
            reduced[w] = true;
        }
        int lead = 0;
        while (lead < reduced.length && reduced[lead]) lead++;
        for (int d = lead; d < reduced.length; d++) if (reduced[d]) return null;
        if (lead == reduced.length) return null;
        int rows = 1;
        for (int d = 0; d < lead; d++) rows *= t.shape[d];
        int cols = t.numel() / Math.max(rows, 1);
        if (rows == 0) return null;
        double[] acc = new double[cols];
        float[] x = t.storage.f32;
        for (int r = 0, base = t.offset; r < rows; r++, base += cols) {
            for (int c = 0; c < cols; c++) acc[c] += x[base + c];
        }
        int[] outShape;
        if (keepdim) {
            outShape = t.shape.clone();
            for (int d = 0; d < lead; d++) outShape[d] = 1;
        } else {
            outShape = java.util.Arrays.copyOfRange(t.shape, lead, t.dim());
        }
        Tensor out = Tensor.empty(DType.FLOAT32, outShape);
        for (int c = 0; c < cols; c++) out.storage.f32[c] = (float) acc[c];
        return out;
    }
}
