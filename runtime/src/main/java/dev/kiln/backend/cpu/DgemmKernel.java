package dev.kiln.backend.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Cache-blocked float64 GEMM: the drivers around an MR x NR register-tile micro-kernel. The tile
 * and blocks come from {@link CpuShape}; the micro-kernels, one class per species and tile, are the
 * subclasses in {@link DgemmTiles}, and {@link #forShape} picks one (tests force each).
 *
 * <p>Two paths. Unpacked ({@link #direct}): B untransposed and small enough to stay in L2, as in
 * most products up to about 256^3; the kernels read A and B where they lie and only a partial last
 * sliver of each is copied, zero-padded. Packed, BLIS-style, for the rest: a KC x NC panel of op(B)
 * is packed into NR-wide column slivers, an MC x KC block of op(A) into MR-tall row slivers, and
 * each A sliver (in L1) meets every B sliver of an L2-sized column block of the panel in turn, so
 * that consecutive tiles of C lie side by side along its rows, where the hardware prefetchers
 * follow them. Serial products pack one panel per K block; parallel ones pack all K blocks of a
 * chunk of B at once, so the threads meet once per chunk.
 *
 * <p>Edges: the last rows of A go to the shortest generated tile that holds them (see
 * {@link #forShape}); a tile with rows or columns past C's edge is computed whole into scratch and
 * only its valid corner copied out.
 *
 * <p>Callers ({@link Gemm}) validate arguments and choose between the serial and parallel
 * drivers. Each thread packs A into its own {@link Scratch}. This file is written from SgemmKernel.java
 * by {@code tools/gen_gemm_tiles.py} (Java has no generics over primitive arrays).
 */
abstract class DgemmKernel {
    private static final int ELEMENT_BYTES = 8;
    /** The kernel for this JVM's {@link CpuShape#current()}, chosen once. */
    static final DgemmKernel DEFAULT = forShape(CpuShape.current());

    static {
        CpuInfo.reportIfVerbose();
    }

    final CpuShape shape;
    final int mr, nr, kc, mc, nc;
    /** B slivers in a column block of the packed panel that stays in L2 (half of it). */
    final int l2Slivers;

    DgemmKernel(CpuShape shape) {
        this.shape = shape;
        this.mr = shape.mr();
        this.nr = shape.doubleNr();
        this.kc = shape.kc();
        this.mc = shape.mc();
        this.nc = shape.nc();
        this.l2Slivers = Math.max(1, shape.l2() / 2 / (kc * nr * ELEMENT_BYTES));
    }

    /**
     * Kernels for the last rows of A when fewer than MR are left: {@code edges[r]} is the shortest
     * tile of at least r rows (the 32-register tile's 4- and 8-row ones, the 16-register tile's 1-
     * and 2-row ones, or this kernel itself).
     */
    private DgemmKernel[] edges;

    /** The kernel for a shape: package-private so tests can force every species and tile on any machine. */
    static DgemmKernel forShape(CpuShape shape) {
        DgemmKernel k = tile(shape);
        k.edges = new DgemmKernel[k.mr + 1];
        int[] rows = k.mr == 12 ? new int[] {4, 8} : k.mr == 3 ? new int[] {1, 2} : new int[0];
        for (int r = 1; r <= k.mr; r++) {
            k.edges[r] = k;
            for (int e : rows) {
                if (e >= r) {
                    k.edges[r] = tile(shape.withTile(e, shape.vectors()));
                    break;
                }
            }
        }
        return k;
    }

    private static DgemmKernel tile(CpuShape shape) {
        DgemmKernel k = DgemmTiles.forShape(shape);
        if (k == null) throw new IllegalArgumentException("no float64 kernel for " + shape);
        return k;
    }

    /**
     * The micro-kernel: C[co.., mrow x ncol] (+)= A times B over {@code kc} steps, where A(i, p) is
     * {@code a[ao + p*aps + i]} (a packed sliver with aps = MR, or A stored transposed with aps = lda)
     * and B(p, j) is {@code b[bo + p*bps + j]} (a packed sliver with bps = NR, or B in place with
     * bps = ldb). Always a full MR x NR tile: edge tiles go to scratch and then {@link #storeEdge}.
     */
    abstract void kernel(int kc, double[] a, int ao, int aps, double[] b, int bo, int bps,
                         double[] c, int co, int ldc, boolean add);

    /** As {@link #kernel} with A read in place, untransposed: A(i, p) is {@code a[ao + i*lda + p]}. */
    abstract void kernelRows(int kc, double[] a, int ao, int lda, double[] b, int bo, int bps,
                             double[] c, int co, int ldc, boolean add);

    /** Per-thread packing buffers, grown on demand and then reused, so the hot path never allocates. */
    static final class Scratch {
        double[] a = new double[0];
        /** The packed B panel: this thread's own in a serial call, shared in a parallel one. */
        double[] b = new double[0];
        /**
         * Set while a parallel call on this thread shares {@link #b} with other threads, so that a
         * nested call on the same thread does not repack a panel the outer call's threads still read.
         */
        boolean bShared;
        /** One MR x NR tile, where edge tiles are computed before their valid corner is copied to C. */
        double[] tile = new double[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** {@link #DEFAULT}'s serial driver. */
    static void serial(boolean transA, boolean transB, int m, int n, int k,
                       double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                       double[] c, int cOff, int ldc, boolean accumulate) {
        DEFAULT.runSerial(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** {@link #DEFAULT}'s parallel driver. */
    static void parallel(int threads, boolean transA, boolean transB, int m, int n, int k,
                         double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                         double[] c, int cOff, int ldc, boolean accumulate) {
        DEFAULT.runParallel(threads, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * Whether a product runs unpacked: B untransposed (its rows are what the kernel loads), small
     * enough to stay in L2 (half of it) while every row sliver of A sweeps it, and k within two
     * K blocks so a sliver of A rows stays in L1. Packing would then cost more than it saves:
     * the kernels read A and B in place and only edge slivers are copied, zero-padded.
     */
    final boolean direct(boolean transB, int m, int n, int k) {
        return !transB && k <= 2 * kc && (long) k * roundUp(n, nr) * ELEMENT_BYTES <= shape.l2() / 2;
    }

    /** Computes the whole of C = op(A) * op(B) (+ C) on the calling thread. Arguments are validated. */
    final void runSerial(boolean transA, boolean transB, int m, int n, int k,
                         double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                         double[] c, int cOff, int ldc, boolean accumulate) {
        Scratch s = SCRATCH.get();
        if (direct(transB, m, n, k)) {
            double[] edge = edgeBuffer(s, n, k);
            packEdgeB(b, bOff, ldb, n, k, edge);
            directRows(transA, a, aOff, lda, 0, m, b, bOff, ldb, edge, n, k, c, cOff, ldc, accumulate);
            return;
        }
        int panel = Math.min(kc, k) * Math.min(nc, roundUp(n, nr));
        double[] bp = s.bShared ? new double[panel] : (s.b.length >= panel ? s.b : (s.b = new double[panel]));
        for (int jc = 0; jc < n; jc += nc) {
            int ncur = Math.min(nc, n - jc), slivers = ceilDiv(ncur, nr);
            for (int pc = 0; pc < k; pc += kc) {
                int kcur = Math.min(kc, k - pc);
                packB(transB, b, bOff, ldb, pc, kcur, jc, ncur, bp, 0, 0, slivers);
                // The first K block overwrites C unless the caller asked to accumulate.
                rows(transA, a, aOff, lda, 0, m, pc, kcur, bp, 0, jc, ncur, 0, slivers,
                        c, cOff, ldc, accumulate || pc > 0);
            }
        }
    }

    /**
     * Computes the same product on up to {@code threads} threads (the caller and {@link GemmPool}
     * helpers). Unpacked products are cut into blocks of rows that the threads claim from a
     * counter. Packed ones go BLIS-style: for each KC x NC panel of B, the threads first pack the
     * panel together, then claim units of C (a block of rows times a range of B slivers) until none
     * are left. Claiming, rather than a fixed share per thread, keeps both cores busy when one is
     * slowed by other work, and sharing the panel means B is packed once rather than per thread.
     */
    final void runParallel(int threads, boolean transA, boolean transB, int m, int n, int k,
                           double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                           double[] c, int cOff, int ldc, boolean accumulate) {
        Scratch s = SCRATCH.get();
        boolean own = !s.bShared;
        int target = Gemm.UNITS_PER_THREAD * threads;
        if (direct(transB, m, n, k)) {
            double[] edge = own ? edgeBuffer(s, n, k) : new double[edgeSize(n, k)];
            packEdgeB(b, bOff, ldb, n, k, edge);
            int rowBlock = roundUp(ceilDiv(m, target), mr), blocks = ceilDiv(m, rowBlock);
            s.bShared = true;
            try {
                Gemm.runPhase(threads, 0, blocks, null, u -> directRows(transA, a, aOff, lda, u * rowBlock,
                        Math.min(m, (u + 1) * rowBlock), b, bOff, ldb, edge, n, k, c, cOff, ldc, accumulate));
            } finally {
                if (own) s.bShared = false;
            }
            return;
        }
        int width = chunkWidth(n, k);
        int size = k * roundUp(width, nr);
        double[] bp = !own ? new double[size] : (s.b.length >= size ? s.b : (s.b = new double[size]));
        s.bShared = true;
        try {
            // Units: a block of rows (times a range of slivers, when there are too few row blocks)
            // through every K block, so the threads meet once per chunk of B rather than once per
            // K block. Enough units that a late or slowed thread costs at most a small share of the
            // work. (Cutting columns too, about square, measured slower: every column range repacks
            // its rows of A, and packing A costs more than re-reading packed B.)
            int mBlock = Math.min(mc, roundUp(ceilDiv(m, target), mr)), rowBlocks = ceilDiv(m, mBlock);
            int kBlocks = ceilDiv(k, kc);
            for (int jc = 0; jc < n; jc += width) {
                int ncur = Math.min(width, n - jc), slivers = ceilDiv(ncur, nr), ncPad = slivers * nr, j0 = jc;
                int colChunks = Math.min(slivers, ceilDiv(target, rowBlocks));
                // Packing items: several slivers of one K block each, so that each reads runs of B's rows.
                int perItem = Math.max(1, ceilDiv(slivers, target)), groups = ceilDiv(slivers, perItem);
                Gemm.runPhase(threads, kBlocks * groups, rowBlocks * colChunks,
                        it -> {
                            int pc = it / groups * kc, g = it % groups;
                            packB(transB, b, bOff, ldb, pc, Math.min(kc, k - pc), j0, ncur, bp, pc * ncPad,
                                    g * perItem, Math.min(slivers, (g + 1) * perItem));
                        },
                        u -> {
                            int rb = u / colChunks, cc = u % colChunks;
                            for (int pc = 0; pc < k; pc += kc) {
                                // The first K block overwrites C unless the caller asked to accumulate.
                                rows(transA, a, aOff, lda, rb * mBlock, Math.min(m, (rb + 1) * mBlock),
                                        pc, Math.min(kc, k - pc), bp, pc * ncPad, j0, ncur,
                                        slivers * cc / colChunks, slivers * (cc + 1) / colChunks,
                                        c, cOff, ldc, accumulate || pc > 0);
                            }
                        });
            }
        } finally {
            if (own) s.bShared = false;
        }
    }

    /**
     * Columns of B the parallel driver packs at once, all its K blocks: up to NC, fewer where k is
     * so deep that the packed copy would pass {@link #PACK_LIMIT} values.
     */
    private int chunkWidth(int n, int k) {
        int width = Math.min(nc, roundUp(n, nr));
        long cap = Math.max(nr, PACK_LIMIT / Math.max(1, k) / nr * nr);
        return (int) Math.min(width, cap);
    }

    /** The most values of B the parallel driver packs at once: 4M, 32 MiB of float64. */
    private static final long PACK_LIMIT = 1L << 22;

    /** Values in the zero-padded copy of B's last, partial sliver in an unpacked product. */
    private int edgeSize(int n, int k) {
        return n % nr == 0 ? 0 : k * nr;
    }

    private double[] edgeBuffer(Scratch s, int n, int k) {
        int size = edgeSize(n, k);
        if (s.bShared) return new double[size];
        return s.b.length >= size ? s.b : (s.b = new double[size]);
    }

    /** Copies the last n % NR columns of B (k x n, untransposed) into {@code edge}, k rows of NR, zero-padded. */
    private void packEdgeB(double[] b, int bOff, int ldb, int n, int k, double[] edge) {
        int j0 = n / nr * nr, ncol = n - j0;
        if (ncol == 0) return;
        for (int p = 0; p < k; p++) {
            int dst = p * nr;
            System.arraycopy(b, bOff + p * ldb + j0, edge, dst, ncol);
            java.util.Arrays.fill(edge, dst + ncol, dst + nr, 0d);
        }
    }

    /**
     * Rows [i0, i1) of an unpacked product: every sliver of MR rows of A, read in place, times
     * every NR columns of B, read in place but for the padded last sliver in {@code edge}. A last
     * sliver of fewer than MR rows is copied, zero-padded, to the thread's scratch first, since
     * reading MR rows in place would run past A.
     */
    private void directRows(boolean transA, double[] a, int aOff, int lda, int i0, int i1,
                            double[] b, int bOff, int ldb, double[] edge, int n, int k,
                            double[] c, int cOff, int ldc, boolean add) {
        int fullCols = n / nr * nr;
        Scratch s = SCRATCH.get();
        if (s.tile.length < mr * nr) s.tile = new double[mr * nr];
        double[] tile = s.tile;
        for (int ir = i0; ir < i1; ir += mr) {
            int mrow = Math.min(mr, i1 - ir), co = cOff + ir * ldc;
            // The last rows go to the shortest tile that holds them, reading A in place when
            // they fill it, else a zero-padded copy.
            DgemmKernel e = edges[mrow];
            boolean rowsInPlace = !transA && mrow == e.mr;
            double[] ap = a;
            int ao = rowsInPlace ? aOff + ir * lda : aOff + ir, aps = lda;
            if (mrow < e.mr) {
                if (s.a.length < k * mr) s.a = new double[k * mr];
                ap = s.a;
                ao = 0;
                aps = mr;
                packA(transA, a, aOff, lda, ir, mrow, 0, k, ap);
            }
            for (int jr = 0; jr <= n - nr; jr += nr) {
                double[] out = mrow == e.mr ? c : tile;
                int o = mrow == e.mr ? co + jr : 0, ld = mrow == e.mr ? ldc : nr;
                boolean plus = mrow == e.mr && add;
                if (rowsInPlace) {
                    e.kernelRows(k, a, ao, lda, b, bOff + jr, ldb, out, o, ld, plus);
                } else {
                    e.kernel(k, ap, ao, aps, b, bOff + jr, ldb, out, o, ld, plus);
                }
                if (mrow < e.mr) storeEdge(tile, c, co + jr, ldc, mrow, nr, add);
            }
            if (fullCols < n) {
                if (rowsInPlace) {
                    e.kernelRows(k, a, ao, lda, edge, 0, nr, tile, 0, nr, false);
                } else {
                    e.kernel(k, ap, ao, aps, edge, 0, nr, tile, 0, nr, false);
                }
                storeEdge(tile, c, co + fullCols, ldc, mrow, n - fullCols, add);
            }
        }
    }

    /**
     * Multiplies rows [i0, i1) of op(A)[:, pc:pc+kc] by slivers [s0, s1) of the packed B panel
     * into C, packing A in MC-row blocks into the running thread's scratch. Each A sliver (MR x kc,
     * in L1) meets every B sliver of the range in turn (the panel, in L2), so consecutive tiles of C
     * lie side by side along its rows, where the hardware prefetchers follow them.
     */
    private void rows(boolean transA, double[] a, int aOff, int lda, int i0, int i1,
                      int pc, int kcur, double[] bp, int bpOff, int jc, int ncur, int s0, int s1,
                      double[] c, int cOff, int ldc, boolean add) {
        Scratch s = SCRATCH.get();
        int need = kcur * Math.min(mc, roundUp(i1 - i0, mr));
        if (s.a.length < need) s.a = new double[need];
        if (s.tile.length < mr * nr) s.tile = new double[mr * nr];
        double[] ap = s.a, tile = s.tile;
        for (int ic = i0; ic < i1; ic += mc) {
            int mcur = Math.min(mc, i1 - ic);
            packA(transA, a, aOff, lda, ic, mcur, pc, kcur, ap);
            // Column blocks of the panel small enough to stay in L2 while every A sliver meets them.
            for (int sb = s0; sb < s1; sb += l2Slivers) {
                int sEnd = Math.min(s1, sb + l2Slivers);
                for (int ir = 0; ir < mcur; ir += mr) {
                    int mrow = Math.min(mr, mcur - ir), ao = ir * kcur;
                    int co = cOff + (ic + ir) * ldc + jc;
                    // The last rows take the shortest tile that holds them; it reads the packed
                    // sliver (MR values per k step) as far as its own rows.
                    DgemmKernel e = edges[mrow];
                    for (int sl = sb; sl < sEnd; sl++) {
                        int jr = sl * nr, ncol = Math.min(nr, ncur - jr);
                        if (mrow == e.mr && ncol == nr) {
                            e.kernel(kcur, ap, ao, mr, bp, bpOff + jr * kcur, nr, c, co + jr, ldc, add);
                        } else {
                            e.kernel(kcur, ap, ao, mr, bp, bpOff + jr * kcur, nr, tile, 0, nr, false);
                            storeEdge(tile, c, co + jr, ldc, mrow, ncol, add);
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs slivers [s0, s1) of op(B)[pc:pc+kc, jc:jc+nc]: sliver s is the kc x NR block of columns
     * jc + s*NR onwards, stored row by row at bp[s*NR*kc], with columns past nc zero-filled so the
     * micro-kernel can read a full NR every step. Untransposed B is read a row at a time across all
     * the slivers, so the reads run along memory rather than jumping a row's length every NR values.
     */
    private void packB(boolean transB, double[] b, int bOff, int ldb,
                       int pc, int kcur, int jc, int ncur, double[] bp, int bpOff, int s0, int s1) {
        final int nr = this.nr;
        if (!transB) {
            int full = Math.min(s1, ncur / nr); // slivers with no columns past ncur
            for (int p = 0; p < kcur; p++) {
                int src = bOff + (pc + p) * ldb + jc;
                for (int sl = s0; sl < full; sl++) {
                    copy(b, src + sl * nr, bp, bpOff + sl * nr * kcur + p * nr, nr);
                }
                for (int sl = Math.max(s0, full); sl < s1; sl++) {
                    int jr = sl * nr, ncol = ncur - jr, dst = bpOff + jr * kcur + p * nr;
                    copy(b, src + jr, bp, dst, ncol);
                    java.util.Arrays.fill(bp, dst + ncol, dst + nr, 0d);
                }
            }
            return;
        }
        for (int jr = s0 * nr; jr < s1 * nr; jr += nr) {
            int ncol = Math.min(nr, ncur - jr);
            int dst = bpOff + jr * kcur;
            // op(B)(p, j) = b[j*ldb + p]: walk each stored row of B contiguously.
            for (int j = 0; j < nr; j++) {
                if (j < ncol) {
                    int src = bOff + (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kcur; p++) bp[dst + p * nr + j] = b[src + p];
                } else {
                    for (int p = 0; p < kcur; p++) bp[dst + p * nr + j] = 0d;
                }
            }
        }
    }

    /** Copies {@code len} doubles with whole vectors of the preferred species, then one at a time. */
    private static void copy(double[] src, int from, double[] dst, int to, int len) {
        int j = 0;
        for (int upper = COPY.loopBound(len); j < upper; j += COPY.length()) {
            DoubleVector.fromArray(COPY, src, from + j).intoArray(dst, to + j);
        }
        for (; j < len; j++) dst[to + j] = src[from + j];
    }

    private static final VectorSpecies<Double> COPY = DoubleVector.SPECIES_PREFERRED;

    /**
     * Packs op(A)[ic:ic+mc, pc:pc+kc] as consecutive MR x kc slivers stored column by column
     * (MR values per k step), rows past mc zero-filled.
     */
    private void packA(boolean transA, double[] a, int aOff, int lda,
                       int ic, int mcur, int pc, int kcur, double[] ap) {
        final int mr = this.mr;
        for (int ir = 0; ir < mcur; ir += mr) {
            int mrow = Math.min(mr, mcur - ir);
            int dst = ir * kcur;
            if (transA) {
                // op(A)(i, p) = a[p*lda + i]: each k step is MR contiguous doubles.
                int src = aOff + pc * lda + ic + ir;
                for (int p = 0; p < kcur; p++, src += lda, dst += mr) {
                    System.arraycopy(a, src, ap, dst, mrow);
                    for (int i = mrow; i < mr; i++) ap[dst + i] = 0d;
                }
            } else {
                for (int i = 0; i < mr; i++) {
                    if (i < mrow) {
                        int src = aOff + (ic + ir + i) * lda + pc;
                        for (int p = 0; p < kcur; p++) ap[dst + p * mr + i] = a[src + p];
                    } else {
                        for (int p = 0; p < kcur; p++) ap[dst + p * mr + i] = 0d;
                    }
                }
            }
        }
    }

    /** Copies the valid mrow x ncol corner of a full tile computed into scratch. */
    private void storeEdge(double[] tile, double[] c, int co, int ldc, int mrow, int ncol, boolean add) {
        for (int i = 0; i < mrow; i++) {
            int row = co + i * ldc, t = i * nr;
            if (add) {
                for (int j = 0; j < ncol; j++) c[row + j] += tile[t + j];
            } else {
                System.arraycopy(tile, t, c, row, ncol);
            }
        }
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
