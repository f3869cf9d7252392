package dev.kiln.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints tensors exactly as PyTorch 1.13's {@code repr(t)} and {@code str(t)} do
 * ({@code torch/_tensor_str.py}), for dense CPU tensors with float32 as the default dtype.
 *
 * <pre>{@code
 * tensor([[1., 1., 1.],
 *         [1., 1., 1.]], dtype=torch.float64, requires_grad=True)
 * }</pre>
 */
public final class TensorFormatter {

    private static final String PREFIX = "tensor(";

    private TensorFormatter() {}

    /** {@code repr(t)} under the current {@link PrintOptions}. */
    public static String repr(PrintInput in) { return repr(in, PrintOptions.current()); }

    /** {@code repr(t)} under the given options. */
    public static String repr(PrintInput in, PrintOptions options) {
        int indent = PREFIX.length();
        List<String> suffixes = new ArrayList<>();
        // torch names a tensor's device first, before its size and dtype.
        if (in.device() != null) suffixes.add("device='" + in.device() + "'");
        DType dtype = in.dtype();
        if (in.numel() == 0) {
            // Like NumPy, an empty tensor's shape is shown unless it is (0,); and with no element
            // to tell an int64 tensor from a float one, any non-default dtype is named, int64 included.
            if (in.dim() != 1) suffixes.add("size=" + pythonTuple(in.shape()));
            if (dtype != DType.defaultFloat()) suffixes.add("dtype=" + dtype);
        } else if (dtype != DType.defaultFloat() && dtype != DType.INT64 && dtype != DType.BOOL) {
            // int64 and bool are recognisable from their elements, the default float by its ".".
            suffixes.add("dtype=" + dtype);
        }
        if (in.gradFnName() != null) suffixes.add("grad_fn=<" + in.gradFnName() + ">");
        else if (in.requiresGrad()) suffixes.add("requires_grad=True");
        return addSuffixes(PREFIX + TensorBody.render(in, indent, options), suffixes, indent, options.linewidth());
    }

    /**
     * Just the bracketed values ({@code torch._tensor_str._tensor_str}), laid out as if the
     * opening bracket sat at column {@code indent}; for printers that wrap values in another prefix.
     */
    public static String formatValuesOnly(PrintInput in, int indent, PrintOptions options) {
        return TensorBody.render(in, indent, options);
    }

    /** torch's {@code _add_suffixes}: ", suffix" on the same line while it fits, else on a new indented line. */
    private static String addSuffixes(String body, List<String> suffixes, int indent, int linewidth) {
        StringBuilder out = new StringBuilder(body);
        // torch's arithmetic, kept as is: with no newline this counts two more than the line holds.
        int lastLineLength = body.length() - body.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLineLength + suffix.length() + 2 > linewidth) {
                out.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLineLength = indent + suffix.length();
            } else {
                out.append(", ").append(suffix);
                lastLineLength += suffix.length() + 2;
            }
        }
        return out.append(')').toString();
    }

    /** Python's {@code str(tuple(shape))}: {@code (0, 3)}, and {@code (0,)} for one element. */
    private static String pythonTuple(int[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) s.append(", ");
            s.append(shape[i]);
        }
        if (shape.length == 1) s.append(',');
        return s.append(')').toString();
    }
}
