package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.backend.cpu.Gemm;

/** Matrix products with PyTorch's matmul dispatch (dot, mv, mm, batched with broadcasting). */
final class LinAlg {
    private LinAlg() {}

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("both arguments to matmul need to be at least 1D, but they are "
                    + a.dim() + "D and " + b.dim() + "D");
        }
        checkMatmulShapes(a, b);
        if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
        if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
        if (a.dim() == 1 && b.dim() == 2) return mm(a.unsqueeze(0), b).squeeze(0);
        if (a.dim() == 2 && b.dim() == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
        // Batched: a 1-D operand becomes a row (left) or a column (right) and is dropped afterwards.
        if (a.dim() == 1) return batched(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return batched(a, b.unsqueeze(1)).squeeze(-1);
        return batched(a, b);
    }

    /**
     * PyTorch folds matrix-vector and batched-by-matrix products into mv / mm on a flattened
     * matrix, and its errors describe that flattened matrix: we report the same.
     */
    private static void checkMatmulShapes(Tensor a, Tensor b) {
        int k = a.shape[a.dim() - 1];
        if (a.dim() >= 2 && b.dim() == 1 && k != b.shape[0]) {
            int rows = a.numel() / Math.max(k, 1);
            throw new IllegalArgumentException("size mismatch, got " + rows + ", " + rows + "x" + k + "," + b.shape[0]);
        }
        if (a.dim() == 1 && b.dim() >= 3 && a.shape[0] != b.shape[b.dim() - 2]) {
            int kb = b.shape[b.dim() - 2], rows = b.numel() / Math.max(kb, 1);
            throw new IllegalArgumentException("size mismatch, got " + rows + ", " + rows + "x" + kb + "," + a.shape[0]);
        }
        if (a.dim() >= 3 && b.dim() == 2 && k != b.shape[0]) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + a.numel() / Math.max(k, 1)
                    + "x" + k + " and " + b.shape[0] + "x" + b.shape[1] + ")");
        }
    }

    static Tensor dot(Tensor a, Tensor b) {
        if (a.dim() != 1 || b.dim() != 1) {
            throw new IllegalArgumentException("1D tensors expected, but got " + a.dim() + "D and " + b.dim() + "D tensors");
        }
        if (a.numel() != b.numel()) {
            throw new IllegalArgumentException("inconsistent tensor size, expected tensor [" + a.numel() + "] and src ["
                    + b.numel() + "] to have the same number of elements, but got " + a.numel() + " and " + b.numel()
                    + " elements respectively");
        }
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("dot : expected both vectors to have same dtype, but found "
                    + a.dtype.scalarTypeName() + " and " + b.dtype.scalarTypeName());
        }
        Tensor out = Reductions.sum(Elementwise.binary(BinaryOp.MUL, a, b, a.dtype), null, false).to(a.dtype);
        return Autograd.record("DotBackward0", out, g -> new Tensor[] {b.mul(g), a.mul(g)}, a, b);
    }

    static Tensor mm(Tensor a, Tensor b) {
        if (a.dim() != 2) throw new IllegalArgumentException("self must be a matrix");
        if (b.dim() != 2) throw new IllegalArgumentException("mat2 must be a matrix");
        if (a.shape[1] != b.shape[0]) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + a.shape[0] + "x" + a.shape[1]
                    + " and " + b.shape[0] + "x" + b.shape[1] + ")");
        }
        checkSameDtype(a, b);
        Tensor out = Tensor.empty(a.dtype, new int[] {a.shape[0], b.shape[1]}, DeviceOps.common(a, b));
        kernel(a, b, out);
        return Autograd.record("MmBackward0", out, g -> new Tensor[] {g.mm(b.t()), a.t().mm(g)}, a, b);
    }

    private static Tensor batched(Tensor a, Tensor b) {
        int n = a.shape[a.dim() - 2], k = a.shape[a.dim() - 1], k2 = b.shape[b.dim() - 2], p = b.shape[b.dim() - 1];
        int[] batch = Shapes.broadcast(java.util.Arrays.copyOf(a.shape, a.dim() - 2), java.util.Arrays.copyOf(b.shape, b.dim() - 2));
        int nb = Shapes.numel(batch);
        if (k != k2) {
            throw new IllegalArgumentException("Expected size for first two dimensions of batch2 tensor to be: ["
                    + nb + ", " + k + "] but got: [" + nb + ", " + k2 + "].");
        }
        checkSameDtype(a, b);
        Device device = DeviceOps.common(a, b);
        Tensor a3 = expandBatch(a, batch, n, k), b3 = expandBatch(b, batch, k, p);
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = n;
        outShape[batch.length + 1] = p;
        Tensor out = Tensor.empty(a.dtype, outShape, device);
        for (int i = 0; i < nb; i++) {
            kernel(Views.selectRaw(a3, 0, i), Views.selectRaw(b3, 0, i), out.view(i * n * p, new int[] {n, p}, new int[] {p, 1}));
        }
        int[] sa = a.shape, sb = b.shape;
        return Autograd.record("BmmBackward0", out, g -> new Tensor[] {
                Autograd.sumToShape(g.matmul(b.transpose(-1, -2)), sa),
                Autograd.sumToShape(a.transpose(-1, -2).matmul(g), sb)}, a, b);
    }

    /** Broadcasts the batch dims and flattens them into one leading dim: [B, rows, cols]. */
    private static Tensor expandBatch(Tensor t, int[] batch, int rows, int cols) {
        int[] full = java.util.Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = rows;
        full[batch.length + 1] = cols;
        Tensor e = t.view(t.offset, t.shape, t.strides);  // detached view: the graph is recorded on the result
        return Views.expand(e, full).contiguousRaw().view(0, new int[] {Shapes.numel(batch), rows, cols},
                Shapes.contiguousStrides(new int[] {Shapes.numel(batch), rows, cols}));
    }

    private static void checkSameDtype(Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("expected scalar type " + a.dtype.scalarTypeName() + " but found "
                    + b.dtype.scalarTypeName());
        }
    }

    /** out[n,p] = a[n,k] · b[k,p] for 2-D strided operands; out is contiguous. */
    static void kernel(Tensor a, Tensor b, Tensor out) {
        int n = a.shape[0], k = a.shape[1], p = b.shape[1];
        if (DeviceOps.on(out) && a.dtype != DType.FLOAT32) {
            throw new UnsupportedOperationException("float32 only on devices for now: mm of " + a.dtype + " tensors on "
                    + out.device());
        }
        switch (a.dtype) {
            case FLOAT32 -> {
                Tensor ac = rowOrColumnMajor(a), bc = rowOrColumnMajor(b);
                if (DeviceOps.on(out)) {
                    DeviceOps.gemm(isTransposed(ac), isTransposed(bc), n, p, k, ac, leading(ac), bc, leading(bc), out);
                    return;
                }
                Gemm.sgemm(isTransposed(ac), isTransposed(bc), n, p, k, ac.storage.f32, ac.offset, leading(ac),
                        bc.storage.f32, bc.offset, leading(bc), out.storage.f32, out.offset, p, false);
            }
            case FLOAT64 -> {
                Tensor ac = rowOrColumnMajor(a), bc = rowOrColumnMajor(b);
                Gemm.dgemm(isTransposed(ac), isTransposed(bc), n, p, k, ac.storage.f64, ac.offset, leading(ac),
                        bc.storage.f64, bc.offset, leading(bc), out.storage.f64, out.offset, p, false);
            }
            default -> {
                // Integer, bool and half products are rare: a plain loop in long / double arithmetic.
                boolean floating = a.dtype.isFloatingPoint();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < p; j++) {
                        long accL = 0;
                        double acc = 0;
                        for (int q = 0; q < k; q++) {
                            int ia = a.offset + i * a.strides[0] + q * a.strides[1];
                            int ib = b.offset + q * b.strides[0] + j * b.strides[1];
                            if (floating) acc += a.storage.getDouble(ia) * b.storage.getDouble(ib);
                            else accL += a.storage.getLong(ia) * b.storage.getLong(ib);
                        }
                        if (floating) out.storage.setDouble(out.offset + i * p + j, acc);
                        else out.storage.setLong(out.offset + i * p + j, accL);
                    }
                }
            }
        }
    }

    /** Gemm reads row-major or transposed (column-major) matrices; anything else is copied first. */
    private static Tensor rowOrColumnMajor(Tensor m) {
        if ((m.strides[1] == 1 && m.strides[0] >= Math.max(1, m.shape[1])) || (m.strides[0] == 1 && m.strides[1] >= Math.max(1, m.shape[0]))) {
            return m;
        }
        return m.contiguousCopy();
    }

    private static boolean isTransposed(Tensor m) { return !(m.strides[1] == 1 && m.strides[0] >= Math.max(1, m.shape[1])); }

    private static int leading(Tensor m) { return isTransposed(m) ? m.strides[1] : m.strides[0]; }
}
