package dev.kiln.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The double GEMM micro-kernels, one class per vector species and register tile, written out by
 * {@code tools/gen_gemm_tiles.py}: edit that and rerun it rather than this file. Each class fixes its
 * species as a constant, which the Vector API needs to compile its operations to single instructions.
 *
 * <p>Each kernel computes an MR x NR tile of C from MR x NV vector accumulators: each k step loads NV
 * vectors of B (row p at {@code b[bo + p*bps]}), broadcasts MR values of A and issues MR x NV FMAs.
 * {@code kernel} reads A(i, p) at {@code a[ao + p*aps + i]} (a packed sliver, aps = MR, or A stored
 * transposed, aps = lda); {@code kernelRows} at {@code a[ao + i*lda + p]} (A in place, untransposed).
 * A kernel always computes and stores a full MR x NR tile; the drivers route edge tiles through scratch.
 * (Masked edge stores inside the kernels made them too large for C2 to inline every vector operation.)
 *
 * <p>Tiles: 3 x 3 vectors for 16 vector registers (9 accumulators, 3 B vectors and 3 broadcasts: C2
 * issues an iteration's loads together, so all are live at once) and 12 x 2 for 32 (24 + 2 + broadcasts).
 * Checked in the disassembly on AVX-512 and with -XX:UseAVX=2: neither spills in {@code kernel}'s loop.
 * The shorter tiles (2 and 1 rows of 3 vectors, 8 and 4 rows of 2) take the last rows of A when fewer
 * than a full tile's are left, so an edge costs about its own rows' work rather than a full tile's.
 */
final class DgemmTiles {
    private DgemmTiles() {}

    /** The kernels for {@code shape}'s species and tile, or null when none are written for it. */
    static DgemmKernel forShape(CpuShape shape) {
        return switch (shape.vectorBits() + ":" + shape.mr() + "x" + shape.vectors()) {
            case "128:3x3" -> new D128x3x3(shape);
            case "128:2x3" -> new D128x2x3(shape);
            case "128:1x3" -> new D128x1x3(shape);
            case "128:12x2" -> new D128x12x2(shape);
            case "128:8x2" -> new D128x8x2(shape);
            case "128:4x2" -> new D128x4x2(shape);
            case "256:3x3" -> new D256x3x3(shape);
            case "256:2x3" -> new D256x2x3(shape);
            case "256:1x3" -> new D256x1x3(shape);
            case "256:12x2" -> new D256x12x2(shape);
            case "256:8x2" -> new D256x8x2(shape);
            case "256:4x2" -> new D256x4x2(shape);
            case "512:3x3" -> new D512x3x3(shape);
            case "512:2x3" -> new D512x2x3(shape);
            case "512:1x3" -> new D512x1x3(shape);
            case "512:12x2" -> new D512x12x2(shape);
            case "512:8x2" -> new D512x8x2(shape);
            case "512:4x2" -> new D512x4x2(shape);
            default -> null;
        };
    }

    /** 3 x 6 tile: 3 rows of 3 128-bit vectors, 9 accumulators. */
    static final class D128x3x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_128;

        D128x3x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c22 = c22.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2); c02.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2); c12.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2); c22.intoArray(c, co + 2 * ldc + 4);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c22 = c22.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2); c02.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2); c12.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2); c22.intoArray(c, co + 2 * ldc + 4);
        }
    }

    /** 2 x 6 tile: 2 rows of 3 128-bit vectors, 6 accumulators. */
    static final class D128x2x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_128;

        D128x2x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2); c02.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2); c12.intoArray(c, co + ldc + 4);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2); c02.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2); c12.intoArray(c, co + ldc + 4);
        }
    }

    /** 1 x 6 tile: 1 rows of 3 128-bit vectors, 3 accumulators. */
    static final class D128x1x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_128;

        D128x1x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2); c02.intoArray(c, co + 4);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2); c02.intoArray(c, co + 4);
        }
    }

    /** 12 x 4 tile: 12 rows of 2 128-bit vectors, 24 accumulators. */
    static final class D128x12x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_128;

        D128x12x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            DoubleVector c80 = DoubleVector.zero(S), c81 = DoubleVector.zero(S);
            DoubleVector c90 = DoubleVector.zero(S), c91 = DoubleVector.zero(S);
            DoubleVector c100 = DoubleVector.zero(S), c101 = DoubleVector.zero(S);
            DoubleVector c110 = DoubleVector.zero(S), c111 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
                DoubleVector a8 = DoubleVector.broadcast(S, a[ai + 8]);
                c80 = a8.fma(b0, c80); c81 = a8.fma(b1, c81);
                DoubleVector a9 = DoubleVector.broadcast(S, a[ai + 9]);
                c90 = a9.fma(b0, c90); c91 = a9.fma(b1, c91);
                DoubleVector a10 = DoubleVector.broadcast(S, a[ai + 10]);
                c100 = a10.fma(b0, c100); c101 = a10.fma(b1, c101);
                DoubleVector a11 = DoubleVector.broadcast(S, a[ai + 11]);
                c110 = a11.fma(b0, c110); c111 = a11.fma(b1, c111);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 2));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 2));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 2));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 2));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 2));
                c80 = c80.add(DoubleVector.fromArray(S, c, co + 8 * ldc));
                c81 = c81.add(DoubleVector.fromArray(S, c, co + 8 * ldc + 2));
                c90 = c90.add(DoubleVector.fromArray(S, c, co + 9 * ldc));
                c91 = c91.add(DoubleVector.fromArray(S, c, co + 9 * ldc + 2));
                c100 = c100.add(DoubleVector.fromArray(S, c, co + 10 * ldc));
                c101 = c101.add(DoubleVector.fromArray(S, c, co + 10 * ldc + 2));
                c110 = c110.add(DoubleVector.fromArray(S, c, co + 11 * ldc));
                c111 = c111.add(DoubleVector.fromArray(S, c, co + 11 * ldc + 2));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 2);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 2);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 2);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 2);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 2);
            c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + 2);
            c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + 2);
            c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + 2);
            c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + 2);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            DoubleVector c80 = DoubleVector.zero(S), c81 = DoubleVector.zero(S);
            DoubleVector c90 = DoubleVector.zero(S), c91 = DoubleVector.zero(S);
            DoubleVector c100 = DoubleVector.zero(S), c101 = DoubleVector.zero(S);
            DoubleVector c110 = DoubleVector.zero(S), c111 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4 * lda]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5 * lda]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6 * lda]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7 * lda]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
                DoubleVector a8 = DoubleVector.broadcast(S, a[ai + 8 * lda]);
                c80 = a8.fma(b0, c80); c81 = a8.fma(b1, c81);
                DoubleVector a9 = DoubleVector.broadcast(S, a[ai + 9 * lda]);
                c90 = a9.fma(b0, c90); c91 = a9.fma(b1, c91);
                DoubleVector a10 = DoubleVector.broadcast(S, a[ai + 10 * lda]);
                c100 = a10.fma(b0, c100); c101 = a10.fma(b1, c101);
                DoubleVector a11 = DoubleVector.broadcast(S, a[ai + 11 * lda]);
                c110 = a11.fma(b0, c110); c111 = a11.fma(b1, c111);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 2));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 2));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 2));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 2));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 2));
                c80 = c80.add(DoubleVector.fromArray(S, c, co + 8 * ldc));
                c81 = c81.add(DoubleVector.fromArray(S, c, co + 8 * ldc + 2));
                c90 = c90.add(DoubleVector.fromArray(S, c, co + 9 * ldc));
                c91 = c91.add(DoubleVector.fromArray(S, c, co + 9 * ldc + 2));
                c100 = c100.add(DoubleVector.fromArray(S, c, co + 10 * ldc));
                c101 = c101.add(DoubleVector.fromArray(S, c, co + 10 * ldc + 2));
                c110 = c110.add(DoubleVector.fromArray(S, c, co + 11 * ldc));
                c111 = c111.add(DoubleVector.fromArray(S, c, co + 11 * ldc + 2));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 2);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 2);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 2);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 2);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 2);
            c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + 2);
            c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + 2);
            c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + 2);
            c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + 2);
        }
    }

    /** 8 x 4 tile: 8 rows of 2 128-bit vectors, 16 accumulators. */
    static final class D128x8x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_128;

        D128x8x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 2));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 2));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 2));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 2));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 2));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 2);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 2);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 2);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 2);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 2);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4 * lda]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5 * lda]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6 * lda]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7 * lda]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 2));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 2));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 2));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 2));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 2));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 2);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 2);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 2);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 2);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 2);
        }
    }

    /** 4 x 4 tile: 4 rows of 2 128-bit vectors, 8 accumulators. */
    static final class D128x4x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_128;

        D128x4x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 2));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 2);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 2);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 2));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 2));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 2));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 2));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 2);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 2);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 2);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 2);
        }
    }

    /** 3 x 12 tile: 3 rows of 3 256-bit vectors, 9 accumulators. */
    static final class D256x3x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

        D256x3x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c22 = c22.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4); c02.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4); c12.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4); c22.intoArray(c, co + 2 * ldc + 8);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c22 = c22.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4); c02.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4); c12.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4); c22.intoArray(c, co + 2 * ldc + 8);
        }
    }

    /** 2 x 12 tile: 2 rows of 3 256-bit vectors, 6 accumulators. */
    static final class D256x2x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

        D256x2x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4); c02.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4); c12.intoArray(c, co + ldc + 8);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4); c02.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4); c12.intoArray(c, co + ldc + 8);
        }
    }

    /** 1 x 12 tile: 1 rows of 3 256-bit vectors, 3 accumulators. */
    static final class D256x1x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

        D256x1x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4); c02.intoArray(c, co + 8);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4); c02.intoArray(c, co + 8);
        }
    }

    /** 12 x 8 tile: 12 rows of 2 256-bit vectors, 24 accumulators. */
    static final class D256x12x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

        D256x12x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            DoubleVector c80 = DoubleVector.zero(S), c81 = DoubleVector.zero(S);
            DoubleVector c90 = DoubleVector.zero(S), c91 = DoubleVector.zero(S);
            DoubleVector c100 = DoubleVector.zero(S), c101 = DoubleVector.zero(S);
            DoubleVector c110 = DoubleVector.zero(S), c111 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
                DoubleVector a8 = DoubleVector.broadcast(S, a[ai + 8]);
                c80 = a8.fma(b0, c80); c81 = a8.fma(b1, c81);
                DoubleVector a9 = DoubleVector.broadcast(S, a[ai + 9]);
                c90 = a9.fma(b0, c90); c91 = a9.fma(b1, c91);
                DoubleVector a10 = DoubleVector.broadcast(S, a[ai + 10]);
                c100 = a10.fma(b0, c100); c101 = a10.fma(b1, c101);
                DoubleVector a11 = DoubleVector.broadcast(S, a[ai + 11]);
                c110 = a11.fma(b0, c110); c111 = a11.fma(b1, c111);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 4));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 4));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 4));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 4));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 4));
                c80 = c80.add(DoubleVector.fromArray(S, c, co + 8 * ldc));
                c81 = c81.add(DoubleVector.fromArray(S, c, co + 8 * ldc + 4));
                c90 = c90.add(DoubleVector.fromArray(S, c, co + 9 * ldc));
                c91 = c91.add(DoubleVector.fromArray(S, c, co + 9 * ldc + 4));
                c100 = c100.add(DoubleVector.fromArray(S, c, co + 10 * ldc));
                c101 = c101.add(DoubleVector.fromArray(S, c, co + 10 * ldc + 4));
                c110 = c110.add(DoubleVector.fromArray(S, c, co + 11 * ldc));
                c111 = c111.add(DoubleVector.fromArray(S, c, co + 11 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 4);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 4);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 4);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 4);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 4);
            c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + 4);
            c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + 4);
            c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + 4);
            c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + 4);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            DoubleVector c80 = DoubleVector.zero(S), c81 = DoubleVector.zero(S);
            DoubleVector c90 = DoubleVector.zero(S), c91 = DoubleVector.zero(S);
            DoubleVector c100 = DoubleVector.zero(S), c101 = DoubleVector.zero(S);
            DoubleVector c110 = DoubleVector.zero(S), c111 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4 * lda]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5 * lda]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6 * lda]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7 * lda]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
                DoubleVector a8 = DoubleVector.broadcast(S, a[ai + 8 * lda]);
                c80 = a8.fma(b0, c80); c81 = a8.fma(b1, c81);
                DoubleVector a9 = DoubleVector.broadcast(S, a[ai + 9 * lda]);
                c90 = a9.fma(b0, c90); c91 = a9.fma(b1, c91);
                DoubleVector a10 = DoubleVector.broadcast(S, a[ai + 10 * lda]);
                c100 = a10.fma(b0, c100); c101 = a10.fma(b1, c101);
                DoubleVector a11 = DoubleVector.broadcast(S, a[ai + 11 * lda]);
                c110 = a11.fma(b0, c110); c111 = a11.fma(b1, c111);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 4));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 4));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 4));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 4));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 4));
                c80 = c80.add(DoubleVector.fromArray(S, c, co + 8 * ldc));
                c81 = c81.add(DoubleVector.fromArray(S, c, co + 8 * ldc + 4));
                c90 = c90.add(DoubleVector.fromArray(S, c, co + 9 * ldc));
                c91 = c91.add(DoubleVector.fromArray(S, c, co + 9 * ldc + 4));
                c100 = c100.add(DoubleVector.fromArray(S, c, co + 10 * ldc));
                c101 = c101.add(DoubleVector.fromArray(S, c, co + 10 * ldc + 4));
                c110 = c110.add(DoubleVector.fromArray(S, c, co + 11 * ldc));
                c111 = c111.add(DoubleVector.fromArray(S, c, co + 11 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 4);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 4);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 4);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 4);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 4);
            c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + 4);
            c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + 4);
            c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + 4);
            c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + 4);
        }
    }

    /** 8 x 8 tile: 8 rows of 2 256-bit vectors, 16 accumulators. */
    static final class D256x8x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

        D256x8x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 4));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 4));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 4));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 4));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 4);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 4);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 4);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 4);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 4);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4 * lda]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5 * lda]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6 * lda]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7 * lda]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 4));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 4));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 4));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 4));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 4);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 4);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 4);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 4);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 4);
        }
    }

    /** 4 x 8 tile: 4 rows of 2 256-bit vectors, 8 accumulators. */
    static final class D256x4x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

        D256x4x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 4);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 4);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 4));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 4));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 4));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 4));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 4);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 4);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 4);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 4);
        }
    }

    /** 3 x 24 tile: 3 rows of 3 512-bit vectors, 9 accumulators. */
    static final class D512x3x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_512;

        D512x3x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 16);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 16));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 16));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c22 = c22.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 16));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8); c02.intoArray(c, co + 16);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8); c12.intoArray(c, co + ldc + 16);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8); c22.intoArray(c, co + 2 * ldc + 16);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S), c22 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 16);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21); c22 = a2.fma(b2, c22);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 16));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 16));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c22 = c22.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 16));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8); c02.intoArray(c, co + 16);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8); c12.intoArray(c, co + ldc + 16);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8); c22.intoArray(c, co + 2 * ldc + 16);
        }
    }

    /** 2 x 24 tile: 2 rows of 3 512-bit vectors, 6 accumulators. */
    static final class D512x2x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_512;

        D512x2x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 16);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 16));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 16));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8); c02.intoArray(c, co + 16);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8); c12.intoArray(c, co + ldc + 16);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S), c12 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 16);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11); c12 = a1.fma(b2, c12);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 16));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c12 = c12.add(DoubleVector.fromArray(S, c, co + ldc + 16));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8); c02.intoArray(c, co + 16);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8); c12.intoArray(c, co + ldc + 16);
        }
    }

    /** 1 x 24 tile: 1 rows of 3 512-bit vectors, 3 accumulators. */
    static final class D512x1x3 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_512;

        D512x1x3(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 16);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 16));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8); c02.intoArray(c, co + 16);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S), c02 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector b2 = DoubleVector.fromArray(S, b, bi + 16);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01); c02 = a0.fma(b2, c02);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c02 = c02.add(DoubleVector.fromArray(S, c, co + 16));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8); c02.intoArray(c, co + 16);
        }
    }

    /** 12 x 16 tile: 12 rows of 2 512-bit vectors, 24 accumulators. */
    static final class D512x12x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_512;

        D512x12x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            DoubleVector c80 = DoubleVector.zero(S), c81 = DoubleVector.zero(S);
            DoubleVector c90 = DoubleVector.zero(S), c91 = DoubleVector.zero(S);
            DoubleVector c100 = DoubleVector.zero(S), c101 = DoubleVector.zero(S);
            DoubleVector c110 = DoubleVector.zero(S), c111 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
                DoubleVector a8 = DoubleVector.broadcast(S, a[ai + 8]);
                c80 = a8.fma(b0, c80); c81 = a8.fma(b1, c81);
                DoubleVector a9 = DoubleVector.broadcast(S, a[ai + 9]);
                c90 = a9.fma(b0, c90); c91 = a9.fma(b1, c91);
                DoubleVector a10 = DoubleVector.broadcast(S, a[ai + 10]);
                c100 = a10.fma(b0, c100); c101 = a10.fma(b1, c101);
                DoubleVector a11 = DoubleVector.broadcast(S, a[ai + 11]);
                c110 = a11.fma(b0, c110); c111 = a11.fma(b1, c111);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 8));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 8));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 8));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 8));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 8));
                c80 = c80.add(DoubleVector.fromArray(S, c, co + 8 * ldc));
                c81 = c81.add(DoubleVector.fromArray(S, c, co + 8 * ldc + 8));
                c90 = c90.add(DoubleVector.fromArray(S, c, co + 9 * ldc));
                c91 = c91.add(DoubleVector.fromArray(S, c, co + 9 * ldc + 8));
                c100 = c100.add(DoubleVector.fromArray(S, c, co + 10 * ldc));
                c101 = c101.add(DoubleVector.fromArray(S, c, co + 10 * ldc + 8));
                c110 = c110.add(DoubleVector.fromArray(S, c, co + 11 * ldc));
                c111 = c111.add(DoubleVector.fromArray(S, c, co + 11 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 8);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 8);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 8);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 8);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 8);
            c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + 8);
            c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + 8);
            c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + 8);
            c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + 8);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            DoubleVector c80 = DoubleVector.zero(S), c81 = DoubleVector.zero(S);
            DoubleVector c90 = DoubleVector.zero(S), c91 = DoubleVector.zero(S);
            DoubleVector c100 = DoubleVector.zero(S), c101 = DoubleVector.zero(S);
            DoubleVector c110 = DoubleVector.zero(S), c111 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4 * lda]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5 * lda]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6 * lda]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7 * lda]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
                DoubleVector a8 = DoubleVector.broadcast(S, a[ai + 8 * lda]);
                c80 = a8.fma(b0, c80); c81 = a8.fma(b1, c81);
                DoubleVector a9 = DoubleVector.broadcast(S, a[ai + 9 * lda]);
                c90 = a9.fma(b0, c90); c91 = a9.fma(b1, c91);
                DoubleVector a10 = DoubleVector.broadcast(S, a[ai + 10 * lda]);
                c100 = a10.fma(b0, c100); c101 = a10.fma(b1, c101);
                DoubleVector a11 = DoubleVector.broadcast(S, a[ai + 11 * lda]);
                c110 = a11.fma(b0, c110); c111 = a11.fma(b1, c111);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 8));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 8));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 8));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 8));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 8));
                c80 = c80.add(DoubleVector.fromArray(S, c, co + 8 * ldc));
                c81 = c81.add(DoubleVector.fromArray(S, c, co + 8 * ldc + 8));
                c90 = c90.add(DoubleVector.fromArray(S, c, co + 9 * ldc));
                c91 = c91.add(DoubleVector.fromArray(S, c, co + 9 * ldc + 8));
                c100 = c100.add(DoubleVector.fromArray(S, c, co + 10 * ldc));
                c101 = c101.add(DoubleVector.fromArray(S, c, co + 10 * ldc + 8));
                c110 = c110.add(DoubleVector.fromArray(S, c, co + 11 * ldc));
                c111 = c111.add(DoubleVector.fromArray(S, c, co + 11 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 8);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 8);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 8);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 8);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 8);
            c80.intoArray(c, co + 8 * ldc); c81.intoArray(c, co + 8 * ldc + 8);
            c90.intoArray(c, co + 9 * ldc); c91.intoArray(c, co + 9 * ldc + 8);
            c100.intoArray(c, co + 10 * ldc); c101.intoArray(c, co + 10 * ldc + 8);
            c110.intoArray(c, co + 11 * ldc); c111.intoArray(c, co + 11 * ldc + 8);
        }
    }

    /** 8 x 16 tile: 8 rows of 2 512-bit vectors, 16 accumulators. */
    static final class D512x8x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_512;

        D512x8x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 8));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 8));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 8));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 8));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 8);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 8);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 8);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 8);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 8);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            DoubleVector c40 = DoubleVector.zero(S), c41 = DoubleVector.zero(S);
            DoubleVector c50 = DoubleVector.zero(S), c51 = DoubleVector.zero(S);
            DoubleVector c60 = DoubleVector.zero(S), c61 = DoubleVector.zero(S);
            DoubleVector c70 = DoubleVector.zero(S), c71 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
                DoubleVector a4 = DoubleVector.broadcast(S, a[ai + 4 * lda]);
                c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
                DoubleVector a5 = DoubleVector.broadcast(S, a[ai + 5 * lda]);
                c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
                DoubleVector a6 = DoubleVector.broadcast(S, a[ai + 6 * lda]);
                c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
                DoubleVector a7 = DoubleVector.broadcast(S, a[ai + 7 * lda]);
                c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 8));
                c40 = c40.add(DoubleVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(DoubleVector.fromArray(S, c, co + 4 * ldc + 8));
                c50 = c50.add(DoubleVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(DoubleVector.fromArray(S, c, co + 5 * ldc + 8));
                c60 = c60.add(DoubleVector.fromArray(S, c, co + 6 * ldc));
                c61 = c61.add(DoubleVector.fromArray(S, c, co + 6 * ldc + 8));
                c70 = c70.add(DoubleVector.fromArray(S, c, co + 7 * ldc));
                c71 = c71.add(DoubleVector.fromArray(S, c, co + 7 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 8);
            c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + 8);
            c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + 8);
            c60.intoArray(c, co + 6 * ldc); c61.intoArray(c, co + 6 * ldc + 8);
            c70.intoArray(c, co + 7 * ldc); c71.intoArray(c, co + 7 * ldc + 8);
        }
    }

    /** 4 x 16 tile: 4 rows of 2 512-bit vectors, 8 accumulators. */
    static final class D512x4x2 extends DgemmKernel {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_512;

        D512x4x2(CpuShape shape) {
            super(shape);
        }

        @Override
        void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                    double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            // Indices affine in p let C2 hoist the bounds checks out of the loop.
            for (int p = 0; p < kc; p++) {
                int ai = ao + p * aps, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 8);
        }

        @Override
        void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                        double[] c, int co, int ldc, boolean add) {
            DoubleVector c00 = DoubleVector.zero(S), c01 = DoubleVector.zero(S);
            DoubleVector c10 = DoubleVector.zero(S), c11 = DoubleVector.zero(S);
            DoubleVector c20 = DoubleVector.zero(S), c21 = DoubleVector.zero(S);
            DoubleVector c30 = DoubleVector.zero(S), c31 = DoubleVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = ao + p, bi = bo + p * bps;
                DoubleVector b0 = DoubleVector.fromArray(S, b, bi);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bi + 8);
                DoubleVector a0 = DoubleVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                DoubleVector a1 = DoubleVector.broadcast(S, a[ai + lda]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                DoubleVector a2 = DoubleVector.broadcast(S, a[ai + 2 * lda]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                DoubleVector a3 = DoubleVector.broadcast(S, a[ai + 3 * lda]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
            // Stores inline: a helper C2 declined to inline would box every accumulator.
            if (add) {
                c00 = c00.add(DoubleVector.fromArray(S, c, co));
                c01 = c01.add(DoubleVector.fromArray(S, c, co + 8));
                c10 = c10.add(DoubleVector.fromArray(S, c, co + ldc));
                c11 = c11.add(DoubleVector.fromArray(S, c, co + ldc + 8));
                c20 = c20.add(DoubleVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(DoubleVector.fromArray(S, c, co + 2 * ldc + 8));
                c30 = c30.add(DoubleVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(DoubleVector.fromArray(S, c, co + 3 * ldc + 8));
            }
            c00.intoArray(c, co); c01.intoArray(c, co + 8);
            c10.intoArray(c, co + ldc); c11.intoArray(c, co + ldc + 8);
            c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + 8);
            c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + 8);
        }
    }
}
