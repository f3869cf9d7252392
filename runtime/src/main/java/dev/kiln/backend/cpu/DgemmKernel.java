package dev.kiln.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cache-blocked float64 GEMM over one rectangular block of C: the same BLIS scheme as
 * {@link SgemmKernel} (packed B panel, packed A block, register-blocked microkernel), with a 3x12
 * microkernel because a 256-bit register holds 4 doubles. Java has no generics over primitive
 * arrays, hence the parallel class rather than a shared one.
 *
 * <p>Block sizes as for float32: a B sliver is KC*NR*8 = 48 KiB and the packed A block
 * MC*KC*8 = 192 KiB, both from L2.
 */
final class DgemmKernel {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;
    private static final int LANES = 4;
    static final int MR = 3;
    static final int NR = 12; // three 4-lane vectors
    static final int KC = 512;
    static final int MC = 48; // multiple of MR
    static final int NC = 2040; // multiple of NR

    private DgemmKernel() {}

    /** Per-thread packing buffers, grown on demand and then reused, so the hot path never allocates. */
    static final class Scratch {
        double[] a = new double[0];
        /** The packed B panel: this thread's own in a serial call, shared in a parallel one. */
        double[] b = new double[0];
        /**
         * Set while a parallel call on this thread shares {@link #b} with other threads. A thread
         * that joins may run another task that multiplies too, and that nested call must not
         * repack a panel its outer call's workers are still reading.
         */
        boolean bShared;
        final double[] tile = new double[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Computes the whole of C = op(A) * op(B) (+ C) on the calling thread. Arguments are validated. */
    static void serial(boolean transA, boolean transB, int m, int n, int k,
                       double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                       double[] c, int cOff, int ldc, boolean accumulate) {
        Scratch s = SCRATCH.get();
        int panel = Math.min(KC, k) * Math.min(NC, roundUp(n, NR));
        double[] bp = s.bShared ? new double[panel] : (s.b.length >= panel ? s.b : (s.b = new double[panel]));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), slivers = ceilDiv(nc, NR);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0, slivers);
                // The first K block overwrites C unless the caller asked to accumulate.
                rows(transA, a, aOff, lda, 0, m, pc, kc, bp, jc, nc, 0, slivers,
                        c, cOff, ldc, accumulate || pc > 0);
            }
        }
    }

    /**
     * Computes the same product on {@code threads} threads, BLIS-style: for each KC x NC panel of
     * B, the threads first pack the panel together, then claim units of C (a block of rows times a
     * range of B slivers) from a shared counter until none are left. Claiming, rather than a fixed
     * share per thread, keeps both cores busy when one of them is slowed by other work, and
     * sharing the panel means B is packed once rather than once per thread.
     */
    static void parallel(int threads, boolean transA, boolean transB, int m, int n, int k,
                         double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                         double[] c, int cOff, int ldc, boolean accumulate) {
        Scratch s = SCRATCH.get();
        int panel = Math.min(KC, k) * Math.min(NC, roundUp(n, NR));
        boolean own = !s.bShared;
        double[] bp = !own ? new double[panel] : (s.b.length >= panel ? s.b : (s.b = new double[panel]));
        s.bShared = true;
        try {
            // Enough units that a late or slowed thread costs at most a small share of the work.
            int target = Gemm.UNITS_PER_THREAD * threads;
            int mBlock = Math.min(MC, roundUp(ceilDiv(m, target), MR));
            int rowBlocks = ceilDiv(m, mBlock);
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc), slivers = ceilDiv(nc, NR);
                int colChunks = Math.min(slivers, ceilDiv(target, rowBlocks));
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc), j0 = jc, p0 = pc;
                    boolean add = accumulate || pc > 0;
                    Gemm.runPhase(threads, slivers, rowBlocks * colChunks,
                            sl -> packB(transB, b, bOff, ldb, p0, kc, j0, nc, bp, sl, sl + 1),
                            u -> {
                                int rb = u / colChunks, cc = u % colChunks;
                                rows(transA, a, aOff, lda, rb * mBlock, Math.min(m, (rb + 1) * mBlock),
                                        p0, kc, bp, j0, nc, slivers * cc / colChunks,
                                        slivers * (cc + 1) / colChunks, c, cOff, ldc, add);
                            });
                }
            }
        } finally {
            if (own) s.bShared = false;
        }
    }

    /**
     * Multiplies rows [i0, i1) of op(A)[:, pc:pc+kc] by slivers [s0, s1) of the packed B panel
     * into C, packing A in MC-row blocks into the running thread's scratch.
     */
    private static void rows(boolean transA, double[] a, int aOff, int lda, int i0, int i1,
                             int pc, int kc, double[] bp, int jc, int nc, int s0, int s1,
                             double[] c, int cOff, int ldc, boolean add) {
        Scratch s = SCRATCH.get();
        int need = kc * Math.min(MC, roundUp(i1 - i0, MR));
        if (s.a.length < need) s.a = new double[need];
        double[] ap = s.a, tile = s.tile;
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            packA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
            for (int sl = s0; sl < s1; sl++) {
                int jr = sl * NR, nr = Math.min(NR, nc - jr);
                int bo = jr * kc;
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir);
                    int ao = ir * kc;
                    int co = cOff + (ic + ir) * ldc + jc + jr;
                    if (mr == MR && nr == NR) {
                        kernel(kc, ap, ao, bp, bo, c, co, ldc, add);
                    } else {
                        kernel(kc, ap, ao, bp, bo, tile, 0, NR, false);
                        storeEdge(tile, c, co, ldc, mr, nr, add);
                    }
                }
            }
        }
    }

    /** Packs slivers [s0, s1) of op(B)[pc:pc+kc, jc:jc+nc], as {@link SgemmKernel} does. */
    private static void packB(boolean transB, double[] b, int bOff, int ldb,
                              int pc, int kc, int jc, int nc, double[] bp, int s0, int s1) {
        for (int jr = s0 * NR; jr < s1 * NR; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = jr * kc;
            if (!transB) {
                int src = bOff + pc * ldb + jc + jr;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int v = 0; v < NR; v += LANES) {
                            DoubleVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int j = 0; j < nr; j++) bp[dst + j] = b[src + j];
                        for (int j = nr; j < NR; j++) bp[dst + j] = 0d;
                    }
                }
            } else {
                // op(B)(p, j) = b[j*ldb + p]: walk each stored row of B contiguously.
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        int src = bOff + (jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = b[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = 0d;
                    }
                }
            }
        }
    }

    /** Packs op(A)[ic:ic+mc, pc:pc+kc] as MR x kc column-major slivers, zero-padding past mc. */
    private static void packA(boolean transA, double[] a, int aOff, int lda,
                              int ic, int mc, int pc, int kc, double[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (transA) {
                // op(A)(i, p) = a[p*lda + i]: each k step is MR contiguous doubles.
                int src = aOff + pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                    for (int i = 0; i < mr; i++) ap[dst + i] = a[src + i];
                    for (int i = mr; i < MR; i++) ap[dst + i] = 0d;
                }
            } else {
                for (int i = 0; i < MR; i++) {
                    if (i < mr) {
                        int src = aOff + (ic + ir + i) * lda + pc;
                        for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = a[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = 0d;
                    }
                }
            }
        }
    }

    /** The 3x12 microkernel: nine 4-lane accumulators, sized as the float32 3x24 one is. */
    private static void kernel(int kc, double[] ap, int ao, double[] bp, int bo,
                               double[] c, int co, int ldc, boolean add) {
        DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
        DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
        DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bi + 4);
            DoubleVector b2 = DoubleVector.fromArray(S, bp, bi + 8);
            DoubleVector av = DoubleVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            av = DoubleVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            av = DoubleVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
        }
        // Inline stores: a non-inlined helper taking vectors would box them.
        int c1 = co + ldc, c2 = co + 2 * ldc;
        if (add) {
            c00 = c00.add(DoubleVector.fromArray(S, c, co));
            c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
            c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
            c10 = c10.add(DoubleVector.fromArray(S, c, c1));
            c11 = c11.add(DoubleVector.fromArray(S, c, c1 + 4));
            c12 = c12.add(DoubleVector.fromArray(S, c, c1 + 8));
            c20 = c20.add(DoubleVector.fromArray(S, c, c2));
            c21 = c21.add(DoubleVector.fromArray(S, c, c2 + 4));
            c22 = c22.add(DoubleVector.fromArray(S, c, c2 + 8));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + 4);
        c02.intoArray(c, co + 8);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + 4);
        c12.intoArray(c, c1 + 8);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + 4);
        c22.intoArray(c, c2 + 8);
    }

    /** Copies the valid mr x nr corner of a full tile computed into scratch. */
    private static void storeEdge(double[] tile, double[] c, int co, int ldc, int mr, int nr, boolean add) {
        for (int i = 0; i < mr; i++) {
            int row = co + i * ldc, t = i * NR;
            if (add) {
                for (int j = 0; j < nr; j++) c[row + j] += tile[t + j];
            } else {
                System.arraycopy(tile, t, c, row, nr);
            }
        }
    }

    private static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
