package dev.kiln.tensor;

/**
 * {@code masked_fill}, the NaN and infinity tests ({@code isnan}, {@code isinf}, {@code isfinite}) and
 * {@code nan_to_num}, with PyTorch's dtypes, messages and derivatives.
 */
final class Masking {
    private Masking() {}

    // ------------------------------------------------------------ masked_fill

    /**
     * {@code self.masked_fill(mask, value)}: self (broadcast with the mask) with {@code value} where the mask holds.
     * The value is a Java number or a 0-dim tensor, cast to self's dtype; a uint8 mask is accepted as PyTorch 1.13
     * does (with a deprecation warning there).
     */
    static Tensor maskedFill(Tensor self, Tensor mask, Tensor value) {
        DeviceOps.requireCpu("masked_fill", self, mask, value);
        if (mask.dtype != DType.BOOL && mask.dtype != DType.UINT8) {
            throw new IllegalArgumentException("masked_fill_ only supports boolean masks, but got mask with dtype "
                    + mask.dtype.scalarTypeName());
        }
        if (value.dim() != 0) {
            throw new IllegalArgumentException("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                    + "with " + value.dim() + " dimension(s).");
        }
        int[] shape = Shapes.broadcast(mask.shape, self.shape);  // in this order, as PyTorch's expand_outplace(mask, self)
        Tensor out = Tensor.empty(self.dtype, shape);
        Elementwise.copyInto(out, self);
        boolean floating = self.dtype.isFloatingPoint();
        double v = value.storage.getDouble(value.offset);
        long vl = value.storage.getLong(value.offset);
        StridedWalk w = new StridedWalk(shape, out, mask);
        for (int i = 0, n = out.numel(); i < n; i++, w.next()) {
            if (!mask.storage.getBool(w.off[1])) continue;
            if (floating || value.dtype.isFloatingPoint()) out.storage.setDouble(w.off[0], v);
            else out.storage.setLong(w.off[0], vl);
        }
        int[] selfShape = self.shape;
        if (value.wrappedNumber) {  // the Scalar overload; a value tensor is the Tensor one, with or without grad
            return Autograd.record("MaskedFillBackward0", out, g -> new Tensor[] {
                    Autograd.sumToShape(maskedFill(g, mask, Tensor.wrap(0L)), selfShape)}, self);
        }
        return Autograd.record("MaskedFillBackward1", out, g -> new Tensor[] {
                self.requiresGrad ? Autograd.sumToShape(maskedFill(g, mask, Tensor.wrap(0L)), selfShape) : null,
                // the value's gradient: everything that flowed into the filled positions
                value.requiresGrad ? g.mul(mask.expand(g.shape).to(g.dtype)).sum() : null}, self, value);
    }

    // ------------------------------------------------------------ isnan, isinf, isfinite

    enum Test { NAN, INF, FINITE }

    /** A bool tensor; integers and bools are never NaN or infinite. */
    static Tensor test(Tensor t, Test which) {
        DeviceOps.requireCpu(which == Test.NAN ? "isnan" : which == Test.INF ? "isinf" : "isfinite", t);
        Tensor out = Tensor.empty(DType.BOOL, t.shape);
        boolean floating = t.dtype.isFloatingPoint();
        StridedWalk w = new StridedWalk(t.shape, out, t);
        for (int i = 0, n = t.numel(); i < n; i++, w.next()) {
            double v = floating ? t.storage.getDouble(w.off[1]) : 0;
            out.storage.b[w.off[0]] = switch (which) {
                case NAN -> Double.isNaN(v);
                case INF -> Double.isInfinite(v);
                case FINITE -> Double.isFinite(v);
            };
        }
        return out;
    }

    // ------------------------------------------------------------ nan_to_num

    /**
     * NaN to {@code nan}, +inf to {@code posinf} and -inf to {@code neginf}, the infinities defaulting to the dtype's
     * largest and lowest finite values; a copy for integer and bool tensors. Only finite inputs pass a gradient.
     */
    static Tensor nanToNum(Tensor t, Double nan, Double posinf, Double neginf) {
        DeviceOps.requireCpu("nan_to_num", t);
        Tensor out = t.contiguousCopy();
        if (t.dtype.isFloatingPoint()) {
            double max = largest(t.dtype);
            double n = nan == null ? 0 : nan, p = posinf == null ? max : posinf, m = neginf == null ? -max : neginf;
            Storage s = out.storage;
            for (int i = 0, count = out.numel(); i < count; i++) {
                double v = s.getDouble(i);
                if (Double.isNaN(v)) s.setDouble(i, n);
                else if (v == Double.POSITIVE_INFINITY) s.setDouble(i, p);
                else if (v == Double.NEGATIVE_INFINITY) s.setDouble(i, m);
            }
        }
        return Autograd.record("NanToNumBackward0", out, g -> new Tensor[] {g.mul(test(t, Test.FINITE).to(g.dtype))}, t);
    }

    /** {@code torch.finfo(dtype).max}. */
    static double largest(DType dtype) {
        return switch (dtype) {
            case FLOAT64 -> Double.MAX_VALUE;
            case FLOAT32 -> Float.MAX_VALUE;
            case FLOAT16 -> 65504.0;
            case BFLOAT16 -> BFloat16.toFloat((short) 0x7F7F);
            default -> throw new AssertionError(dtype + " is not floating");
        };
    }
}
