package dev.kiln.backend.kernels;

import dev.kiln.backend.cuda.CudaCompileCheck;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image program's source: every kernel defined once, only dialect words, and (where .ci/cuda-tools.sh has
 * fetched NVRTC and ptxas) compiled for CUDA sm_80 and sm_90 without spills; needs no device.
 */
class ImageKernelSourceTest {
    /** Backend words the dialect's macros stand for, and C library or built-in words C99 lacks (min, max). */
    private static final Pattern BACKEND_ONLY = Pattern.compile(
            "\\b(__kernel|__global|__local|__shared__|__device__|__global__|__syncthreads|barrier|get_\\w+_id"
                    + "|get_local_size|get_num_groups|threadIdx|blockIdx|blockDim|gridDim|restrict|__restrict__"
                    + "|atomic_\\w+|atomicAdd|float[2-8]|half|expf|logf|sqrtf|fmaxf|fminf|fabsf|NAN|INFINITY"
                    + "|HUGE_VALF|ulong|min|max|long long)\\b");

    @Test
    void everyKernelOnceAndOnlyTheDialect() {
        for (Tiles tiles : new Tiles[] {Tiles.CPU, Tiles.GPU, OpenClFixture.ODD}) {
            String src = ImageKernels.source(tiles);
            for (String name : ImageKernels.KERNELS) {
                Matcher m = Pattern.compile("\\bKERNEL void " + name + "\\(").matcher(src);
                int found = 0;
                while (m.find()) found++;
                assertEquals(1, found, name + " appears " + found + " times");
            }
            String code = src.replaceAll("(?s)/\\*.*?\\*/", "");
            Matcher m = BACKEND_ONLY.matcher(code);
            assertTrue(!m.find(), () -> "backend-specific '" + m.group() + "' in: "
                    + code.substring(Math.max(0, m.start() - 80), Math.min(code.length(), m.end() + 40)));
            assertTrue(src.contains("#define RED " + tiles.reduce() + "\n"), "the reduction size is defined");
        }
    }

    @Test
    void compilesForCudaWithoutSpills() {
        for (Tiles tiles : new Tiles[] {Tiles.GPU, Tiles.CPU, OpenClFixture.ODD}) {
            CudaCompileCheck.Result r = CudaCompileCheck.check("kiln-image " + tiles, ImageKernels.source(tiles));
            assertEquals(ImageKernels.KERNELS.size() * CudaCompileCheck.ARCHS.size(), r.kernels().size(), r.kernels().toString());
            for (int arch : CudaCompileCheck.ARCHS) {
                for (String kernel : ImageKernels.KERNELS) {
                    CudaCompileCheck.KernelStats k = r.stats(kernel, arch);
                    assertEquals(0, k.spillStoreBytes(), k.toString());
                    assertEquals(0, k.spillLoadBytes(), k.toString());
                    assertEquals(0, k.stackFrameBytes(), "stack frame: " + k);
                    assertTrue(k.registers() > 0 && k.registers() <= 64, "few registers, full occupancy: " + k);
                }
                assertEquals(tiles.reduce() * Float.BYTES, r.stats("conv_grad_rows", arch).sharedBytes(),
                        "the bias gradient's reduction buffer");
            }
        }
    }
}
