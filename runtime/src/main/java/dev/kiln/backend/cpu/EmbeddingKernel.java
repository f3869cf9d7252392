package dev.kiln.backend.cpu;

/**
 * {@code nn.Embedding} over a flat float buffer: each index (carried as a float holding an exact integer, since
 * a compiled model's input is one float array) picks a row of the {@code [num, dim]} weight. The backward pass
 * scatters the output gradient into the picked rows, summing over repeats; the padding row gets none. Indices have
 * no gradient.
 */
public final class EmbeddingKernel {
    private EmbeddingKernel() {}

    /**
     * Copies row {@code indices[i]} of the weight to {@code out[i * dim ...]} for each of {@code count} indices;
     * {@code perRow} indices make one row of the caller's batch (for the error message).
     *
     * @throws IndexOutOfBoundsException naming {@code layer}, the value and where it is, for an index outside
     *                                   {@code [0, num)} or not a whole number
     */
    public static void forward(String layer, float[] indices, int count, int perRow, float[] params, int weight, int num, int dim,
                               float[] out) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(params, weight + row(layer, indices, i, perRow, num) * dim, out, i * dim, dim);
        }
    }

    /** {@code dW[indices[i]] += dy[i]} for every i, except at {@code paddingIdx} (-1 for none); writes dW first unless accumulating. */
    public static void backward(float[] dy, float[] indices, int count, int num, int dim, int paddingIdx, float[] grads, int weight,
                                boolean accumulate) {
        if (!accumulate) java.util.Arrays.fill(grads, weight, weight + num * dim, 0f);
        for (int i = 0; i < count; i++) {
            // The forward pass has checked every index.
            int r = (int) indices[i];
            if (r != paddingIdx) Dense.addInto(dy, i * dim, grads, weight + r * dim, dim);
        }
    }

    private static int row(String layer, float[] indices, int i, int perRow, int num) {
        float v = indices[i];
        if (v >= 0 && v < num && v == (int) v) return (int) v;
        String where = perRow == 1 ? "row " + i : "row " + i / perRow + ", position " + i % perRow;
        String what = v == Math.rint(v) ? "out of range" : "not a whole number";
        throw new IndexOutOfBoundsException("Embedding '" + layer + "': index " + v + " at " + where + " of the input is " + what
                + "; expected an integer in [0, " + num + ")");
    }
}
