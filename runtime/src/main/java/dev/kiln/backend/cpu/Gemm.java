package dev.kiln.backend.cpu;

/** Placeholder-free reference GEMM (replaced by the blocked Vector API kernel on merge). */
public final class Gemm {
    private Gemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = accumulate ? c[cOff + i * ldc + j] : 0;
                for (int q = 0; q < k; q++) {
                    acc += a[aOff + (transA ? q * lda + i : i * lda + q)] * b[bOff + (transB ? j * ldb + q : q * ldb + j)];
                }
                c[cOff + i * ldc + j] = (float) acc;
            }
        }
    }

    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double[] a, int aOff, int lda,
                             double[] b, int bOff, int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = accumulate ? c[cOff + i * ldc + j] : 0;
                for (int q = 0; q < k; q++) {
                    acc += a[aOff + (transA ? q * lda + i : i * lda + q)] * b[bOff + (transB ? j * ldb + q : q * ldb + j)];
                }
                c[cOff + i * ldc + j] = acc;
            }
        }
    }
}
