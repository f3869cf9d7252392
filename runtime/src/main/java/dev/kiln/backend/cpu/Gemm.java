package dev.kiln.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Row-major general matrix multiply for the CPU backend: {@code C = op(A) * op(B)}, or
 * {@code C += op(A) * op(B)} when {@code accumulate}, where op(X) is X or its transpose.
 *
 * <p>Shapes follow BLAS: op(A) is m x k, op(B) is k x n, C is m x n. Element (i, j) of a row-major
 * matrix X is {@code x[xOff + i * ldx + j]}, so {@code lda} is the stored row length of A as
 * stored (k when not transposed, m when transposed) or larger for a sub-matrix view. C must not
 * overlap A or B.
 *
 * <p>Large problems are split into rectangular blocks of C, one per core, run on the common
 * ForkJoinPool with the calling thread taking a share. Small ones run on the calling thread
 * alone, because eager tensor ops call this for tiny matrices and a fork would cost more than the
 * multiply. Setting the system property {@code kiln.cpu.scalar=true} routes every call to the
 * scalar reference path, to rule the vector kernels out when chasing a numerical difference.
 */
public final class Gemm {
    /** Read once: the kernels' dispatch must not pay a property lookup per call. */
    static final boolean SCALAR = Boolean.getBoolean("kiln.cpu.scalar");

    /**
     * Below this many multiply-adds the plain loop beats packing (measured per call on 2x2 to
     * 8x8 products: equal at 4^3, the packed kernel 3x faster at 8^3 and 20x at 32^3).
     */
    private static final long TINY_WORK = 8L * 8 * 8;

    /** Below this many multiply-adds (about 100^3) one thread beats forking. */
    private static final long PARALLEL_WORK = 1L << 20;

    /** Each thread's block should hold at least this much work, so forks stay amortised. */
    private static final long MIN_WORK_PER_THREAD = 1L << 19;

    private Gemm() {}

    /** float32 GEMM; see the class comment for the meaning of each argument. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        long work = (long) m * n * k;
        if (SCALAR || work < TINY_WORK) {
            scalarF(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        split(m, n, work, SgemmKernel.MR, SgemmKernel.NR, (i0, i1, j0, j1) -> SgemmKernel.block(
                transA, transB, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, i0, i1, j0, j1));
    }

    /** float64 GEMM; see the class comment for the meaning of each argument. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                             double[] c, int cOff, int ldc, boolean accumulate) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        long work = (long) m * n * k;
        if (SCALAR || work < TINY_WORK) {
            scalarD(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        split(m, n, work, DgemmKernel.MR, DgemmKernel.NR, (i0, i1, j0, j1) -> DgemmKernel.block(
                transA, transB, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, i0, i1, j0, j1));
    }

    /**
     * Scalar reference float32 GEMM, the oracle the vector path is tested against: a triple loop
     * accumulating each dot product in double, so its own rounding error is negligible next to
     * float32's.
     */
    public static void sgemmScalar(boolean transA, boolean transB, int m, int n, int k,
                                   float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        scalarF(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** Scalar reference float64 GEMM: the same triple loop as {@link #sgemmScalar}. */
    public static void dgemmScalar(boolean transA, boolean transB, int m, int n, int k,
                                   double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                   double[] c, int cOff, int ldc, boolean accumulate) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        scalarD(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    private static void scalarF(boolean transA, boolean transB, int m, int n, int k,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float[] c, int cOff, int ldc, boolean accumulate) {
        // Strides of op(A) along (i, p) and of op(B) along (p, j) absorb the transposes.
        int ai = transA ? 1 : lda, ap = transA ? lda : 1;
        int bp = transB ? 1 : ldb, bj = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                int ia = aOff + i * ai, ib = bOff + j * bj;
                for (int p = 0; p < k; p++, ia += ap, ib += bp) sum += (double) a[ia] * b[ib];
                int ic = cOff + i * ldc + j;
                c[ic] = accumulate ? (float) (c[ic] + sum) : (float) sum;
            }
        }
    }

    private static void scalarD(boolean transA, boolean transB, int m, int n, int k,
                                double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                double[] c, int cOff, int ldc, boolean accumulate) {
        int ai = transA ? 1 : lda, ap = transA ? lda : 1;
        int bp = transB ? 1 : ldb, bj = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                int ia = aOff + i * ai, ib = bOff + j * bj;
                for (int p = 0; p < k; p++, ia += ap, ib += bp) sum += a[ia] * b[ib];
                int ic = cOff + i * ldc + j;
                c[ic] = accumulate ? c[ic] + sum : sum;
            }
        }
    }

    /** Computes the block of C with rows [i0, i1) and columns [j0, j1). */
    @FunctionalInterface
    private interface BlockTask {
        void run(int i0, int i1, int j0, int j1);
    }

    /**
     * Cuts C into a grid of tm x tn blocks, one per thread, with block edges on microkernel tile
     * boundaries so no tile straddles two threads. The grid favours the squarest blocks, which
     * minimise packing per flop; on a tie it cuts rows, because then each thread packs only its own
     * rows of A and duplicates the packing of B, whose common untransposed case is a vector copy
     * where A's is a scalar gather.
     */
    private static void split(int m, int n, long work, int mr, int nr, BlockTask task) {
        int threads = 1;
        if (work >= PARALLEL_WORK) {
            int cores = Math.min(Runtime.getRuntime().availableProcessors(),
                    ForkJoinPool.getCommonPoolParallelism() + 1);
            threads = (int) Math.max(1, Math.min(cores, work / MIN_WORK_PER_THREAD));
        }
        if (threads == 1) {
            task.run(0, m, 0, n);
            return;
        }
        int tm = 1, tn = threads;
        double best = Double.MAX_VALUE;
        for (int f = threads; f >= 1; f--) {
            if (threads % f != 0) continue;
            int g = threads / f;
            if (ceilDiv(m, mr) < f || ceilDiv(n, nr) < g) continue;
            double aspect = Math.abs(Math.log(((double) m / f) / ((double) n / g)));
            if (aspect < best) {
                best = aspect;
                tm = f;
                tn = g;
            }
        }
        if (best == Double.MAX_VALUE) { // too thin to cut into `threads` tiles either way
            task.run(0, m, 0, n);
            return;
        }
        int gm = tm, gn = tn, tiles = tm * tn;
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[tiles - 1];
        for (int t = 1; t < tiles; t++) {
            int bi = t / gn, bj = t % gn;
            forked[t - 1] = ForkJoinTask.adapt(() -> runTile(task, m, n, mr, nr, gm, gn, bi, bj)).fork();
        }
        // The caller computes tile 0 itself instead of idling in join().
        runTile(task, m, n, mr, nr, gm, gn, 0, 0);
        for (ForkJoinTask<?> f : forked) f.join();
    }

    private static void runTile(BlockTask task, int m, int n, int mr, int nr,
                                int tm, int tn, int bi, int bj) {
        int mTiles = ceilDiv(m, mr), nTiles = ceilDiv(n, nr);
        int i0 = Math.min(m, (int) ((long) mTiles * bi / tm) * mr);
        int i1 = Math.min(m, (int) ((long) mTiles * (bi + 1) / tm) * mr);
        int j0 = Math.min(n, (int) ((long) nTiles * bj / tn) * nr);
        int j1 = Math.min(n, (int) ((long) nTiles * (bj + 1) / tn) * nr);
        if (i0 < i1 && j0 < j1) task.run(i0, i1, j0, j1);
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /** Rejects shapes and strides that would read or write outside the arrays. */
    private static void check(boolean transA, boolean transB, int m, int n, int k,
                              int aLen, int aOff, int lda, int bLen, int bOff, int ldb,
                              int cLen, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative shape m=" + m + " n=" + n + " k=" + k);
        }
        // Stored shapes: A is m x k (or k x m when transposed), B is k x n (or n x k).
        checkMatrix("A", transA ? k : m, transA ? m : k, aLen, aOff, lda);
        checkMatrix("B", transB ? n : k, transB ? k : n, bLen, bOff, ldb);
        checkMatrix("C", m, n, cLen, cOff, ldc);
    }

    private static void checkMatrix(String name, int rows, int cols, int len, int off, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(name + ": leading dimension " + ld
                    + " is less than its row length " + cols);
        }
        if (off < 0) throw new IndexOutOfBoundsException(name + ": negative offset " + off);
        if (rows == 0 || cols == 0) return;
        long last = off + (long) (rows - 1) * ld + cols - 1;
        if (last >= len) {
            throw new IndexOutOfBoundsException(name + ": " + rows + "x" + cols + " with offset "
                    + off + " and leading dimension " + ld + " needs index " + last
                    + " but the array has length " + len);
        }
    }
}
