package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cache-blocked float32 GEMM over one rectangular block of C, in the BLIS layout: a KC x NC panel
 * of op(B) is packed into NR-wide column slivers, an MC x KC block of op(A) into MR-tall row
 * slivers, and a 3x24 register-blocked microkernel multiplies one A sliver by one B sliver.
 *
 * <p>Packing makes the microkernel's loads unit-stride and transposition-free, and zero-pads the
 * edges so the microkernel always computes a full tile; only the store knows about edges. The
 * block sizes fit this machine class (Zen 3: 32 KiB L1d, 512 KiB L2 per core): a B sliver
 * (KC*NR*4 = 24 KiB) stays in L1 across the whole ir loop, the packed A block (MC*KC*4 = 96 KiB)
 * stays in L2 across the jr loop, and the B panel lives in L3. KC = 256 rather than the textbook
 * 192 because every K block re-reads and re-writes C: on a single-threaded 1024^3 product it
 * measured 6-13% faster in interleaved runs; a larger KC overflows L1 with the B sliver.
 *
 * <p>Callers ({@link Gemm}) validate arguments and split C between threads; this class only
 * computes. Each thread packs into its own {@link Scratch}, so blocks may run concurrently.
 */
final class SgemmKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int LANES = 8;
    static final int MR = 3;
    static final int NR = 24; // three 8-lane vectors
    static final int KC = 256;
    static final int MC = 96; // multiple of MR
    static final int NC = 2040; // multiple of NR

    private SgemmKernel() {}

    /** Per-thread packing buffers, grown on demand and then reused, so the hot path never allocates. */
    static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Computes C[i0:i1, j0:j1] = op(A)[i0:i1, :] * op(B)[:, j0:j1] (+ C when accumulate). Arguments
     * are the caller's, already validated; i/j bounds are row/column indices into C.
     */
    static void block(boolean transA, boolean transB, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                      boolean accumulate, int i0, int i1, int j0, int j1) {
        Scratch s = SCRATCH.get();
        int nSpan = Math.min(NC, roundUp(j1 - j0, NR));
        int kSpan = Math.min(KC, k);
        if (s.b.length < kSpan * nSpan) s.b = new float[kSpan * nSpan];
        int mSpan = Math.min(MC, roundUp(i1 - i0, MR));
        if (s.a.length < kSpan * mSpan) s.a = new float[kSpan * mSpan];
        float[] ap = s.a, bp = s.b, tile = s.tile;

        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // The first K block overwrites C unless the caller asked to accumulate.
                boolean add = accumulate || pc > 0;
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
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
        }
    }

    /**
     * Packs op(B)[pc:pc+kc, jc:jc+nc] as consecutive kc x NR slivers, each stored row by row, with
     * columns past nc zero-filled so the microkernel can read a full NR every step.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb,
                              int pc, int kc, int jc, int nc, float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
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
}
