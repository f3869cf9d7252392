package dev.kiln.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code split}, {@code chunk} and {@code unbind}: views along one dim, as PyTorch returns them (so they work on
 * any device), each recorded under PyTorch's node name ({@code SplitBackward0}, {@code SplitWithSizesBackward0},
 * {@code UnbindBackward0}); a piece's gradient lands in its place in a zero tensor of the input's shape.
 */
final class Splitting {
    private Splitting() {}

    /** {@code torch.split(t, splitSize, dim)}: pieces of {@code splitSize} along {@code dim}, the last one shorter. */
    static List<Tensor> split(Tensor t, int splitSize, int dim) {
        if (t.dim() == 0) throw new IllegalArgumentException("split expects at least a 1-dimensional tensor");
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        if (splitSize < 0) {
            throw new IllegalArgumentException("split expects split_size be non-negative, but got split_size=" + splitSize);
        }
        if (splitSize == 0 && size != 0) {
            throw new IllegalArgumentException("split_size can only be 0 if dimension size is 0, but got dimension size of "
                    + size);
        }
        // At least one piece, even of an empty dim, as PyTorch.
        int pieces = splitSize == 0 ? 1 : Math.max((size + splitSize - 1) / splitSize, 1);
        int[] sizes = new int[pieces];
        for (int i = 0; i < pieces; i++) sizes[i] = Math.min(splitSize, size - i * splitSize);
        return pieces(t, d, sizes, "SplitBackward0");
    }

    /** {@code torch.split(t, [sizes...], dim)}: pieces of the given sizes, which must add up to the dim's size. */
    static List<Tensor> splitWithSizes(Tensor t, int[] sizes, int dim) {
        if (t.dim() == 0) throw new IllegalArgumentException("split expects at least a 1-dimensional tensor");
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        long sum = 0;
        for (int s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("split_with_sizes expects split_sizes have only non-negative entries, "
                        + "but got split_sizes=" + Arrays.toString(sizes));
            }
            sum += s;
        }
        if (sum != size) {
            throw new IllegalArgumentException("split_with_sizes expects split_sizes to sum exactly to " + size
                    + " (input tensor's size at dimension " + d + "), but got split_sizes=" + Arrays.toString(sizes));
        }
        return pieces(t, d, sizes.clone(), "SplitWithSizesBackward0");
    }

    /** {@code torch.chunk(t, chunks, dim)}: pieces of ceil(size / chunks), so possibly fewer than {@code chunks}. */
    static List<Tensor> chunk(Tensor t, int chunks, int dim) {
        if (t.dim() == 0) throw new IllegalArgumentException("chunk expects at least a 1-dimensional tensor");
        if (chunks <= 0) throw new IllegalArgumentException("chunk expects `chunks` to be greater than 0, got: " + chunks);
        int d = Shapes.wrapDim(dim, t.dim());
        int size = t.shape[d];
        int splitSize = (size + chunks - 1) / chunks;
        // An empty dim still gives `chunks` empty pieces, as PyTorch.
        if (splitSize == 0 && size == 0) {
            int[] sizes = new int[chunks];
            return pieces(t, d, sizes, "SplitWithSizesBackward0");
        }
        return split(t, splitSize, d);
    }

    /** {@code torch.unbind(t, dim)}: every slice along {@code dim}, without it. */
    static List<Tensor> unbind(Tensor t, int dim) {
        int d = Shapes.wrapDim(dim, t.dim());
        if (t.dim() == 0) throw new IndexOutOfBoundsException("Dimension specified as " + d + " but tensor has no dimensions");
        int[] original = t.shape;
        List<Tensor> out = new ArrayList<>(t.shape[d]);
        for (int i = 0; i < t.shape[d]; i++) {
            int at = i;
            Tensor piece = Views.selectRaw(t, d, i);
            out.add(Autograd.record("UnbindBackward0", piece, g -> {
                Tensor full = Tensor.zeros(g.dtype, original, g.device());
                Elementwise.copyInto(Views.selectRaw(full, d, at), g);
                return new Tensor[] {full};
            }, t));
        }
        return out;
    }

    private static List<Tensor> pieces(Tensor t, int d, int[] sizes, String node) {
        int[] original = t.shape;
        List<Tensor> out = new ArrayList<>(sizes.length);
        int start = 0;
        for (int len : sizes) {
            int s = start;
            Tensor piece = Views.sliceRaw(t, d, s, len, 1);
            out.add(Autograd.record(node, piece, g -> {
                Tensor full = Tensor.zeros(g.dtype, original, g.device());
                Elementwise.copyInto(Views.sliceRaw(full, d, s, len, 1), g);
                return new Tensor[] {full};
            }, t));
            start += len;
        }
        return out;
    }
}
