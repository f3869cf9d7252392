package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cache-blocked float32 GEMM over one rectangular block of C, in the BLIS layout: a KC x NC panel
 * of op(B) is packed into NR-wide column slivers, an MC x KC block of op(A) into MR-tall row
 * slivers, and a 3x24 register-blocked microkernel multiplies one A sliver by one B sliver.
 *
 * <p>Packing makes the microkernel's loads unit-stride and transposition-free, and zero-pads the
 * edges so the microkernel always computes a full tile; only the store knows about edges. Block
 * sizes, for this machine class (Zen 3: 32 KiB L1d, 512 KiB L2 per core): the packed A block
 * (MC*KC*4 = 96 KiB) stays in L2 across the jr loop and a B sliver (KC*NR*4 = 48 KiB) streams
 * from L2 through the ir loop. KC is twice the textbook L1-sized 256 because every K block
 * re-reads and re-writes C, whose lines come back from L3 or memory: on 1024^3, KC = 512 measured
 * 8-19% faster than 256 in interleaved A/B runs, and 1024 no better than 512.
 *
 * <p>Callers ({@link Gemm}) validate arguments and choose between the serial and parallel
 * drivers. Each thread packs A into its own {@link Scratch}.
 */
final class SgemmKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int LANES = 8;
    static final int MR = 3;
    static final int NR = 24; // three 8-lane vectors
    static final int KC = 512;
    static final int MC = 48; // multiple of MR
    static final int NC = 2040; // multiple of NR

    private SgemmKernel() {}

    /** Per-thread packing buffers, grown on demand and then reused, so the hot path never allocates. */
    static final class Scratch {
        float[] a = new float[0];
        /** The packed B panel: this thread's own in a serial call, shared in a parallel one. */
        float[] b = new float[0];
        /**
         * Set while a parallel call on this thread shares {@link #b} with other threads. A thread
         * that joins may run another task that multiplies too, and that nested call must not
         * repack a panel its outer call's workers are still reading.
         */
        boolean bShared;
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Computes the whole of C = op(A) * op(B) (+ C) on the calling thread. Arguments are validated. */
    static void serial(boolean transA, boolean transB, int m, int n, int k,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        Scratch s = SCRATCH.get();
        int panel = Math.min(KC, k) * Math.min(NC, roundUp(n, NR));
        float[] bp = s.bShared ? new float[panel] : (s.b.length >= panel ? s.b : (s.b = new float[panel]));
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
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, boolean accumulate) {
        Scratch s = SCRATCH.get();
        int panel = Math.min(KC, k) * Math.min(NC, roundUp(n, NR));
        boolean own = !s.bShared;
        float[] bp = !own ? new float[panel] : (s.b.length >= panel ? s.b : (s.b = new float[panel]));
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
    private static void rows(boolean transA, float[] a, int aOff, int lda, int i0, int i1,
                             int pc, int kc, float[] bp, int jc, int nc, int s0, int s1,
                             float[] c, int cOff, int ldc, boolean add) {
        Scratch s = SCRATCH.get();
        int need = kc * Math.min(MC, roundUp(i1 - i0, MR));
        if (s.a.length < need) s.a = new float[need];
        float[] ap = s.a, tile = s.tile;
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

    /**
     * Packs slivers [s0, s1) of op(B)[pc:pc+kc, jc:jc+nc]: sliver s is the kc x NR block of columns
     * jc + s*NR onwards, stored row by row at bp[s*NR*kc], with columns past nc zero-filled so the
     * microkernel can read a full NR every step.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb,
                              int pc, int kc, int jc, int nc, float[] bp, int s0, int s1) {
        for (int jr = s0 * NR; jr < s1 * NR; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = jr * kc;
            if (!transB) {
                int src = bOff + pc * ldb + jc + jr;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int v = 0; v < NR; v += LANES) {
                            FloatVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int j = 0; j < nr; j++) bp[dst + j] = b[src + j];
                        for (int j = nr; j < NR; j++) bp[dst + j] = 0f;
                    }
                }
            } else {
                // op(B)(p, j) = b[j*ldb + p]: walk each stored row of B contiguously.
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        int src = bOff + (jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = b[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(A)[ic:ic+mc, pc:pc+kc] as consecutive MR x kc slivers stored column by column
     * (MR values per k step), rows past mc zero-filled.
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda,
                              int ic, int mc, int pc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (transA) {
                // op(A)(i, p) = a[p*lda + i]: each k step is MR contiguous floats.
                int src = aOff + pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                    for (int i = 0; i < mr; i++) ap[dst + i] = a[src + i];
                    for (int i = mr; i < MR; i++) ap[dst + i] = 0f;
                }
            } else {
                for (int i = 0; i < MR; i++) {
                    if (i < mr) {
                        int src = aOff + (ic + ir + i) * lda + pc;
                        for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = a[src + p];
                    } else {
                        for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = 0f;
                    }
                }
            }
        }
    }

    /**
     * The 3x24 microkernel: nine 8-lane accumulators. C2 issues all of an iteration's loads
     * first, so the three B vectors and three broadcast A values are live together with the
     * accumulators; 9 + 3 + 3 = 15 fits AVX2's 16 ymm registers, where a 6x16 tile (12 + 2 + 6)
     * spills and measured at half the speed. Nine independent FMA chains still cover the FMA
     * latency (4 cycles x 2 ports), and each step's 6 loads feed 9 FMAs.
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo,
                               float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        // Indices are affine in p so C2 can hoist the array bounds checks out of the loop.
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 8);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 16);
            FloatVector av = FloatVector.broadcast(S, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            av = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            av = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
        }
        // Stores are written out inline: passing vectors to a call C2 declines to inline
        // would box all nine of them on every tile.
        int c1 = co + ldc, c2 = co + 2 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, co));
            c01 = c01.add(FloatVector.fromArray(S, c, co + 8));
            c02 = c02.add(FloatVector.fromArray(S, c, co + 16));
            c10 = c10.add(FloatVector.fromArray(S, c, c1));
            c11 = c11.add(FloatVector.fromArray(S, c, c1 + 8));
            c12 = c12.add(FloatVector.fromArray(S, c, c1 + 16));
            c20 = c20.add(FloatVector.fromArray(S, c, c2));
            c21 = c21.add(FloatVector.fromArray(S, c, c2 + 8));
            c22 = c22.add(FloatVector.fromArray(S, c, c2 + 16));
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + 8);
        c02.intoArray(c, co + 16);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + 8);
        c12.intoArray(c, c1 + 16);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + 8);
        c22.intoArray(c, c2 + 16);
    }

    /** Copies the valid mr x nr corner of a full tile computed into scratch. */
    private static void storeEdge(float[] tile, float[] c, int co, int ldc, int mr, int nr, boolean add) {
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
