package dev.kiln.backend.cuda;

import dev.kiln.backend.DeviceException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVIDIA's runtime compiler (NVRTC), bound through FFM: CUDA C in, PTX out. It needs no GPU and no driver.
 *
 * <p>Where the library comes from, first match wins: the path given to {@link #load(Path)}; else
 * {@code -Dkiln.nvrtc=/path/libnvrtc.so.N}; else the {@code KILN_NVRTC} environment variable (a path set in either is
 * the only place looked, so a wrong one fails rather than silently picking another NVRTC); else {@code libnvrtc.so.13}
 * then {@code libnvrtc.so.12} by name (the dynamic loader's search: {@code LD_LIBRARY_PATH}, the ld.so cache), then
 * {@code /usr/local/cuda/lib64}, then the folder {@code .ci/cuda-tools.sh} unpacks into
 * ({@code -Dkiln.cuda.home}, {@code $KILN_CUDA_HOME}, default {@code ~/.cache/kiln/cuda}, under
 * {@code nvidia/cu13/lib}). A missing library is a {@link DeviceException} listing every place looked.
 *
 * <p>NVRTC opens {@code libnvrtc-builtins.so.M.m} by name when it compiles; where NVRTC is loaded from a path, the
 * builtins library in the same folder is loaded first, so that open finds it without {@code LD_LIBRARY_PATH}.
 *
 * <p>One instance per library file, shared ({@link #load}); compiling is safe from several threads at once (each
 * call has its own NVRTC program).
 */
public final class Nvrtc {
    private static final String[] SONAMES = {"libnvrtc.so.13", "libnvrtc.so.12"};
    private static final Map<String, Nvrtc> LOADED = new HashMap<>();

    private final String library;
    private final int major;
    private final int minor;
    private final AtomicLong compiles = new AtomicLong();

    private final MethodHandle getErrorString;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle getProgramLogSize;
    private final MethodHandle getProgramLog;
    private final MethodHandle getPtxSize;
    private final MethodHandle getPtx;
    private final MethodHandle destroyProgram;
    private final MethodHandle getNumSupportedArchs;
    private final MethodHandle getSupportedArchs;

    private Nvrtc(String library, SymbolLookup lookup) {
        this.library = library;
        Linker linker = Linker.nativeLinker();
        getErrorString = bind(linker, lookup, "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MethodHandle version = bind(linker, lookup, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        createProgram = bind(linker, lookup, "nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compileProgram = bind(linker, lookup, "nvrtcCompileProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        getProgramLogSize = bind(linker, lookup, "nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getProgramLog = bind(linker, lookup, "nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtxSize = bind(linker, lookup, "nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtx = bind(linker, lookup, "nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroyProgram = bind(linker, lookup, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getNumSupportedArchs = bind(linker, lookup, "nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getSupportedArchs = bind(linker, lookup, "nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment maj = arena.allocate(JAVA_INT);
            MemorySegment min = arena.allocate(JAVA_INT);
            check("nvrtcVersion", (int) version.invokeExact(maj, min));
            major = maj.get(JAVA_INT, 0);
            minor = min.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The NVRTC found by the default search (see the class comment); the same instance on every call. */
    public static Nvrtc load() {
        return load((Path) null);
    }

    /**
     * The NVRTC at {@code explicit} when it is not null (only that file is tried), else the default search, preferring
     * {@code libnvrtc.so.12} first where {@code preferMajor} is 12 (a CUDA 12 driver cannot load CUDA 13 PTX).
     */
    public static Nvrtc load(Path explicit, int preferMajor) {
        return load(candidates(explicit, preferMajor));
    }

    /** The first of {@code candidates} that loads, or a {@link DeviceException} listing every one and why it failed. */
    static Nvrtc load(List<Candidate> candidates) {
        List<String> failures = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.path != null && !Files.isRegularFile(c.path)) {
                failures.add(c.describe() + ": no such file");
                continue;
            }
            String key = c.path != null ? c.path.toAbsolutePath().normalize().toString() : c.name;
            synchronized (LOADED) {
                Nvrtc cached = LOADED.get(key);
                if (cached != null) return cached;
                SymbolLookup lookup;
                try {
                    if (c.path != null) {
                        preloadBuiltins(c.path.toAbsolutePath().getParent());
                        lookup = SymbolLookup.libraryLookup(c.path, Arena.global());
                    } else {
                        lookup = SymbolLookup.libraryLookup(c.name, Arena.global());
                    }
                } catch (IllegalArgumentException | IllegalCallerException e) {
                    failures.add(c.describe() + ": " + e.getMessage());
                    continue;
                }
                Nvrtc nvrtc = new Nvrtc(key, lookup);
                LOADED.put(key, nvrtc);
                return nvrtc;
            }
        }
        throw new DeviceException("NVRTC (NVIDIA's CUDA runtime compiler, libnvrtc.so.13 or .12) was not found; looked in:\n  "
                + String.join("\n  ", failures) + "\nSet -Dkiln.nvrtc or KILN_NVRTC to the library's path, or run"
                + " .ci/cuda-tools.sh to fetch it into ~/.cache/kiln/cuda.");
    }

    /** {@link #load(Path, int)} preferring CUDA 13. */
    public static Nvrtc load(Path explicit) {
        return load(explicit, 13);
    }

    /** One place to look: a file {@code path} (named by {@code setting}, or null) or a soname for the loader. */
    record Candidate(String setting, Path path, String name) {
        String describe() {
            return path != null ? path + (setting == null ? "" : " (from " + setting + ")") : name + " (by name: LD_LIBRARY_PATH, ld.so cache)";
        }
    }

    /** Where {@link #load(Path, int)} looks, in order. */
    static List<Candidate> candidates(Path explicit, int preferMajor) {
        if (explicit != null) return List.of(new Candidate("the path given", explicit, null));
        String property = System.getProperty("kiln.nvrtc");
        if (property != null && !property.isBlank()) return List.of(new Candidate("-Dkiln.nvrtc", Path.of(property.strip()), null));
        String env = System.getenv("KILN_NVRTC");
        if (env != null && !env.isBlank()) return List.of(new Candidate("KILN_NVRTC", Path.of(env.strip()), null));
        List<String> names = new ArrayList<>(Arrays.asList(SONAMES));
        if (preferMajor == 12) names = List.of("libnvrtc.so.12", "libnvrtc.so.13");
        List<Candidate> list = new ArrayList<>();
        for (String n : names) list.add(new Candidate(null, null, n));
        for (String n : names) list.add(new Candidate(null, Path.of("/usr/local/cuda/lib64", n), null));
        list.add(new Candidate(null, CudaTools.home().resolve("nvidia/cu13/lib/libnvrtc.so.13"), null));
        return list;
    }

    /** Loads {@code libnvrtc-builtins.so.*} from {@code folder} into the process (never unloaded), if there is one. */
    private static void preloadBuiltins(Path folder) {
        if (folder == null) return;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("libnvrtc-builtins.so.")).sorted().toList()) {
                try {
                    SymbolLookup.libraryLookup(p, Arena.global());
                } catch (IllegalArgumentException ignored) {
                    // NVRTC will then report error 7 with its own message, which names the file it wanted.
                }
            }
        } catch (IOException ignored) {
            // An unreadable folder: the library load that follows reports the problem.
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new DeviceException(
                "NVRTC library has no symbol " + name + " (too old? Kiln needs NVRTC 12 or 13)"));
        return linker.downcallHandle(symbol, fd);
    }

    /** The library file (or soname) this instance was loaded from. */
    public String library() { return library; }

    public int major() { return major; }

    public int minor() { return minor; }

    /** "13.0". */
    public String version() { return major + "." + minor; }

    /** How many programs this instance has compiled (cache hits do not count). */
    public long compileCount() { return compiles.get(); }

    /** The virtual architectures this NVRTC can target, as compute capabilities ×10 (75, 80, ..., 120), ascending. */
    public int[] supportedArchs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            check("nvrtcGetNumSupportedArchs", (int) getNumSupportedArchs.invokeExact(count));
            int n = count.get(JAVA_INT, 0);
            MemorySegment archs = arena.allocate(JAVA_INT, Math.max(1, n));
            check("nvrtcGetSupportedArchs", (int) getSupportedArchs.invokeExact(archs));
            int[] result = archs.asSlice(0, 4L * n).toArray(JAVA_INT);
            Arrays.sort(result);
            return result;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Compiles CUDA C {@code source} (already with its prelude) for {@code arch} ({@code "compute_90"}) and returns the
     * PTX. A source that does not compile throws a {@link DeviceException} with {@code name} and NVRTC's log.
     */
    public String compile(String name, String source, String arch, List<String> extraOptions) {
        List<String> options = new ArrayList<>();
        options.add("--gpu-architecture=" + arch);
        options.addAll(extraOptions);
        compiles.incrementAndGet();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment progOut = arena.allocate(ADDRESS);
            check("nvrtcCreateProgram", (int) createProgram.invokeExact(progOut, arena.allocateFrom(source),
                    arena.allocateFrom(name + ".cu"), 0, MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                MemorySegment opts = arena.allocate(ADDRESS, options.size());
                for (int i = 0; i < options.size(); i++) opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                int rc = (int) compileProgram.invokeExact(prog, options.size(), opts);
                if (rc != 0) {
                    String log = programLog(arena, prog);
                    String hint = rc == 7 ? " (NVRTC could not open libnvrtc-builtins: put it beside " + library
                            + " or its folder on LD_LIBRARY_PATH)" : "";
                    throw new DeviceException("CUDA program '" + name + "' does not compile for " + arch + " (NVRTC "
                            + version() + ", " + errorString(rc) + hint + "):\n" + log.strip());
                }
                MemorySegment size = arena.allocate(JAVA_LONG);
                check("nvrtcGetPTXSize", (int) getPtxSize.invokeExact(prog, size));
                MemorySegment ptx = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
                check("nvrtcGetPTX", (int) getPtx.invokeExact(prog, ptx));
                return ptx.getString(0, StandardCharsets.UTF_8);
            } finally {
                progOut.set(ADDRESS, 0, prog);
                int ignored = (int) destroyProgram.invokeExact(progOut);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private String programLog(Arena arena, MemorySegment prog) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        if ((int) getProgramLogSize.invokeExact(prog, size) != 0) return "(no log)";
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1) return "(empty log)";
        MemorySegment log = arena.allocate(n);
        if ((int) getProgramLog.invokeExact(prog, log) != 0) return "(no log)";
        return log.getString(0, StandardCharsets.UTF_8);
    }

    /** NVRTC's name for result code {@code rc}, e.g. "NVRTC_ERROR_COMPILATION", with the number. */
    public String errorString(int rc) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(rc);
            String text = s.equals(MemorySegment.NULL) ? "unknown" : s.reinterpret(Long.MAX_VALUE).getString(0);
            return text + " (" + rc + ")";
        } catch (Throwable t) {
            return "NVRTC error " + rc;
        }
    }

    private void check(String call, int rc) {
        if (rc != 0) throw new DeviceException(call + " failed: " + errorString(rc) + " [" + library + "]");
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new DeviceException("native call failed: " + t, t);
    }

    @Override
    public String toString() { return "NVRTC " + version() + " (" + library + ")"; }
}
