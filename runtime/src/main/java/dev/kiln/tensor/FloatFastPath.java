package dev.kiln.tensor;

/**
 * Float32 loops for the arithmetic that training spends its time in: contiguous operands of the
 * same shape, or a contiguous tensor with a single-element operand. Everything else takes the
 * general strided path in {@link Elementwise}.
 */
final class FloatFastPath {
    private FloatFastPath() {}

    static boolean tryBinary(BinaryOp op, Tensor out, Tensor a, Tensor b, DType compute) {
        if (compute != DType.FLOAT32 || out.dtype != DType.FLOAT32 || a.dtype != DType.FLOAT32
                || !out.isContiguous() || !a.isContiguous()) {
            return false;
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
        if (b.dtype != DType.FLOAT32 || b.numel() != n || !b.isContiguous() || !java.util.Arrays.equals(a.shape, b.shape)) {
            return false;
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
}
