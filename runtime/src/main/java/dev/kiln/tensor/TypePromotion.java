package dev.kiln.tensor;

/**
 * PyTorch's {@code torch.result_type}: tensors with dimensions decide first, then zero-dim tensors,
 * then Java numbers ("wrapped numbers"), and a lower tier only matters when it is of a higher
 * category (so {@code int32 + 5} stays int32 but {@code int64 + 2.5} becomes float32).
 */
final class TypePromotion {
    private TypePromotion() {}

    static DType resultType(Tensor... operands) {
        DType dim = null, zero = null, wrapped = null;
        for (Tensor t : operands) {
            DType d = t.dtype;
            if (t.wrappedNumber) {
                // A Java double counts as the default float dtype, a Java long as int64.
                if (d.isFloatingPoint()) d = DType.defaultFloat();
                wrapped = wrapped == null ? d : DType.promote(wrapped, d);
            } else if (t.dim() == 0) {
                zero = zero == null ? d : DType.promote(zero, d);
            } else {
                dim = dim == null ? d : DType.promote(dim, d);
            }
        }
        return combine(dim, combine(zero, wrapped));
    }

    private static DType combine(DType higher, DType lower) {
        if (higher == null) return lower;
        if (lower == null) return higher;
        if (higher.isFloatingPoint()) return higher;
        if (higher.isBool() || lower.isFloatingPoint()) return DType.promote(higher, lower);
        return higher;
    }
}
