package dev.kiln.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The bracketed part of a tensor's repr ({@code _tensor_str} and {@code _tensor_str_with_formatter}):
 * nested brackets, "..." summaries of dimensions longer than twice edgeitems, and 1-D rows wrapped
 * to the line width.
 */
final class TensorBody {

    /** Marks where a summarised dimension prints "..." instead of an index. */
    private static final int ELLIPSIS = -1;

    private final PrintInput in;
    private final PrintOptions options;
    private final boolean summarize;
    private final int[] strides;
    private ElementFormatter formatter;

    private TensorBody(PrintInput in, PrintOptions options) {
        this.in = in;
        this.options = options;
        this.summarize = in.numel() > options.threshold();
        this.strides = new int[in.dim()];
        int stride = 1;
        for (int d = in.dim() - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= in.shape()[d];
        }
    }

    /** The contents, e.g. {@code [[1, 2],\n        [3, 4]]}; {@code indent} is the column the first "[" sits at. */
    static String render(PrintInput in, int indent, PrintOptions options) {
        if (in.numel() == 0) return "[]";
        TensorBody body = new TensorBody(in, options);
        // Widths come only from the elements that will be shown, as torch measures its summary.
        double[] shown = body.summarize ? body.shownValues() : in.values();
        long[] shownIntegers = in.integers() == null ? null : body.summarize ? body.shownIntegers() : in.integers();
        body.formatter = new ElementFormatter(in.dtype(), shown, shownIntegers, options);
        return body.render(0, 0, indent);
    }

    private String render(int dim, int offset, int indent) {
        int rank = in.dim();
        if (rank == 0) return element(0);
        if (dim == rank - 1) return vector(offset, indent);
        List<String> slices = new ArrayList<>();
        for (int i : shownIndices(in.shape()[dim])) {
            slices.add(i == ELLIPSIS ? "..." : render(dim + 1, offset + i * strides[dim], indent + 1));
        }
        // One newline between rows, one more per further dimension: blank lines between matrices.
        String separator = "," + "\n".repeat(rank - dim - 1) + " ".repeat(indent + 1);
        return "[" + String.join(separator, slices) + "]";
    }

    private String vector(int offset, int indent) {
        int stride = strides[in.dim() - 1];
        List<String> items = new ArrayList<>();
        for (int i : shownIndices(in.shape()[in.dim() - 1])) {
            // The leading space keeps "..." clear of the comma before it, as torch prints " ...".
            items.add(i == ELLIPSIS ? " ..." : element(offset + i * stride));
        }
        int elementLength = formatter.width() + 2; // the element plus ", "
        int perLine = Math.max(1, Math.floorDiv(options.linewidth() - indent, elementLength));
        List<String> lines = new ArrayList<>();
        for (int start = 0; start < items.size(); start += perLine) {
            lines.add(String.join(", ", items.subList(start, Math.min(items.size(), start + perLine))));
        }
        return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
    }

    /** Element {@code i} formatted: integers from their exact {@code long} when the input has them. */
    private String element(int i) {
        return in.integers() != null ? formatter.format(in.integers()[i]) : formatter.format(in.values()[i]);
    }

    /** The indices printed along a dimension of {@code size}, with {@link #ELLIPSIS} where items are left out. */
    private int[] shownIndices(int size) {
        int edge = options.edgeItems();
        if (!summarize || size <= 2 * edge) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            return all;
        }
        int[] idx = new int[2 * edge + 1];
        for (int i = 0; i < edge; i++) {
            idx[i] = i;
            idx[edge + 1 + i] = size - edge + i;
        }
        idx[edge] = ELLIPSIS;
        return idx;
    }

    /** Every element that a summarised print shows (torch's {@code get_summarized_data}). */
    private double[] shownValues() {
        List<Double> out = new ArrayList<>();
        collect(0, 0, out);
        double[] values = new double[out.size()];
        for (int i = 0; i < values.length; i++) values[i] = out.get(i);
        return values;
    }

    /** The exact integers of the elements a summarised print shows, in the order of {@link #shownValues}. */
    private long[] shownIntegers() {
        List<Integer> at = new ArrayList<>();
        collectOffsets(0, 0, at);
        long[] out = new long[at.size()];
        for (int i = 0; i < out.length; i++) out[i] = in.integers()[at.get(i)];
        return out;
    }

    private void collectOffsets(int dim, int offset, List<Integer> out) {
        if (dim == in.dim()) {
            out.add(offset);
            return;
        }
        for (int i : shownIndices(in.shape()[dim])) {
            if (i != ELLIPSIS) collectOffsets(dim + 1, offset + i * strides[dim], out);
        }
    }

    private void collect(int dim, int offset, List<Double> out) {
        if (dim == in.dim()) {
            out.add(in.values()[offset]);
            return;
        }
        for (int i : shownIndices(in.shape()[dim])) {
            if (i != ELLIPSIS) collect(dim + 1, offset + i * strides[dim], out);
        }
    }
}
