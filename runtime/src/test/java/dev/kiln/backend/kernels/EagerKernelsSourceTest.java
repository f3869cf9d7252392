package dev.kiln.backend.kernels;

import dev.kiln.backend.cuda.CudaCompileCheck;
import dev.kiln.backend.kernels.EagerKernels.Operand;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eager kernels' sources use only the kernel dialect, so they build for CUDA as for OpenCL (checked with NVRTC
 * and ptxas where {@code .ci/cuda-tools.sh} installed them), and the host merges strides as the kernel indexes.
 */
class EagerKernelsSourceTest {
    @Test
    void sourcesUseOnlyTheDialectAndDefineEveryOp() {
        for (String src : new String[] {EagerKernels.elementwiseSource(), EagerKernels.linesSource()}) {
            String code = src.replaceAll("(?s)/\\*.*?\\*/", "");
            Matcher m = KernelSourceTest.BACKEND_ONLY.matcher(code);
            assertTrue(!m.find(), () -> "backend-specific '" + m.group() + "' in: "
                    + code.substring(Math.max(0, m.start() - 80), Math.min(code.length(), m.end() + 40)));
        }
        String elementwise = EagerKernels.elementwiseSource();
        for (EagerKernels.Op op : EagerKernels.Op.values()) {
            assertTrue(elementwise.contains("#define OP_" + op + " " + op.ordinal() + "\n"), op.name());
            assertTrue(elementwise.contains("case OP_" + op + ":"), "the kernel handles " + op);
        }
    }

    @Test
    void sourcesBuildForCuda() {
        CudaCompileCheck.requireTools();
        var elementwise = CudaCompileCheck.check("kiln-eager-elementwise", EagerKernels.elementwiseSource());
        var lines = CudaCompileCheck.check("kiln-eager-lines", EagerKernels.linesSource());
        for (int arch : CudaCompileCheck.ARCHS) {
            assertEquals(0, elementwise.stats("map", arch).spillStoreBytes());
            assertEquals(0, lines.stats("reduce_lines", arch).spillStoreBytes());
            assertEquals(0, lines.stats("softmax_lines", arch).spillStoreBytes());
        }
    }

    @Test
    void dimensionsMergeWhereEveryOperandWalksThemAsOneRun() {
        // A contiguous [2, 3, 4] with a [4] bias broadcast over it: the bias's stride 0 keeps the last dim apart.
        Operand out = Operand.of(new FakeBuffer(24), 0, new int[] {12, 4, 1});
        Operand a = Operand.of(new FakeBuffer(24), 0, new int[] {12, 4, 1});
        Operand bias = Operand.of(new FakeBuffer(4), 0, new int[] {0, 0, 1});
        int[][] m = EagerKernels.merge(new int[] {2, 3, 4}, new Operand[] {out, a, bias});
        assertArrayEquals(new int[] {1, 1, 6, 4}, m[0]);
        assertArrayEquals(new int[] {0, 0, 4, 1}, m[1]);
        assertArrayEquals(new int[] {0, 0, 0, 1}, m[3]);
        // A transposed operand keeps both dims; size-1 dims vanish; a scalar takes no part.
        int[][] t = EagerKernels.merge(new int[] {3, 1, 5}, new Operand[] {
                Operand.of(new FakeBuffer(15), 0, new int[] {5, 5, 1}),
                Operand.of(new FakeBuffer(15), 0, new int[] {1, 7, 3}), Operand.scalar(2f)});
        assertArrayEquals(new int[] {1, 1, 3, 5}, t[0]);
        assertArrayEquals(new int[] {0, 0, 1, 3}, t[2]);
        // Six dims that cannot merge are more than the kernel indexes.
        int[] shape = {2, 2, 2, 2, 2, 2};
        Operand gappy = Operand.of(new FakeBuffer(10_000), 0, new int[] {1000, 300, 80, 20, 5, 1});
        var e = assertThrows(UnsupportedOperationException.class,
                () -> EagerKernels.merge(shape, new Operand[] {gappy, gappy, Operand.scalar(0f)}));
        assertTrue(e.getMessage().contains("contiguous()"), e.getMessage());
    }

    private record FakeBuffer(long floats) implements dev.kiln.backend.DeviceBuffer {
        @Override
        public void close() {}
    }
}
