package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Passes over a block of output features: {@code rows x w} floats stored contiguously, the columns
 * {@code [lo, lo + w)} of a {@code rows x width} layer output. {@link FeatureSplitStep} gives each core such a
 * block of every layer; generated epilogues call {@link #addBias} and {@link #relu} on it.
 */
public final class ColumnBlocks {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private ColumnBlocks() {}

    /** {@code block[r, j] += params[bias + j]} for every row. */
    public static void addBias(float[] block, int rows, int w, float[] params, int bias) {
        for (int r = 0; r < rows; r++) Dense.addInto(params, bias, block, r * w, w);
    }

    /** {@code block[i] = max(block[i], 0)} over the first {@code len} floats. */
    public static void relu(float[] block, int len) {
        int i = 0;
        if (!Kernels.SCALAR) {
            for (int bound = S.loopBound(len); i < bound; i += L) FloatVector.fromArray(S, block, i).max(0f).intoArray(block, i);
        }
        for (; i < len; i++) block[i] = Math.max(block[i], 0f);
    }

    /** Copies the block into columns {@code [lo, lo + w)} of {@code full}, whose rows are {@code width} apart. */
    static void toColumns(float[] block, int rows, int w, float[] full, int width, int lo) {
        for (int r = 0; r < rows; r++) System.arraycopy(block, r * w, full, r * width + lo, w);
    }

    /** Copies columns {@code [lo, lo + w)} of {@code full}, whose rows are {@code width} apart, into the block. */
    static void fromColumns(float[] full, int width, int lo, int rows, int w, float[] block) {
        for (int r = 0; r < rows; r++) System.arraycopy(full, r * width + lo, block, r * w, w);
    }

    /**
     * {@code block = g * W[:, lo:lo+w]}: columns {@code [lo, lo + w)} of the input gradient of a layer with {@code k}
     * outputs, from its output gradient {@code g} ({@code rows x k}) and weight {@code W} ({@code k x width} from
     * {@code params[weight]}); an axpy per output, as k is small here.
     */
    static void productColumns(float[] g, int rows, int k, float[] params, int weight, int width, int lo, int w, float[] block) {
        java.util.Arrays.fill(block, 0, rows * w, 0f);
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < k; q++) axpy(g[r * k + q], params, weight + q * width + lo, block, r * w, w);
        }
    }

    /** {@code dst[dOff + j] += s * src[sOff + j]} for {@code len} floats. */
    private static void axpy(float s, float[] src, int sOff, float[] dst, int dOff, int len) {
        int j = 0;
        if (!Kernels.SCALAR) {
            FloatVector sv = FloatVector.broadcast(S, s);
            for (int bound = S.loopBound(len); j < bound; j += L) {
                FloatVector.fromArray(S, src, sOff + j).fma(sv, FloatVector.fromArray(S, dst, dOff + j)).intoArray(dst, dOff + j);
            }
        }
        for (; j < len; j++) dst[dOff + j] += s * src[sOff + j];
    }

    /** {@code block = a[:, lo:lo+w] + b[:, lo:lo+w]}, where a and b have rows {@code width} apart. */
    static void sumColumns(float[] a, float[] b, int width, int lo, int rows, int w, float[] block) {
        for (int r = 0; r < rows; r++) {
            int src = r * width + lo, dst = r * w, j = 0;
            if (!Kernels.SCALAR) {
                for (int bound = S.loopBound(w); j < bound; j += L) {
                    FloatVector.fromArray(S, a, src + j).add(FloatVector.fromArray(S, b, src + j)).intoArray(block, dst + j);
                }
            }
            for (; j < w; j++) block[dst + j] = a[src + j] + b[src + j];
        }
    }
}
