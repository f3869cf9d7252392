package dev.kiln.tensor;

/**
 * Float32 loops for the arithmetic that training spends its time in: contiguous operands of the
 * same shape, a contiguous tensor with a single-element operand, a row broadcast over a matrix
 * (bias), fills and the common dtype conversions. Everything else takes the general strided path
 * in {@link Elementwise}, which converts every element through double.
 */
final class FloatFastPath {
    private FloatFastPath() {}

    static boolean tryBinary(BinaryOp op, Tensor out, Tensor a, Tensor b, DType compute) {
        if (compute != DType.FLOAT32 || out.dtype != DType.FLOAT32 || a.dtype != DType.FLOAT32) return false;
        if (!out.isContiguous() || !a.isContiguous()) {
            return b.dtype == DType.FLOAT32 && out.dim() > 0 && stridedArithmetic(op, out, a, b);
        }
        int n = out.numel();
        if (a.numel() != n) return false;
        float[] o = out.storage.f32, x = a.storage.f32;
        int oo = out.offset, xo = a.offset;
        if (b.numel() == 1) {
            // A scalar operand (often a wrapped Java number of another dtype) is cast to float32 first, as PyTorch does.
            float s = (float) b.storage.getDouble(b.offset);
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] + s; }
                case SUB -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] - s; }
                case MUL -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] * s; }
                case DIV -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] / s; }
                default -> { return false; }
            }
            return true;
        }
        if (b.dtype != DType.FLOAT32) return false;
        if (!b.isContiguous()) return out.dim() > 0 && stridedArithmetic(op, out, a, b);
        if (b.numel() != n || !java.util.Arrays.equals(a.shape, b.shape)) {
            return tryRowBroadcast(op, o, oo, x, xo, n, a, b) || (out.dim() > 0 && stridedArithmetic(op, out, a, b));
        }
        float[] y = b.storage.f32;
        int yo = b.offset;
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] + y[yo + i]; }
            case SUB -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] - y[yo + i]; }
            case MUL -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] * y[yo + i]; }
            case DIV -> { for (int i = 0; i < n; i++) o[oo + i] = x[xo + i] / y[yo + i]; }
            default -> { return false; }
        }
        return true;
    }

    /**
     * Any strides and broadcasting, float32 throughout: an odometer over the outer dims and a tight
     * loop over the last one (transposed gradients being accumulated land here).
     */
    private static boolean stridedArithmetic(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        if (op.ordinal() > BinaryOp.DIV.ordinal()) return false;
        int[] shape = out.shape;
        int nd = shape.length, inner = shape[nd - 1];
        int[] so = out.strides, sa = Shapes.broadcastStrides(a.shape, a.strides, shape),
                sb = Shapes.broadcastStrides(b.shape, b.strides, shape);
        int rows = inner == 0 ? 0 : out.numel() / inner;
        int io = out.offset, ia = a.offset, ib = b.offset;
        int[] idx = new int[nd];
        float[] o = out.storage.f32, x = a.storage.f32, y = b.storage.f32;
        int lo = so[nd - 1], la = sa[nd - 1], lb = sb[nd - 1];
        for (int r = 0; r < rows; r++) {
            switch (op) {
                case ADD -> { for (int j = 0; j < inner; j++) o[io + j * lo] = x[ia + j * la] + y[ib + j * lb]; }
                case SUB -> { for (int j = 0; j < inner; j++) o[io + j * lo] = x[ia + j * la] - y[ib + j * lb]; }
                case MUL -> { for (int j = 0; j < inner; j++) o[io + j * lo] = x[ia + j * la] * y[ib + j * lb]; }
                default -> { for (int j = 0; j < inner; j++) o[io + j * lo] = x[ia + j * la] / y[ib + j * lb]; }
            }
            for (int d = nd - 2; d >= 0; d--) {
                io += so[d]; ia += sa[d]; ib += sb[d];
                if (++idx[d] < shape[d]) break;
                io -= so[d] * shape[d]; ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d];
                idx[d] = 0;
            }
        }
        return true;
    }

    /** {@code a[rows, cols] op b[cols]}: the bias add of a linear layer and its kin. */
    private static boolean tryRowBroadcast(BinaryOp op, float[] o, int oo, float[] x, int xo, int n, Tensor a, Tensor b) {
        int cols = b.numel();
        if (cols == 0 || n % cols != 0 || a.dim() < 1 || a.shape[a.dim() - 1] != cols
                || b.shape.length == 0 || b.shape[b.dim() - 1] != cols) {
            return false;
        }
        for (int d = 0; d < b.dim() - 1; d++) if (b.shape[d] != 1) return false;
        float[] y = b.storage.f32;
        int yo = b.offset;
        for (int r = 0; r < n; r += cols) {
            switch (op) {
                case ADD -> { for (int j = 0; j < cols; j++) o[oo + r + j] = x[xo + r + j] + y[yo + j]; }
                case SUB -> { for (int j = 0; j < cols; j++) o[oo + r + j] = x[xo + r + j] - y[yo + j]; }
                case MUL -> { for (int j = 0; j < cols; j++) o[oo + r + j] = x[xo + r + j] * y[yo + j]; }
                case DIV -> { for (int j = 0; j < cols; j++) o[oo + r + j] = x[xo + r + j] / y[yo + j]; }
                default -> { return false; }
            }
        }
        return true;
    }

    /** Fills from a single value, and contiguous conversions between float32, float64, int64 and bool. */
    static boolean tryCopy(Tensor dst, Tensor src) {
        if (!dst.isContiguous()) return false;
        int n = dst.numel(), d0 = dst.offset;
        Storage d = dst.storage, s = src.storage;
        if (src.numel() == 1) {
            int at = src.offset;
            switch (dst.dtype) {
                case FLOAT32 -> java.util.Arrays.fill(d.f32, d0, d0 + n, (float) s.getDouble(at));
                case FLOAT64 -> java.util.Arrays.fill(d.f64, d0, d0 + n, s.getDouble(at));
                case INT64 -> java.util.Arrays.fill(d.i64, d0, d0 + n, s.getLong(at));
                case BOOL -> java.util.Arrays.fill(d.b, d0, d0 + n, s.getBool(at));
                default -> { return false; }
            }
            return true;
        }
        if (!src.isContiguous() || src.numel() != n) return false;
        int s0 = src.offset;
        if (dst.dtype == DType.FLOAT32 && src.dtype == DType.FLOAT64) {
            for (int i = 0; i < n; i++) d.f32[d0 + i] = (float) s.f64[s0 + i];
        } else if (dst.dtype == DType.FLOAT64 && src.dtype == DType.FLOAT32) {
            for (int i = 0; i < n; i++) d.f64[d0 + i] = s.f32[s0 + i];
        } else if (dst.dtype == DType.FLOAT32 && src.dtype == DType.BOOL) {
            for (int i = 0; i < n; i++) d.f32[d0 + i] = s.b[s0 + i] ? 1f : 0f;
        } else if (dst.dtype == DType.FLOAT32 && src.dtype == DType.INT64) {
            for (int i = 0; i < n; i++) d.f32[d0 + i] = s.i64[s0 + i];
        } else {
            return false;
        }
        return true;
    }

    /** ReLU's derivative applied to an incoming gradient: {@code g * (out > 0)}, without a bool temporary. */
    static Tensor reluBackward(Tensor g, Tensor out) {
        if (g.dtype != DType.FLOAT32 || out.dtype != DType.FLOAT32 || !g.isContiguous() || !out.isContiguous()
                || !java.util.Arrays.equals(g.shape, out.shape)) {
            return null;
        }
        Tensor r = Tensor.empty(DType.FLOAT32, g.shape);
        float[] rg = r.storage.f32, gg = g.storage.f32, oo = out.storage.f32;
        FloatVectorLoops.reluBackward(gg, g.offset, oo, out.offset, rg, r.numel());
        return r;
    }
}
