package dev.kiln.backend.cuda;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceException;
import dev.kiln.backend.KernelDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PtxCacheTest {
    private static final String SOURCE = KernelDialect.withPrelude(Device.Kind.CUDA, CudaTestKernels.SOURCE);

    @Test
    void secondRequestIsServedFromDiskWithoutCompiling(@TempDir Path dir) throws IOException {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        PtxCache cache = new PtxCache(dir);
        long before = nvrtc.compileCount();
        String first = cache.ptx(nvrtc, "p", SOURCE, "compute_90", List.of());
        assertEquals(before + 1, nvrtc.compileCount());
        String second = cache.ptx(nvrtc, "p", SOURCE, "compute_90", List.of());
        assertEquals(first, second);
        assertEquals(before + 1, nvrtc.compileCount(), "the cached PTX is not recompiled");
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());

        // A fresh cache on the same folder (another JVM, say) reads the file.
        PtxCache again = new PtxCache(dir);
        assertEquals(first, again.ptx(nvrtc, "other_name", SOURCE, "compute_90", List.of()));
        assertEquals(before + 1, nvrtc.compileCount());
        assertEquals(1, again.hits());

        Path file = cache.file(SOURCE, "compute_90", List.of(), nvrtc.version());
        assertTrue(file.getFileName().toString().endsWith("-compute_90-nvrtc" + nvrtc.version() + ".ptx"), file.toString());
        assertEquals(first, Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "one entry, no temporary files left");
        }
    }

    @Test
    void keyIncludesArchitectureSourceAndOptions(@TempDir Path dir) {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        PtxCache cache = new PtxCache(dir);
        long before = nvrtc.compileCount();
        String sm90 = cache.ptx(nvrtc, "p", SOURCE, "compute_90", List.of());
        String sm80 = cache.ptx(nvrtc, "p", SOURCE, "compute_80", List.of());
        assertEquals(before + 2, nvrtc.compileCount(), "another architecture compiles again");
        assertTrue(sm90.contains(".target sm_90") && sm80.contains(".target sm_80"));
        assertNotEquals(cache.file(SOURCE, "compute_90", List.of(), "13.0"), cache.file(SOURCE, "compute_80", List.of(), "13.0"));
        assertNotEquals(cache.file(SOURCE, "compute_90", List.of(), "13.0"), cache.file(SOURCE, "compute_90", List.of(), "12.8"));
        assertNotEquals(cache.file(SOURCE, "compute_90", List.of(), "13.0"),
                cache.file(SOURCE, "compute_90", List.of("--use_fast_math"), "13.0"));

        cache.ptx(nvrtc, "p", SOURCE + "\n// changed\n", "compute_90", List.of());
        assertEquals(before + 3, nvrtc.compileCount(), "another source compiles again");
        cache.ptx(nvrtc, "p", SOURCE, "compute_80", List.of());
        assertEquals(before + 3, nvrtc.compileCount());
    }

    @Test
    void damagedEntryIsRecompiledAndReplaced(@TempDir Path dir) throws IOException {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        PtxCache cache = new PtxCache(dir);
        Path file = cache.file(SOURCE, "compute_90", List.of(), nvrtc.version());
        Files.writeString(file, "// truncated\n.version 9.0\n.target sm_90\n.visible .entry sax");
        long before = nvrtc.compileCount();
        String ptx = cache.ptx(nvrtc, "p", SOURCE, "compute_90", List.of());
        assertEquals(before + 1, nvrtc.compileCount());
        assertTrue(ptx.contains(".entry saxpy("));
        assertEquals(ptx, Files.readString(file));
    }

    @Test
    void compileErrorStoresNothing(@TempDir Path dir) throws IOException {
        Nvrtc nvrtc = CudaCompileCheck.nvrtc();
        PtxCache cache = new PtxCache(dir.resolve("sub"));
        assertThrows(DeviceException.class, () -> cache.ptx(nvrtc, "bad", "KERNEL void f( {", "compute_90", List.of()));
        assertTrue(!Files.exists(dir.resolve("sub")) || Files.list(dir.resolve("sub")).findAny().isEmpty());
    }

    @Test
    void defaultFolderFollowsTheProperty(@TempDir Path dir) {
        String old = System.getProperty("kiln.ptx.cache");
        try {
            System.setProperty("kiln.ptx.cache", dir.toString());
            assertEquals(dir, PtxCache.defaultCache().dir());
            System.clearProperty("kiln.ptx.cache");
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "kiln", "ptx"), PtxCache.defaultCache().dir());
        } finally {
            if (old == null) System.clearProperty("kiln.ptx.cache");
            else System.setProperty("kiln.ptx.cache", old);
        }
    }
}
