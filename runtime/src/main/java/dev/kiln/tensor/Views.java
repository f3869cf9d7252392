package dev.kiln.tensor;

import java.util.Arrays;

/**
 * Shape ops that share storage with their input (and reshape, which copies only when it must),
 * each with its derivative rule: the gradient of a view is the gradient reshaped back.
 */
final class Views {
    private Views() {}

    static Tensor view(Tensor a, int[] requested) {
        int[] shape = inferSize(requested, a.numel());
        int[] strides = computeStrides(a.shape, a.strides, shape);
        if (strides == null) {
            throw new IllegalStateException("view size is not compatible with input tensor's size and stride (at least "
                    + "one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
        }
        return viewOf(a, shape, strides, "ViewBackward0");
    }

    static Tensor reshape(Tensor a, int[] requested) {
        int[] shape = inferSize(requested, a.numel());
        int[] strides = computeStrides(a.shape, a.strides, shape);
        if (strides != null) return viewOf(a, shape, strides, "ReshapeAliasBackward0");
        Tensor copy = a.contiguousCopy();
        Tensor out = copy.view(0, shape, Shapes.contiguousStrides(shape));
        int[] original = a.shape;
        return Autograd.record("UnsafeViewBackward0", out, g -> new Tensor[] {g.reshape(original)}, a);
    }

    private static Tensor viewOf(Tensor a, int[] shape, int[] strides, String name) {
        Tensor out = a.view(a.offset, shape, strides);
        int[] original = a.shape;
        return Autograd.record(name, out, g -> new Tensor[] {g.reshape(original)}, a);
    }

    /** Resolves a single -1 and checks that the element count is preserved. */
    static int[] inferSize(int[] requested, int numel) {
        int[] shape = requested.clone();
        int infer = -1;
        long product = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension can be inferred");
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("invalid shape dimension " + shape[i]);
            } else {
                product *= shape[i];
            }
        }
        if (infer >= 0 && product != 0 && numel % product == 0) {
            shape[infer] = (int) (numel / product);
        } else if (product != numel || infer >= 0) {
            throw new IllegalArgumentException("shape '" + Shapes.str(requested) + "' is invalid for input of size " + numel);
        }
        return shape;
    }

    /**
     * Strides for viewing (oldShape, oldStrides) as newShape without copying, or null when impossible:
     * PyTorch's computeStride, which merges runs of dims that are contiguous with each other.
     */
    static int[] computeStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        if (oldShape.length == 0) return new int[newShape.length];
        int numel = Shapes.numel(oldShape);
        if (numel == 0) return Arrays.equals(oldShape, newShape) ? oldStrides.clone() : Shapes.contiguousStrides(newShape);
        int[] newStrides = new int[newShape.length];
        int viewD = newShape.length - 1;
        int chunkBase = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = oldShape.length - 1; d >= 0; d--) {
            tensorNumel *= oldShape[d];
            if (d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = oldStrides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    static Tensor transpose(Tensor a, int d0, int d1) {
        int n = a.dim();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        if (n == 0) {
            Shapes.wrapDim(d0, 0);
            Shapes.wrapDim(d1, 0);
            return viewOf(a, a.shape, a.strides, "TransposeBackward0");
        }
        int x = Shapes.wrapDim(d0, n), y = Shapes.wrapDim(d1, n);
        perm[x] = y;
        perm[y] = x;
        Tensor out = permuteRaw(a, perm);
        return Autograd.record("TransposeBackward0", out, g -> new Tensor[] {g.transpose(x, y)}, a);
    }

    static Tensor permute(Tensor a, int[] dims) {
        if (dims.length != a.dim()) {
            throw new IllegalArgumentException("permute(sparse_coo): number of dimensions in the tensor input does not "
                    + "match the length of the desired ordering of dimensions i.e. input.dim() = " + a.dim()
                    + " is not equal to len(dims) = " + dims.length);
        }
        int[] perm = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            perm[i] = Shapes.wrapDim(dims[i], dims.length);
            if (seen[perm[i]]) throw new IllegalArgumentException("permute(): duplicate dims are not allowed.");
            seen[perm[i]] = true;
        }
        Tensor out = permuteRaw(a, perm);
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
        return Autograd.record("PermuteBackward0", out, g -> new Tensor[] {g.permute(inverse)}, a);
    }

    static Tensor permuteRaw(Tensor a, int[] perm) {
        int[] shape = new int[perm.length], strides = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            shape[i] = a.shape[perm[i]];
            strides[i] = a.strides[perm[i]];
        }
        return a.view(a.offset, shape, strides);
    }

    static Tensor squeeze(Tensor a, Integer dim) {
        int n = a.dim();
        boolean[] drop = new boolean[n];
        if (dim == null) {
            for (int d = 0; d < n; d++) drop[d] = a.shape[d] == 1;
        } else if (n > 0) {
            int d = Shapes.wrapDim(dim, n);
            drop[d] = a.shape[d] == 1;
        } else {
            Shapes.wrapDim(dim, 0);
        }
        int kept = 0;
        for (boolean b : drop) if (!b) kept++;
        int[] shape = new int[kept], strides = new int[kept];
        for (int d = 0, k = 0; d < n; d++) {
            if (!drop[d]) { shape[k] = a.shape[d]; strides[k++] = a.strides[d]; }
        }
        return viewOf(a, shape, strides, dim == null ? "SqueezeBackward0" : "SqueezeBackward1");
    }

    static Tensor unsqueeze(Tensor a, int dim) {
        int n = a.dim();
        int d = Shapes.wrapDim(dim, n + 1);
        int[] shape = new int[n + 1], strides = new int[n + 1];
        for (int i = 0, k = 0; i <= n; i++) {
            if (i == d) {
                shape[i] = 1;
                strides[i] = d < n ? a.strides[d] * a.shape[d] : 1;
            } else {
                shape[i] = a.shape[k];
                strides[i] = a.strides[k++];
            }
        }
        return viewOf(a, shape, strides, "UnsqueezeBackward0");
    }

    static Tensor expand(Tensor a, int[] sizes) {
        if (sizes.length < a.dim()) {
            throw new IllegalArgumentException("expand(torch." + legacyTypeName(a.dtype) + "{" + Shapes.str(a.shape) + "}, size="
                    + Shapes.str(sizes) + "): the number of sizes provided (" + sizes.length + ") must be greater or "
                    + "equal to the number of dimensions in the tensor (" + a.dim() + ")");
        }
        int lead = sizes.length - a.dim();
        int[] shape = new int[sizes.length], strides = new int[sizes.length];
        for (int i = sizes.length - 1; i >= 0; i--) {  // from the last dim, so errors name the one PyTorch names
            int src = i - lead;
            int have = src >= 0 ? a.shape[src] : 1;
            int want = sizes[i] == -1 && src >= 0 ? have : sizes[i];
            if (want < 0) throw new IllegalArgumentException("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension " + i);
            if (have != want && have != 1) {
                throw new IllegalArgumentException("The expanded size of the tensor (" + want + ") must match the existing "
                        + "size (" + have + ") at non-singleton dimension " + i + ".  Target sizes: " + Shapes.str(sizes)
                        + ".  Tensor sizes: " + Shapes.str(a.shape));
            }
            shape[i] = want;
            strides[i] = src < 0 || (have == 1 && want != 1) ? 0 : a.strides[src];
        }
        Tensor out = a.view(a.offset, shape, strides);
        int[] original = a.shape;
        return Autograd.record("ExpandBackward0", out, g -> new Tensor[] {Autograd.sumToShape(g, original)}, a);
    }

    /** PyTorch's legacy tensor type names, which its expand() message still uses. */
    private static String legacyTypeName(DType t) {
        return switch (t) {
            case FLOAT64 -> "DoubleTensor";
            case FLOAT32 -> "FloatTensor";
            case FLOAT16 -> "HalfTensor";
            case INT64 -> "LongTensor";
            case INT32 -> "IntTensor";
            case INT16 -> "ShortTensor";
            case INT8 -> "CharTensor";
            case UINT8 -> "ByteTensor";
            case BFLOAT16 -> "BFloat16Tensor";
            case BOOL -> "BoolTensor";
        };
    }

    static Tensor flatten(Tensor a, int start, int end) {
        if (a.dim() == 0) return a.reshape(1);
        if (a.dim() == 1) return a;  // PyTorch returns the input itself
        int s = Shapes.wrapDim(start, a.dim()), e = Shapes.wrapDim(end, a.dim());
        if (s > e) throw new IllegalArgumentException("flatten() has invalid args: start_dim cannot come after end_dim");
        int[] shape = new int[a.dim() - (e - s)];
        int k = 0, merged = 1;
        for (int d = 0; d < a.dim(); d++) {
            if (d < s || d > e) shape[k++] = a.shape[d];
            else {
                merged *= a.shape[d];
                if (d == e) shape[k++] = merged;
            }
        }
        return a.reshape(shape);
    }

    /** Elements {@code start, start+step, ...} below {@code end} along {@code dim} (bounds clamped as Python). */
    static Tensor slice(Tensor a, int dim, int start, int end, int step) {
        if (step <= 0) throw new IllegalArgumentException("slice step must be positive");
        int d = Shapes.wrapDim(dim, a.dim());
        int size = a.shape[d];
        int s = clampIndex(start, size), e = clampIndex(end, size);
        int len = e > s ? (e - s + step - 1) / step : 0;
        Tensor out = sliceRaw(a, d, s, len, step);
        int[] original = a.shape;
        return Autograd.record("SliceBackward0", out, g -> {
            Tensor full = Tensor.zeros(g.dtype, original, g.device());
            Elementwise.copyInto(Views.sliceRaw(full, d, s, len, step), g);
            return new Tensor[] {full};
        }, a);
    }

    static Tensor sliceRaw(Tensor a, int d, int start, int len, int step) {
        int[] shape = a.shape.clone(), strides = a.strides.clone();
        shape[d] = len;
        strides[d] = a.strides[d] * step;
        return a.view(a.offset + start * a.strides[d], shape, strides);
    }

    private static int clampIndex(int i, int size) {
        if (i < 0) i += size;
        return Math.max(0, Math.min(i, size));
    }

    static Tensor select(Tensor a, int dim, int index) {
        if (a.dim() == 0) throw new IndexOutOfBoundsException("select() cannot be applied to a 0-dim tensor.");
        int d = Shapes.wrapDim(dim, a.dim());
        int size = a.shape[d];
        if (index < -size || index >= size) {
            throw new IndexOutOfBoundsException("select(): index " + index + " out of range for tensor of size "
                    + Shapes.str(a.shape) + " at dimension " + d);
        }
        int i = index < 0 ? index + size : index;
        Tensor out = selectRaw(a, d, i);
        int[] original = a.shape;
        return Autograd.record("SelectBackward0", out, g -> {
            Tensor full = Tensor.zeros(g.dtype, original, g.device());
            Elementwise.copyInto(Views.selectRaw(full, d, i), g);
            return new Tensor[] {full};
        }, a);
    }

    static Tensor selectRaw(Tensor a, int d, int i) {
        int[] shape = new int[a.dim() - 1], strides = new int[a.dim() - 1];
        for (int k = 0, j = 0; k < a.dim(); k++) {
            if (k != d) { shape[j] = a.shape[k]; strides[j++] = a.strides[k]; }
        }
        return a.view(a.offset + i * a.strides[d], shape, strides);
    }
}
