package dev.kiln.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every register tile and vector species the GEMM can pick, forced through
 * {@link SgemmKernel#forShape} and {@link DgemmKernel#forShape} whatever this machine prefers, so an
 * AVX2 machine also checks the AVX-512 tiling (slowly: the 512-bit species runs emulated) and an
 * AVX-512 machine the AVX2 one. Each is checked against the scalar oracle over odd sizes, padded
 * strides and offsets, all four transpose layouts, accumulate on and off, on one thread and on
 * two and three, both with the blocking this machine would get and with tiny blocks that force
 * several K and N panels and the packed path at small sizes.
 */
class GemmShapesTest {
    /** Odd sizes; 20 and 40 end in exactly 8 and 4 rows of a 12-row tile, 17 in 2 of a 3-row one. */
    private static final int[] SIZES = {1, 7, 17, 20, 40, 129};

    /** Every (vector bits, registers) the tile logic covers, each with default and with tiny blocks. */
    static List<CpuShape> shapes() {
        List<CpuShape> shapes = new ArrayList<>();
        for (int bits : new int[] {128, 256, 512}) {
            for (int registers : new int[] {16, 32}) {
                CpuShape normal = CpuShape.of(bits, registers);
                shapes.add(normal);
                // kc = 8: k > 16 leaves the unpacked path; mc = 2 MR; nc = 2 NR: several N panels.
                shapes.add(CpuShape.of(bits, registers, 2, 8, 2 * normal.mr(), 2 * normal.nr(),
                        normal.l1d(), normal.l2(), ""));
            }
        }
        return shapes;
    }

    static Stream<Arguments> cases() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<Arguments> cases = new ArrayList<>();
        for (CpuShape shape : shapes()) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                for (int i = 0; i < 3; i++) {
                    int m = SIZES[rnd.nextInt(SIZES.length)], n = SIZES[rnd.nextInt(SIZES.length)];
                    int k = SIZES[rnd.nextInt(SIZES.length)];
                    cases.add(Arguments.of(shape, ta, tb, m, n, k, rnd.nextBoolean(), rnd.nextBoolean()));
                }
                // Exact multiples of the tile, and one past them.
                cases.add(Arguments.of(shape, ta, tb, 2 * shape.mr(), 2 * shape.nr(), 33, false, true));
                cases.add(Arguments.of(shape, ta, tb, 2 * shape.mr() + 1, 2 * shape.nr() + 1, 129, true, false));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2} m={3} n={4} k={5} accumulate={6} padded={7}")
    @MethodSource("cases")
    void floatKernelsMatchScalarOnOneAndSeveralThreads(CpuShape shape, boolean transA, boolean transB,
                                                       int m, int n, int k, boolean accumulate, boolean padded) {
        SgemmKernel kernel = SgemmKernel.forShape(shape);
        GemmTest.Layout l = new GemmTest.Layout(transA, transB, m, n, k, padded);
        SplittableRandom rnd = new SplittableRandom(m * 31L + n * 17L + k);
        float[] a = GemmTest.randomFloats(rnd, l.aLen), b = GemmTest.randomFloats(rnd, l.bLen);
        float[] c0 = GemmTest.randomFloats(rnd, l.cLen);
        float[] expected = c0.clone();
        Gemm.sgemmScalar(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, expected, l.cOff, l.ldc, accumulate);
        double tol = 4 * (k + 1) * Math.ulp(1f);
        float[] one = c0.clone();
        kernel.runSerial(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, one, l.cOff, l.ldc, accumulate);
        for (int threads : new int[] {2, 3}) {
            float[] several = c0.clone();
            kernel.runParallel(threads, transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb,
                    several, l.cOff, l.ldc, accumulate);
            for (int i = 0; i < c0.length; i++) {
                int idx = i;
                double scale = Math.max(1, Math.abs(expected[i]));
                // The one-thread and several-thread results agree with each other as with the oracle.
                assertEquals(one[i], several[i], tol * scale, () -> threads + " threads vs one at " + l.describe(idx));
                assertEquals(expected[i], several[i], tol * scale, () -> threads + " threads at " + l.describe(idx));
            }
        }
        for (int i = 0; i < c0.length; i++) {
            int idx = i;
            if (!l.inC(i)) {
                assertEquals(c0[i], one[i], 0f, () -> "padding written at " + idx);
            } else {
                assertEquals(expected[i], one[i], tol * Math.max(1, Math.abs(expected[i])), () -> "at " + l.describe(idx));
            }
        }
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2} m={3} n={4} k={5} accumulate={6} padded={7}")
    @MethodSource("cases")
    void doubleKernelsMatchScalarOnOneAndSeveralThreads(CpuShape shape, boolean transA, boolean transB,
                                                        int m, int n, int k, boolean accumulate, boolean padded) {
        DgemmKernel kernel = DgemmKernel.forShape(shape);
        GemmTest.Layout l = new GemmTest.Layout(transA, transB, m, n, k, padded);
        SplittableRandom rnd = new SplittableRandom(m * 37L + n * 13L + k);
        double[] a = GemmTest.randomDoubles(rnd, l.aLen), b = GemmTest.randomDoubles(rnd, l.bLen);
        double[] c0 = GemmTest.randomDoubles(rnd, l.cLen);
        double[] expected = c0.clone();
        Gemm.dgemmScalar(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, expected, l.cOff, l.ldc, accumulate);
        double tol = 4 * (k + 1) * Math.ulp(1d);
        double[] one = c0.clone(), two = c0.clone();
        kernel.runSerial(transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, one, l.cOff, l.ldc, accumulate);
        kernel.runParallel(2, transA, transB, m, n, k, a, l.aOff, l.lda, b, l.bOff, l.ldb, two, l.cOff, l.ldc, accumulate);
        for (int i = 0; i < c0.length; i++) {
            int idx = i;
            double scale = Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], one[i], tol * scale, () -> "one thread at " + l.describe(idx));
            assertEquals(one[i], two[i], tol * scale, () -> "two threads vs one at " + l.describe(idx));
            if (!l.inC(i)) assertEquals(c0[i], two[i], 0d, () -> "padding written at " + idx);
        }
    }

    @Test
    void tileFollowsTheRegisterCountAndBlockingFitsTheCaches() {
        for (int bits : new int[] {128, 256, 512}) {
            CpuShape avx2Like = CpuShape.of(bits, 16);
            assertEquals(3, avx2Like.mr());
            assertEquals(3, avx2Like.vectors());
            CpuShape avx512Like = CpuShape.of(bits, 32);
            assertEquals(12, avx512Like.mr());
            assertEquals(2, avx512Like.vectors());
            for (CpuShape s : List.of(avx2Like, avx512Like)) {
                assertEquals(s.vectors() * bits / 32, s.nr());
                assertEquals(0, s.mc() % s.mr());
                assertEquals(0, s.nc() % s.nr());
                assertTrue(s.kc() >= 128 && s.kc() <= 512, s::toString);
                assertNotNull(SgemmKernel.forShape(s));
                assertNotNull(DgemmKernel.forShape(s));
            }
        }
        assertEquals("12x32", CpuShape.of(512, 32).tile());
        assertEquals("3x24", CpuShape.of(256, 16).tile());
    }

    @Test
    void theDefaultKernelIsTheCurrentShapes() {
        CpuShape current = CpuShape.current();
        assertEquals(current, SgemmKernel.DEFAULT.shape);
        assertEquals(current.nr(), SgemmKernel.DEFAULT.nr);
        assertEquals(current.doubleNr(), DgemmKernel.DEFAULT.nr);
    }

    @Test
    void reportLineNamesTheShapeAndAMeasuredPeak() {
        String line = CpuInfo.describe();
        CpuShape s = CpuShape.current();
        assertTrue(line.startsWith("kiln.cpu "), line);
        assertTrue(line.contains("tile=" + s.tile()), line);
        assertTrue(line.contains("vector=" + s.vectorBits() + "b"), line);
        double[] peak = CpuInfo.fmaPeak();
        assertTrue(peak[0] > 0 && peak[1] > 0, line);
        assertEquals(Runtime.getRuntime().availableProcessors(), (int) peak[2]);
    }
}
