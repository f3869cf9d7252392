package dev.kiln.backend.cuda;

import dev.kiln.backend.Device;
import dev.kiln.backend.KernelDialect;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CI check for CUDA kernels on a machine without a GPU: compiles a dialect source (with the CUDA prelude) through
 * Kiln's own {@link Nvrtc} binding for {@code compute_80} and {@code compute_90}, assembles each PTX with
 * {@code ptxas -arch=sm_80 / sm_90 -v}, fails on any error, and reports each kernel's registers and spills.
 *
 * <p>The tools come from NVIDIA's Python wheels, unpacked by {@code .ci/cuda-tools.sh} into {@code -Dkiln.cuda.home},
 * else {@code $KILN_CUDA_HOME}, else {@code ~/.cache/kiln/cuda} (so tests need no environment). Where they are absent,
 * {@link #requireTools()} skips the calling test with a message naming the script.
 *
 * <pre>
 * CudaCompileCheck.Result r = CudaCompileCheck.check("my_kernels", SOURCE);
 * assertEquals(0, r.stats("my_kernel", 90).spillStoreBytes());
 * </pre>
 */
public final class CudaCompileCheck {
    /** The architectures checked: A100 (8.0) and H100 (9.0). */
    public static final List<Integer> ARCHS = List.of(80, 90);

    private CudaCompileCheck() {}

    /** Where NVRTC and ptxas are. */
    public record Tools(Path home, Path nvrtc, Path ptxas) {}

    /** ptxas's figures for one kernel on one architecture. */
    public record KernelStats(String kernel, int arch, int registers, int spillStoreBytes, int spillLoadBytes,
                              int stackFrameBytes, int sharedBytes) {
        @Override
        public String toString() {
            return String.format("%-24s sm_%d: %3d registers, %d bytes spill stores, %d bytes spill loads, %d bytes stack, %d bytes smem",
                    kernel, arch, registers, spillStoreBytes, spillLoadBytes, stackFrameBytes, sharedBytes);
        }
    }

    /** A checked program: its PTX by architecture (80, 90) and every kernel's figures. */
    public record Result(String name, Map<Integer, String> ptx, List<KernelStats> kernels) {
        /** The figures of {@code kernel} for {@code arch}; an unknown pair fails. */
        public KernelStats stats(String kernel, int arch) {
            for (KernelStats k : kernels) if (k.kernel().equals(kernel) && k.arch() == arch) return k;
            throw new AssertionError("ptxas reported no kernel '" + kernel + "' for sm_" + arch + " in " + name + ": " + kernels);
        }
    }

    /** The tools folder: {@code -Dkiln.cuda.home}, else {@code $KILN_CUDA_HOME}, else {@code ~/.cache/kiln/cuda}. */
    public static Path home() {
        return CudaTools.home();
    }

    /** The tools where both are present. */
    public static Optional<Tools> tools() {
        Path home = home();
        Path nvrtc = home.resolve("nvidia/cu13/lib/libnvrtc.so.13");
        Path ptxas = home.resolve("nvidia/cu13/bin/ptxas");
        if (Files.isRegularFile(nvrtc) && Files.isExecutable(ptxas)) return Optional.of(new Tools(home, nvrtc, ptxas));
        return Optional.empty();
    }

    /** Why the tools are missing and how to get them. */
    public static String missingToolsMessage() {
        Path home = home();
        return "CUDA compile check skipped: NVRTC and ptxas not found under " + home + " (nvidia/cu13/lib/libnvrtc.so.13,"
                + " nvidia/cu13/bin/ptxas). Run .ci/cuda-tools.sh to fetch them (or set KILN_CUDA_HOME / -Dkiln.cuda.home).";
    }

    /** The tools, or the calling test is skipped (an assumption) with {@link #missingToolsMessage()}. */
    public static Tools requireTools() {
        Optional<Tools> tools = tools();
        Assumptions.assumeTrue(tools.isPresent(), CudaCompileCheck::missingToolsMessage);
        return tools.get();
    }

    /** The tools' NVRTC, loaded through Kiln's binding. */
    public static Nvrtc nvrtc() {
        return Nvrtc.load(requireTools().nvrtc());
    }

    /**
     * Compiles {@code dialectSource} (without prelude) as program {@code name} for every {@link #ARCHS} and assembles
     * it with ptxas; prints and returns each kernel's figures. A compile error throws NVRTC's
     * {@link dev.kiln.backend.DeviceException}; a ptxas error fails with ptxas's output. Skips where the tools are absent.
     */
    public static Result check(String name, String dialectSource) {
        Tools tools = requireTools();
        Nvrtc nvrtc = Nvrtc.load(tools.nvrtc());
        String source = KernelDialect.withPrelude(Device.Kind.CUDA, dialectSource);
        Map<Integer, String> ptxByArch = new LinkedHashMap<>();
        List<KernelStats> all = new ArrayList<>();
        for (int arch : ARCHS) {
            String ptx = nvrtc.compile(name, source, "compute_" + arch, CudaContext.NVRTC_OPTIONS);
            ptxByArch.put(arch, ptx);
            all.addAll(ptxas(tools, name, ptx, arch));
        }
        System.out.println("CUDA compile check of '" + name + "' (NVRTC " + nvrtc.version() + ", ptxas):");
        for (KernelStats k : all) System.out.println("  " + k);
        return new Result(name, Map.copyOf(ptxByArch), List.copyOf(all));
    }

    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '([^']+)' for 'sm_(\\d+)'");
    private static final Pattern FRAME = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern PTXAS_ERROR = Pattern.compile("(?m)^ptxas\\b.*\\b(error|fatal)\\s*:");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    /** Runs {@code ptxas -arch=sm_<arch> -v} on {@code ptx}; returns each entry's figures, or fails with ptxas's output. */
    public static List<KernelStats> ptxas(Tools tools, String name, String ptx, int arch) {
        try {
            Path dir = Files.createTempDirectory("kiln-ptxas");
            try {
                Path in = dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_") + ".ptx");
                Path out = dir.resolve("out.cubin");
                Files.writeString(in, ptx, StandardCharsets.UTF_8);
                Process p = new ProcessBuilder(tools.ptxas().toString(), "-arch=sm_" + arch, "-v", "-o", out.toString(), in.toString())
                        .redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("ptxas -arch=sm_" + arch + " on '" + name + "' ran past 120 s");
                }
                if (p.exitValue() != 0 || PTXAS_ERROR.matcher(output).find()) {
                    throw new AssertionError("ptxas -arch=sm_" + arch + " failed on '" + name + "' (exit " + p.exitValue() + "):\n" + output);
                }
                return parse(output, arch);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.deleteIfExists(f);
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + tools.ptxas() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running ptxas", e);
        }
    }

    /** Reads ptxas's {@code -v} report: one {@link KernelStats} per "Compiling entry function" block. */
    static List<KernelStats> parse(String output, int arch) {
        List<KernelStats> stats = new ArrayList<>();
        String kernel = null;
        int stack = 0, stores = 0, loads = 0;
        for (String line : output.split("\n")) {
            Matcher m = ENTRY.matcher(line);
            if (m.find()) {
                kernel = m.group(1);
                stack = stores = loads = 0;
                continue;
            }
            m = FRAME.matcher(line);
            if (m.find()) {
                stack = Integer.parseInt(m.group(1));
                stores = Integer.parseInt(m.group(2));
                loads = Integer.parseInt(m.group(3));
                continue;
            }
            m = USED.matcher(line);
            if (m.find() && kernel != null) {
                Matcher s = SMEM.matcher(line);
                int smem = s.find() ? Integer.parseInt(s.group(1)) : 0;
                stats.add(new KernelStats(kernel, arch, Integer.parseInt(m.group(1)), stores, loads, stack, smem));
                kernel = null;
            }
        }
        return stats;
    }
}
