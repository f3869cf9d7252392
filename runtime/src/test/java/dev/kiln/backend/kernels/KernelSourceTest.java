package dev.kiln.backend.kernels;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The assembled source and the tile checks; needs no device. */
class KernelSourceTest {
    /** Words of OpenCL C or CUDA C that the dialect's macros stand for: a kernel using one builds on one backend. */
    static final Pattern BACKEND_ONLY = Pattern.compile(
            "\\b(__kernel|__global|__local|__shared__|__device__|__global__|__syncthreads|barrier|get_\\w+_id"
                    + "|get_local_size|get_num_groups|threadIdx|blockIdx|blockDim|gridDim|restrict|__restrict__"
                    + "|atomic_\\w+|atomicAdd|float[2-8]|half|expf|logf|sqrtf|fmaxf|fminf|fabsf|NAN|INFINITY)\\b");

    @Test
    void theLibraryDefinesEveryKernelOnceAndEveryGemmLayout() {
        String src = KernelLibrary.source(Tiles.GPU);
        for (String name : List.of("gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt", "sum_partial", "sum_final",
                "column_sums", "count_correct", "softmax_cross_entropy", "mse_partial", "sgd", "adam", "fill")) {
            Matcher m = Pattern.compile("\\bKERNEL void " + name + "\\(|#define GEMM_NAME " + name + "\\n")
                    .matcher(src);
            int found = 0;
            while (m.find()) found++;
            assertEquals(1, found, name + " appears " + found + " times");
        }
        String defines = "#define TM 64\n#define TN 64\n#define TK 16\n#define RM 4\n#define RN 4\n#define RED 256";
        assertTrue(src.contains(defines), src.substring(0, 300));
    }

    @Test
    void kernelsUseOnlyTheDialect() {
        // Comments may name either backend's words; code may not.
        String code = KernelLibrary.source(Tiles.CPU).replaceAll("(?s)/\\*.*?\\*/", "");
        Matcher m = BACKEND_ONLY.matcher(code);
        assertTrue(!m.find(), () -> "backend-specific '" + m.group() + "' in: "
                + code.substring(Math.max(0, m.start() - 80), Math.min(code.length(), m.end() + 40)));
    }

    @Test
    void tilesThatCannotWorkAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Tiles(30, 32, 8, 4, 4, 64)); // 4 does not divide 30
        assertThrows(IllegalArgumentException.class, () -> new Tiles(32, 32, 8, 4, 4, 48)); // not a power of two
        assertThrows(IllegalArgumentException.class, () -> new Tiles(128, 128, 8, 2, 2, 64)); // 4096 threads
        assertThrows(IllegalArgumentException.class, () -> new Tiles(256, 256, 64, 16, 16, 64)); // 130 KiB shared
        assertEquals(64, Tiles.CPU.gemmThreads());
        assertEquals(256, Tiles.GPU.gemmThreads());
        assertEquals(64, OpenClFixture.ODD.gemmThreads());
    }
}
