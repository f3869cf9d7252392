package dev.kiln.tensor;

/**
 * Element-wise kernels over strided, broadcast operands. No autograd here: these compute values.
 *
 * <p>The general path walks the output in row-major order while advancing each input by its
 * (broadcast) strides; a fast path handles the common float32 case of contiguous operands.
 * Operands on a device go to {@link DeviceOps} instead.
 */
final class Elementwise {
    private Elementwise() {}

    /** {@code op(a, b)} into a new tensor of the broadcast shape, computed in {@code compute}. */
    static Tensor binary(BinaryOp op, Tensor a, Tensor b, DType compute) {
        if (DeviceOps.any(a, b)) return DeviceOps.binary(op, a, b, compute);
        int[] shape = b.dim() == 0 || java.util.Arrays.equals(a.shape, b.shape) ? a.shape : Shapes.broadcast(a.shape, b.shape);
        DType outType = op.producesBool ? DType.BOOL : compute;
        Tensor out = Tensor.empty(outType, shape);
        binaryInto(op, out, a, b, compute);
        return out;
    }

    /** {@code out = op(a, b)}; {@code out} may alias {@code a} (in-place ops). */
    static void binaryInto(BinaryOp op, Tensor out, Tensor a, Tensor b, DType compute) {
        if (DeviceOps.any(out, a) || DeviceOps.on(b)) {
            DeviceOps.binaryInto(op, out, a, b, compute);
            return;
        }
        if (FloatFastPath.tryBinary(op, out, a, b, compute)) return;
        int[] shape = out.shape;
        int n = out.numel();
        if (n == 0) return;
        int nd = shape.length;
        int[] so = out.strides, sa = Shapes.broadcastStrides(a.shape, a.strides, shape),
                sb = Shapes.broadcastStrides(b.shape, b.strides, shape);
        Storage to = out.storage, ta = a.storage, tb = b.storage;
        int io = out.offset, ia = a.offset, ib = b.offset;
        int[] idx = new int[nd];
        boolean floating = compute.isFloatingPoint();
        // PyTorch casts each operand to the computation dtype first: a float32 op with a Java long or a float64
        // 0-dim tensor sees that value rounded to float32 (so float32 16777216 == 16777217L holds, as in PyTorch),
        // and a uint8 op sees -2 as 254.
        boolean roundA = compute != DType.FLOAT64 && compute != DType.INT64 && a.dtype != compute;
        boolean roundB = compute != DType.FLOAT64 && compute != DType.INT64 && b.dtype != compute;
        for (int i = 0; i < n; i++) {
            if (floating) {
                double x = ta.getDouble(ia), y = tb.getDouble(ib);
                if (roundA) x = roundTo(compute, x);
                if (roundB) y = roundTo(compute, y);
                to.setDouble(io, op.d(x, y));
            } else {
                long x = ta.getLong(ia), y = tb.getLong(ib);
                if (roundA) x = narrow(compute, x);
                if (roundB) y = narrow(compute, y);
                to.setLong(io, op.l(x, y));
            }
            for (int d = nd - 1; d >= 0; d--) {
                io += so[d]; ia += sa[d]; ib += sb[d];
                if (++idx[d] < shape[d]) break;
                io -= so[d] * shape[d]; ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /** {@code v} rounded to the floating dtype {@code t} (float64 keeps it). */
    static double roundTo(DType t, double v) {
        return switch (t) {
            case FLOAT32 -> (float) v;
            case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BFLOAT16 -> BFloat16.toFloat(BFloat16.fromDouble(v));
            default -> v;
        };
    }

    /** {@code v} cast to the integer (or bool) dtype {@code t} as C++ casts do: wrapping. */
    static long narrow(DType t, long v) {
        return switch (t) {
            case UINT8 -> v & 0xFF;
            case INT8 -> (byte) v;
            case INT16 -> (short) v;
            case INT32 -> (int) v;
            case BOOL -> v != 0 ? 1 : 0;
            default -> v;
        };
    }

    /** {@code op(a)} into a new tensor of dtype {@code outType}. */
    static Tensor unary(UnaryOp op, Tensor a, DType outType) {
        if (DeviceOps.on(a)) return DeviceOps.unary(op, a, outType);
        Tensor out = Tensor.empty(outType, a.shape);
        unaryInto(op, out, a);
        return out;
    }

    static void unaryInto(UnaryOp op, Tensor out, Tensor a) {
        if (DeviceOps.any(out, a)) {
            DeviceOps.unaryInto(op, out, a);
            return;
        }
        int n = out.numel();
        boolean floating = out.dtype.isFloatingPoint() || op.floating;
        if (out.dtype == DType.FLOAT32 && a.dtype == DType.FLOAT32 && out.isContiguous() && a.isContiguous()) {
            float[] o = out.storage.f32, x = a.storage.f32;
            int oo = out.offset, ao = a.offset;
            if (op == UnaryOp.RELU) {  // the activation of most layers: worth a loop of its own
                // Math.max(v, 0) is v > 0 || v != v ? v : 0 (NaN kept, -0 becomes +0) without the
                // data-dependent branch, and C2 turns it into vector max instructions.
                for (int i = 0; i < n; i++) o[oo + i] = Math.max(x[ao + i], 0f);
                return;
            }
            for (int i = 0; i < n; i++) o[oo + i] = (float) op.d(x[ao + i]);
            return;
        }
        StridedWalk w = new StridedWalk(out.shape, out, a);
        for (int i = 0; i < n; i++, w.next()) {
            if (floating) out.storage.setDouble(w.off[0], op.d(a.storage.getDouble(w.off[1])));
            else out.storage.setLong(w.off[0], op.l(a.storage.getLong(w.off[1])));
        }
    }

    /** Copies {@code src} into {@code dst} with broadcasting and dtype conversion. */
    static void copyInto(Tensor dst, Tensor src) {
        if (DeviceOps.any(dst, src)) {
            DeviceOps.copyInto(dst, src);
            return;
        }
        int[] shape = dst.shape;
        Shapes.broadcast(src.shape, shape);  // validates
        if (src.dim() > dst.dim() || !java.util.Arrays.equals(Shapes.broadcast(src.shape, shape), shape)) {
            throw new IllegalArgumentException("shape mismatch: value tensor of shape " + Shapes.str(src.shape)
                    + " cannot be broadcast to indexing result of shape " + Shapes.str(shape));
        }
        int n = dst.numel();
        if (dst.dtype == src.dtype && dst.isContiguous() && src.isContiguous() && src.numel() == n) {
            System.arraycopy(src.storage.array(), src.offset, dst.storage.array(), dst.offset, n);
            return;
        }
        if (FloatFastPath.tryCopy(dst, src)) return;
        StridedWalk w = new StridedWalk(shape, dst, src);
        Storage d = dst.storage, s = src.storage;
        boolean floating = dst.dtype.isFloatingPoint() || src.dtype.isFloatingPoint();
        for (int i = 0; i < n; i++, w.next()) {
            if (dst.dtype == DType.BOOL) d.setBool(w.off[0], s.getBool(w.off[1]));
            else if (floating) d.setDouble(w.off[0], s.getDouble(w.off[1]));
            else d.setLong(w.off[0], s.getLong(w.off[1]));
        }
    }

    /** {@code torch.where(cond, a, b)} with broadcasting over all three. */
    static Tensor where(Tensor cond, Tensor a, Tensor b, DType outType) {
        DeviceOps.requireCpu("where", cond, a, b);
        // Broadcast in operand order, so that a mismatch names the sizes as PyTorch's TensorIterator does.
        int[] shape = Shapes.broadcast(Shapes.broadcast(cond.shape, a.shape), b.shape);
        Tensor out = Tensor.empty(outType, shape);
        StridedWalk w = new StridedWalk(shape, out, cond, a, b);
        boolean floating = outType.isFloatingPoint();
        for (int i = 0, n = out.numel(); i < n; i++, w.next()) {
            Storage src = cond.storage.getBool(w.off[1]) ? a.storage : b.storage;
            int off = cond.storage.getBool(w.off[1]) ? w.off[2] : w.off[3];
            if (floating) out.storage.setDouble(w.off[0], src.getDouble(off));
            else out.storage.setLong(w.off[0], src.getLong(off));
        }
        return out;
    }
}
