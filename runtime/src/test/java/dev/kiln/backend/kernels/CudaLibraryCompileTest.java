package dev.kiln.backend.kernels;

import dev.kiln.backend.cuda.CudaCompileCheck;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library as the CUDA backend builds it: NVRTC for compute_80 and compute_90, then ptxas for sm_80 and sm_90,
 * printing every kernel's registers and spills. Runs without a GPU; skipped where NVRTC and ptxas are absent
 * ({@code .ci/cuda-tools.sh} fetches them).
 */
class CudaLibraryCompileTest {
    @Test
    void theGpuTilesCompileForSm80AndSm90WithoutSpilling() {
        CudaCompileCheck.Result r = check(Tiles.GPU);
        for (CudaCompileCheck.KernelStats k : r.kernels()) {
            assertEquals(0, k.spillStoreBytes() + k.spillLoadBytes(), "spills: " + k);
            assertEquals(0, k.stackFrameBytes(), "stack frame (a register array in local memory): " + k);
            // 256-thread groups: at most 255 registers leave room for a resident group; 128 for two per SM.
            if (k.kernel().startsWith("gemm_")) assertTrue(k.registers() <= 128, k.toString());
        }
    }

    @Test
    void theOtherTileShapesCompileToo() {
        check(Tiles.CPU);
        check(OpenClFixture.ODD);
    }

    /** Compiles the library for {@code tiles} and checks that ptxas reported every kernel on both architectures. */
    private static CudaCompileCheck.Result check(Tiles tiles) {
        String source = KernelLibrary.source(tiles);
        CudaCompileCheck.Result r = CudaCompileCheck.check("kiln-kernels " + tiles, source);
        Matcher m = Pattern.compile("\\bKERNEL void (\\w+)\\(").matcher(source);
        List<String> names = new java.util.ArrayList<>(List.of(KernelSource.GEMM_NAMES));
        while (m.find()) if (!m.group(1).equals("GEMM_NAME")) names.add(m.group(1));
        assertEquals(13, names.size(), names.toString());
        for (int arch : CudaCompileCheck.ARCHS) {
            for (String name : names) r.stats(name, arch);
        }
        return r;
    }
}
