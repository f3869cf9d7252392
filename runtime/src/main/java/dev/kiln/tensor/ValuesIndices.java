package dev.kiln.tensor;

/** The {@code (values, indices)} pair of {@code max(dim)} / {@code min(dim)}; prints like torch.return_types. */
public record ValuesIndices(String op, Tensor values, Tensor indices) {
    @Override public String toString() {
        return "torch.return_types." + op + "(\nvalues=" + values + ",\nindices=" + indices + ")";
    }
}
