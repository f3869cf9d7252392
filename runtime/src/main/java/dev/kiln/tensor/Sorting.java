package dev.kiln.tensor;

/**
 * {@code sort}, {@code argsort} and {@code topk} along one dim. The order is PyTorch's: NaN counts as larger than
 * every number (last ascending, first descending), -0.0 equals 0.0, and equal elements keep their order (a stable
 * sort, which PyTorch guarantees with {@code stable=True} and which its CPU kernel gives for short lines anyway).
 * The values' gradient flows back to the positions the indices name.
 */
final class Sorting {
    private Sorting() {}

    /** {@code (values, indices)} sorted along {@code dim}; {@code node} is the values' grad_fn name. */
    static ValuesIndices sort(Tensor t, int dim, boolean descending, String node) {
        DeviceOps.requireCpu("sort", t);
        int d = Shapes.wrapDim(dim, t.dim());
        Tensor[] vi = firstK(t, d, Lines.length(t, d), descending);
        return new ValuesIndices("sort", record(node, vi[0], vi[1], t, d), vi[1]);
    }

    static Tensor argsort(Tensor t, int dim, boolean descending) {
        DeviceOps.requireCpu("argsort", t);
        int d = Shapes.wrapDim(dim, t.dim());
        return firstK(t, d, Lines.length(t, d), descending)[1];
    }

    /**
     * The {@code k} largest (or smallest) elements along {@code dim}, in order (PyTorch's {@code sorted=False}
     * allows any order; these come sorted either way). Ties go to the earlier element.
     */
    static ValuesIndices topk(Tensor t, int k, int dim, boolean largest) {
        DeviceOps.requireCpu("topk", t);
        int d = Shapes.wrapDim(dim, t.dim());
        if (k < 0 || k > Lines.length(t, d)) throw new IllegalArgumentException("selected index k out of range");
        if (t.dtype.isBool()) throw new UnsupportedOperationException("\"topk_cpu\" not implemented for 'Bool'");
        if (t.dim() == 0) k = 1;  // a 0-dim input gives itself even for k = 0, as PyTorch
        Tensor[] vi = firstK(t, d, k, largest);
        return new ValuesIndices("topk", record("TopkBackward0", vi[0], vi[1], t, d), vi[1]);
    }

    private static Tensor record(String node, Tensor values, Tensor indices, Tensor t, int d) {
        int[] shape = t.shape;
        return Autograd.record(node, values, g -> new Tensor[] {
                Scatter.scatter(Tensor.zeros(g.dtype, shape, g.device()), d, indices, g)}, t);
    }

    /** The first {@code k} of each line in sorted order: values (t's dtype) and int64 indices. */
    private static Tensor[] firstK(Tensor t, int d, int k, boolean descending) {
        int[] shape = t.shape.clone();
        if (shape.length > 0) shape[d] = k;
        Tensor values = Tensor.empty(t.dtype, shape), indices = Tensor.empty(DType.INT64, shape);
        int n = Lines.length(t, d);
        int sIn = Lines.stride(t, d), sV = Lines.stride(values, d), sI = Lines.stride(indices, d);
        long[] key = new long[n];
        int[] idx = new int[n], tmp = new int[n];
        boolean floating = t.dtype.isFloatingPoint();
        Storage in = t.storage, vs = values.storage;
        long[] is = indices.storage.i64;
        Lines.forEach(t.shape, d, start -> {
            for (int j = 0; j < n; j++) {
                long kj = floating ? key(in.getDouble(start[0] + j * sIn)) : in.getLong(start[0] + j * sIn);
                key[j] = descending ? ~kj : kj;
                idx[j] = j;
            }
            mergeSort(idx, tmp, key, 0, n);
            for (int j = 0; j < k; j++) {
                int from = start[0] + idx[j] * sIn, to = start[1] + j * sV;
                if (floating) vs.setDouble(to, in.getDouble(from));
                else vs.setLong(to, in.getLong(from));
                is[start[2] + j * sI] = idx[j];
            }
        }, t, values, indices);
        return new Tensor[] {values, indices};
    }

    /**
     * A long that orders as PyTorch orders floating values: -0.0 as 0.0, every NaN above +inf. (Negative doubles'
     * bits count down as the value falls; flipping all but the sign bit makes them count up.)
     */
    private static long key(double v) {
        long bits = Double.doubleToLongBits(v == 0 ? 0.0 : v);  // doubleToLongBits gives NaNs one pattern
        return bits >= 0 ? bits : bits ^ Long.MAX_VALUE;
    }

    /** Stable merge sort of {@code idx[lo, hi)} by {@code key[idx]}. */
    private static void mergeSort(int[] idx, int[] tmp, long[] key, int lo, int hi) {
        if (hi - lo < 16) {  // insertion sort: stable, and fast on short lines
            for (int i = lo + 1; i < hi; i++) {
                int v = idx[i];
                int j = i - 1;
                while (j >= lo && key[idx[j]] > key[v]) {
                    idx[j + 1] = idx[j];
                    j--;
                }
                idx[j + 1] = v;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(idx, tmp, key, lo, mid);
        mergeSort(idx, tmp, key, mid, hi);
        if (key[idx[mid - 1]] <= key[idx[mid]]) return;
        System.arraycopy(idx, lo, tmp, lo, hi - lo);
        int a = lo, b = mid, o = lo;
        while (a < mid && b < hi) idx[o++] = key[tmp[b]] < key[tmp[a]] ? tmp[b++] : tmp[a++];
        while (a < mid) idx[o++] = tmp[a++];
        while (b < hi) idx[o++] = tmp[b++];
    }
}
