package dev.kiln.backend.kernels;

import dev.kiln.backend.cuda.CudaCompileCheck;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The norm program's source: every kernel defined once, only dialect words, and (where .ci/cuda-tools.sh has
 * fetched NVRTC and ptxas) compiled for CUDA sm_80 and sm_90 without spills or stack; needs no device.
 */
class NormKernelSourceTest {
    /** Backend words the dialect's macros stand for, and C library or built-in words C99 lacks (min, max). */
    private static final Pattern BACKEND_ONLY = Pattern.compile(
            "\\b(__kernel|__global|__local|__shared__|__device__|__global__|__syncthreads|barrier|get_\\w+_id"
                    + "|get_local_size|get_num_groups|threadIdx|blockIdx|blockDim|gridDim|restrict|__restrict__"
                    + "|atomic_\\w+|atomicAdd|ATOMIC_ADD_F|float[2-8]|half|double|expf|logf|sqrtf|rsqrtf|fmaxf|fminf"
                    + "|fabsf|NAN|INFINITY|HUGE_VALF|ulong|min|max|long long)\\b");

    private static final Tiles[] TILES = {Tiles.GPU, Tiles.CPU, OpenClFixture.ODD};

    @Test
    void everyKernelOnceAndOnlyTheDialect() {
        for (Tiles tiles : TILES) {
            String src = NormKernels.source(tiles);
            for (String name : NormKernels.KERNELS) {
                Matcher m = Pattern.compile("\\bKERNEL void " + name + "\\(").matcher(src);
                int found = 0;
                while (m.find()) found++;
                assertEquals(1, found, name + " appears " + found + " times");
            }
            Matcher all = Pattern.compile("\\bKERNEL void (\\w+)\\(").matcher(src);
            int kernels = 0;
            while (all.find()) kernels++;
            assertEquals(NormKernels.KERNELS.size(), kernels, "every entry point is listed");
            String code = src.replaceAll("(?s)/\\*.*?\\*/", "");
            Matcher m = BACKEND_ONLY.matcher(code);
            assertTrue(!m.find(), () -> "backend-specific or atomic '" + m.group() + "' in: "
                    + code.substring(Math.max(0, m.start() - 80), Math.min(code.length(), m.end() + 40)));
            assertTrue(src.contains("#define RED " + tiles.reduce() + "\n"), "the reduction size is defined");
        }
    }

    @Test
    void compilesForCudaWithoutSpills() {
        for (Tiles tiles : TILES) {
            CudaCompileCheck.Result r = CudaCompileCheck.check("kiln-norm " + tiles, NormKernels.source(tiles));
            assertEquals(NormKernels.KERNELS.size() * CudaCompileCheck.ARCHS.size(), r.kernels().size(), r.kernels().toString());
            for (int arch : CudaCompileCheck.ARCHS) {
                for (String kernel : NormKernels.KERNELS) {
                    CudaCompileCheck.KernelStats k = r.stats(kernel, arch);
                    assertEquals(0, k.spillStoreBytes(), k.toString());
                    assertEquals(0, k.spillLoadBytes(), k.toString());
                    assertEquals(0, k.stackFrameBytes(), "stack frame: " + k);
                    assertTrue(k.registers() > 0 && k.registers() <= 64, "few registers, full occupancy: " + k);
                }
                int red = tiles.reduce() * Float.BYTES;
                assertEquals(2 * red, r.stats("bn_statistics", arch).sharedBytes(), "two reduction buffers");
                assertEquals(2 * red, r.stats("bn_backward", arch).sharedBytes(), "two reduction buffers");
                assertEquals(red, r.stats("row_softmax", arch).sharedBytes(), "one reduction buffer");
                assertEquals(0, r.stats("embedding_gather", arch).sharedBytes(), "no shared memory");
            }
        }
    }
}
