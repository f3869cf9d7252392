package dev.kiln.tensor;

/**
 * {@code cumsum} and {@code cumprod} along one dim. Integer and bool inputs give int64, floating inputs keep their
 * dtype, and a {@code dtype} argument converts the input first and gives that dtype; sums and products accumulate
 * in double (PyTorch's CPU accumulation type for float32 and float64) or long.
 */
final class Scans {
    private Scans() {}

    static Tensor cumsum(Tensor a, int dim, DType dtype) {
        DeviceOps.requireCpu("cumsum", a);
        Tensor x = dtype == null ? a : a.to(dtype);
        int d = Shapes.wrapDim(dim, x.dim());
        if (dtype != null && !dtype.isFloatingPoint()) return scan(x, d, false, false, dtype);  // nothing to record
        return cumsum(x, d, false);
    }

    /** The dtype of a scan's result: floating and explicitly converted inputs keep theirs, the rest give int64. */
    private static DType resultType(Tensor x, boolean converted) {
        return converted || x.dtype.isFloatingPoint() ? x.dtype : DType.INT64;
    }

    /** The running sum from the start of each line, or (reverse) from its end: each other's derivative. */
    private static Tensor cumsum(Tensor x, int d, boolean reverse) {
        Tensor out = scan(x, d, false, reverse, x.dtype.isFloatingPoint() ? x.dtype : DType.INT64);
        return Autograd.record("CumsumBackward0", out, g -> new Tensor[] {cumsum(g, d, !reverse)}, x);
    }

    static Tensor cumprod(Tensor a, int dim, DType dtype) {
        DeviceOps.requireCpu("cumprod", a);
        Tensor x = dtype == null ? a : a.to(dtype);
        int d = Shapes.wrapDim(dim, x.dim());
        Tensor out = scan(x, d, true, false, resultType(x, dtype != null));
        return Autograd.record("CumprodBackward0", out, g -> new Tensor[] {cumprodBackward(x, g, d)}, x);
    }

    private static Tensor scan(Tensor x, int d, boolean product, boolean reverse, DType outType) {
        Tensor out = Tensor.empty(outType, x.shape);
        int n = Lines.length(x, d), sx = Lines.stride(x, d), so = Lines.stride(out, d);
        boolean floating = outType.isFloatingPoint();
        Storage in = x.storage, o = out.storage;
        Lines.forEach(x.shape, d, start -> {
            double acc = product ? 1 : 0;
            long accL = product ? 1 : 0;
            for (int j = 0; j < n; j++) {
                int k = reverse ? n - 1 - j : j;
                if (floating) {
                    double v = in.getDouble(start[0] + k * sx);
                    acc = product ? acc * v : acc + v;
                    o.setDouble(start[1] + k * so, acc);
                } else {
                    long v = in.getLong(start[0] + k * sx);
                    accL = product ? accL * v : accL + v;
                    o.setLong(start[1] + k * so, accL);
                }
            }
        }, x, out);
        return out;
    }

    /**
     * d/dx_i of sum_k g_k prod_{j<=k} x_j, exact with zeros and without division: it is P_i S_i, where P_i is the
     * product of the elements before i and S_i = g_i + x_{i+1} S_{i+1} the suffix sum of g weighted by the products
     * of the elements after i.
     */
    private static Tensor cumprodBackward(Tensor x, Tensor g, int d) {
        Tensor out = Tensor.empty(x.dtype, x.shape);
        int n = Lines.length(x, d), sx = Lines.stride(x, d), sg = Lines.stride(g, d), so = Lines.stride(out, d);
        double[] suffix = new double[n];
        Storage xs = x.storage, gs = g.storage, o = out.storage;
        Lines.forEach(x.shape, d, start -> {
            double s = 0;
            for (int j = n - 1; j >= 0; j--) {
                s = gs.getDouble(start[1] + j * sg) + (j + 1 < n ? xs.getDouble(start[0] + (j + 1) * sx) * s : 0);
                suffix[j] = s;
            }
            double prefix = 1;
            for (int j = 0; j < n; j++) {
                o.setDouble(start[2] + j * so, prefix * suffix[j]);
                prefix *= xs.getDouble(start[0] + j * sx);
            }
        }, x, g, out);
        return out;
    }
}
