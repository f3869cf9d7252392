package dev.kiln.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Row-major general matrix multiply for the CPU backend: {@code C = op(A) * op(B)}, or
 * {@code C += op(A) * op(B)} when {@code accumulate}, where op(X) is X or its transpose.
 *
 * <p>Shapes follow BLAS: op(A) is m x k, op(B) is k x n, C is m x n. Element (i, j) of a row-major
 * matrix X is {@code x[xOff + i * ldx + j]}, so {@code lda} is the stored row length of A as
 * stored (k when not transposed, m when transposed) or larger for a sub-matrix view. C must not
 * overlap A or B.
 *
 * <p>The kernels take their shape from the machine: {@link CpuShape} picks the vector species the
 * JVM prefers (512-bit on AVX-512, 256-bit on AVX2), a register tile sized to the vector register
 * count (12 x 2 vectors with 32 registers, 3 x 3 with 16) and cache blocks from the cache sizes,
 * once at start-up; {@link CpuInfo#describe()} reports the choice ({@code kiln.cpu ...}, also on
 * {@code -Dkiln.cpu.verbose=true}). Products whose B is untransposed and fits in L2 run unpacked,
 * the kernels reading A and B in place; larger ones, and transposed B, pack B panels and A blocks.
 *
 * <p>Large problems run on the calling thread and the persistent helper threads of
 * {@link GemmPool} (one per further core), the threads claiming blocks of C as they go and, on
 * the packed path, sharing each packed panel of B. Small ones run on the calling thread alone,
 * because eager tensor ops call this for tiny matrices and waking a helper would cost more than
 * the multiply. Products under 8^3 use the scalar loop.
 *
 * <p>Setting the system property {@code kiln.cpu.scalar=true} routes every call to the scalar
 * reference path, to rule the vector kernels out when chasing a numerical difference; it stays the
 * oracle the tests check every kernel against. The vector kernels are fast only once C2 has
 * compiled them, so the first large product in a JVM is slow.
 */
public final class Gemm {
    /** Read once: the kernels' dispatch must not pay a property lookup per call. */
    static final boolean SCALAR = Boolean.getBoolean("kiln.cpu.scalar");

    static {
        CpuInfo.reportIfVerbose();
    }

    /**
     * Below this many multiply-adds the plain loop beats packing (measured per call, square
     * products: equal at 4^3, the packed kernel 3.5x faster at 8^3 and 17x at 32^3).
     */
    private static final long TINY_WORK = 8L * 8 * 8;

    /**
     * Below this many multiply-adds (about 100^3, some 45 us on one core) a second thread would
     * not pay for waking a pool worker and splitting the panels.
     */
    private static final long PARALLEL_WORK = 1L << 20;

    /** Each thread's share should hold at least this much work, so forks stay amortised. */
    private static final long MIN_WORK_PER_THREAD = 1L << 19;

    /**
     * Work units per thread of a parallel product: with several, a thread slowed by other processes
     * hands its remaining units to the others instead of holding up the join. More units mean more
     * reads of packed B; on the 2-core Sapphire Rapids machine 4 ran 512-2048 as fast as 8 or
     * faster (its other tenants kept the load at 2-9 while measured, so only large gaps count).
     */
    static final int UNITS_PER_THREAD = 4;

    private Gemm() {}

    /**
     * Whether an m x n x k product takes the vectorised, blocked path (rather than the scalar loop
     * for tiny products). Within that path each element of C is the same sum in the same order
     * however C is cut between threads or calls, so callers that batch several small products into
     * one large one can ask this to be sure the batching leaves every value unchanged.
     */
    public static boolean blocked(long m, long n, long k) {
        return !SCALAR && m * n * k >= TINY_WORK;
    }

    /** float32 GEMM; see the class comment for the meaning of each argument. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        int threads = blocked(m, n, k) ? threads((long) m * n * k) : 1;
        if (threads == 1) {
            sgemmSerial(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        SgemmKernel.parallel(threads, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * As {@link #sgemm} but always on the calling thread: no fork, so after the first call (which sizes the
     * thread's packing buffers) it allocates nothing. Compiled training steps use it, since they promise
     * allocation-free steps and run their own products on one core.
     */
    public static void sgemmSerial(boolean transA, boolean transB, int m, int n, int k,
                                   float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        if (!blocked(m, n, k)) {
            scalarF(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        SgemmKernel.serial(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** float64 GEMM; see the class comment for the meaning of each argument. */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                             double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                             double[] c, int cOff, int ldc, boolean accumulate) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        long work = (long) m * n * k;
        if (!blocked(m, n, k)) {
            scalarD(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        int threads = threads(work);
        if (threads > 1) {
            DgemmKernel.parallel(threads, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb,
                    c, cOff, ldc, accumulate);
        } else {
            DgemmKernel.serial(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
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

    /** How many threads a product of {@code work} multiply-adds should use: 1 below the fork threshold. */
    private static int threads(long work) {
        if (work < PARALLEL_WORK) return 1;
        int cores = Math.min(Runtime.getRuntime().availableProcessors(), GemmPool.get().helpers() + 1);
        return (int) Math.max(1, Math.min(cores, work / MIN_WORK_PER_THREAD));
    }

    /**
     * Runs one panel of a parallel product on up to {@code threads} threads (the caller and
     * {@link GemmPool} helpers): each thread claims packing items until none are left, waits until
     * every item is packed, then claims compute units until none are left. A helper that arrives
     * late simply finds less to claim, so no thread ever waits on one that has not started, and a
     * nested or concurrent call, which the pool runs on its caller alone, cannot deadlock.
     */
    static void runPhase(int threads, int packItems, int units, IntConsumer pack, IntConsumer compute) {
        AtomicInteger nextPack = new AtomicInteger(), unpacked = new AtomicInteger(packItems);
        AtomicInteger nextUnit = new AtomicInteger();
        Runnable worker = () -> {
            for (int i; (i = nextPack.getAndIncrement()) < packItems; ) {
                try {
                    pack.accept(i);
                } finally {
                    unpacked.decrementAndGet(); // even on failure, so the others stop waiting
                }
            }
            // Only items already claimed by running threads are outstanding: a short wait.
            GemmPool.awaitZero(unpacked, -1);
            for (int u; (u = nextUnit.getAndIncrement()) < units; ) compute.accept(u);
        };
        GemmPool.get().run(threads, worker);
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
