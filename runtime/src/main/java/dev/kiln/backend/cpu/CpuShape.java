package dev.kiln.backend.cpu;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import jdk.incubator.vector.FloatVector;

/**
 * The shape of this machine as the CPU kernels see it, chosen once at start-up: the vector width
 * the JVM prefers, how many vector registers the compiled code may use, the cores, and from those
 * the GEMM register tile (MR rows x NV vectors of accumulators) and cache blocking (KC x MC of A,
 * KC x NC of B).
 *
 * <p>The tile follows the register count: with 16 registers (AVX2, SSE) 3 x 3 vectors (9
 * accumulators, 3 B vectors and 3 broadcasts live together), with 32 (AVX-512, NEON, SVE)
 * 12 x 2 vectors (24 accumulators, 2 B vectors, broadcasts). Either keeps at least eight
 * independent FMA chains in flight, enough for two FMA units of four cycles' latency. KC is the
 * depth a B sliver (KC x NR) fits in about 3/4 of L1 (256 on Zen 3 and Sapphire Rapids; 256, 384
 * and 512 measured alike at 1024 and 2048 on the latter), MC sizes a packed A block (MC x KC) to
 * about a quarter of L2, and NC bounds the packed B panel (KC x NC), which the kernels then take in
 * column blocks of half of L2.
 *
 * <p>Overrides, for tuning and for tests: {@code -Dkiln.cpu.vectorBits=128|256|512},
 * {@code -Dkiln.cpu.registers=16|32} pick another tile's logic on any machine (a 512-bit species
 * on AVX2 hardware runs, slowly, but correctly); {@code -Dkiln.cpu.kc}, {@code kiln.cpu.mc},
 * {@code kiln.cpu.nc} set the blocking.
 *
 * @param vectorBits width of the species the kernels use (128, 256 or 512)
 * @param registers vector registers the tile is sized for (16 or 32)
 * @param cores processors available to the JVM
 * @param mr rows of the register tile
 * @param vectors vectors across the register tile, so NR = vectors x lanes
 * @param kc depth of a packed block (the k extent of a B sliver and an A block)
 * @param mc rows of a packed A block, a multiple of {@code mr}
 * @param nc columns of a packed B panel, a multiple of the float32 NR
 * @param l1d per-core level 1 data cache size in bytes, which KC was derived from
 * @param l2 per-core level 2 cache size in bytes, which MC, the unpacked limit and the column blocks follow
 * @param flags the CPU's vector-related feature flags, for the report
 */
public record CpuShape(int vectorBits, int registers, int cores, int mr, int vectors,
                       int kc, int mc, int nc, int l1d, int l2, String flags) {

    private static final CpuShape CURRENT = detect();

    public CpuShape {
        if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
            throw new IllegalArgumentException("vector width " + vectorBits + " bits; 128, 256 or 512 supported");
        }
        if (mr < 1 || vectors < 1 || kc < 1 || mc < mr || mc % mr != 0 || nc < floatNr(vectorBits, vectors)
                || nc % floatNr(vectorBits, vectors) != 0) {
            throw new IllegalArgumentException("inconsistent blocking: " + mr + "x" + vectors + " kc=" + kc
                    + " mc=" + mc + " nc=" + nc);
        }
    }

    /** The shape chosen for this JVM at start-up. */
    public static CpuShape current() {
        return CURRENT;
    }

    /** float32 lanes in one vector. */
    public int floatLanes() {
        return vectorBits / 32;
    }

    /** Columns of the float32 register tile. */
    public int nr() {
        return floatNr(vectorBits, vectors);
    }

    /** Columns of the float64 register tile: half as many lanes per vector. */
    public int doubleNr() {
        return vectors * vectorBits / 64;
    }

    /** The float32 register tile as rows x columns, e.g. {@code 12x32}. */
    public String tile() {
        return mr + "x" + nr();
    }

    private static int floatNr(int bits, int vectors) {
        return vectors * bits / 32;
    }

    /**
     * The shape for a given species width and register count on this machine's caches and cores:
     * the factory tests use to check every tile the code can pick, whatever the hardware prefers.
     */
    static CpuShape of(int vectorBits, int registers) {
        return of(vectorBits, registers, Runtime.getRuntime().availableProcessors(), 0, 0, 0,
                cacheSize(1), cacheSize(2), "");
    }

    /** As {@link #of(int, int)} with explicit blocking; 0 picks the default for each of kc, mc, nc. */
    static CpuShape of(int vectorBits, int registers, int cores, int kc, int mc, int nc,
                       int l1d, int l2, String flags) {
        int mr = registers >= 32 ? 12 : 3;
        int vectors = registers >= 32 ? 2 : 3;
        int nr = floatNr(vectorBits, vectors);
        if (kc <= 0) {
            // A B sliver (kc x NR floats) in about 3/4 of L1, in steps of 64, between 128 and 512.
            kc = Math.clamp((long) l1d * 3 / 4 / (nr * 4) / 64 * 64, 128, 512);
        }
        if (mc <= 0) {
            // The A block (mc x kc floats) in about a quarter of L2.
            mc = Math.clamp((long) l2 / 4 / (kc * 4) / mr * mr, mr * 4, mr * 40);
        }
        mc = Math.max(mr, mc / mr * mr);
        if (nc <= 0) nc = 4096;
        nc = Math.max(nr, nc / nr * nr);
        return new CpuShape(vectorBits, registers, cores, mr, vectors, kc, mc, nc, l1d, l2, flags);
    }

    /** This shape with another register tile and the same blocking (mc and nc rounded to the new tile). */
    CpuShape withTile(int mr, int vectors) {
        int nr = floatNr(vectorBits, vectors);
        return new CpuShape(vectorBits, registers, cores, mr, vectors, kc, Math.max(mr, mc / mr * mr),
                Math.max(nr, nc / nr * nr), l1d, l2, flags);
    }

    private static CpuShape detect() {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = Integer.getInteger("kiln.cpu.vectorBits", Math.clamp(preferred, 128, 512));
        String flags = cpuFlags();
        int registers = Integer.getInteger("kiln.cpu.registers", registers(preferred, flags));
        return of(bits, registers, Runtime.getRuntime().availableProcessors(),
                Integer.getInteger("kiln.cpu.kc", 0), Integer.getInteger("kiln.cpu.mc", 0),
                Integer.getInteger("kiln.cpu.nc", 0), cacheSize(1), cacheSize(2), flags);
    }

    /**
     * Vector registers C2 allocates from: 32 on x86 when it emits AVX-512 (EVEX) code, which a
     * 512-bit preferred species or {@code UseAVX=3} shows, 16 on x86 otherwise, 32 on AArch64.
     */
    private static int registers(int preferredBits, String flags) {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.contains("aarch64") || arch.contains("arm64")) return 32;
        if (preferredBits >= 512) return 32;
        String useAvx = vmOption("UseAVX");
        if (useAvx != null) return Integer.parseInt(useAvx) >= 3 ? 32 : 16;
        return flags.contains("avx512vl") ? 32 : 16;
    }

    private static String vmOption(String name) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? null : bean.getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) {
            return null; // not HotSpot, or no such flag on this platform
        }
    }

    /** The vector-related flags of /proc/cpuinfo (avx2, fma, avx512f, ...), or "" where not readable. */
    private static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags") || line.startsWith("Features")) {
                    Set<String> keep = new TreeSet<>();
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (f.equals("fma") || f.equals("avx2") || f.equals("asimd") || f.equals("sve")
                                || f.equals("avx512f") || f.equals("avx512vl")) {
                            keep.add(f);
                        }
                    }
                    return String.join(",", keep);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the report simply has no flags
        }
        return "";
    }

    /**
     * Per-core data (level 1) or unified (level 2) cache size from sysfs, with Zen 3's 32 KiB and
     * 512 KiB where that is not readable.
     */
    private static int cacheSize(int level) {
        int fallback = level == 1 ? 32 << 10 : 512 << 10;
        try (var dirs = Files.list(Path.of("/sys/devices/system/cpu/cpu0/cache"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                if (!d.getFileName().toString().startsWith("index")) continue;
                int lvl = Integer.parseInt(Files.readString(d.resolve("level")).trim());
                String type = Files.readString(d.resolve("type")).trim();
                if (lvl != level || type.equals("Instruction")) continue;
                String size = Files.readString(d.resolve("size")).trim().toUpperCase(Locale.ROOT);
                int mult = size.endsWith("K") ? 1 << 10 : size.endsWith("M") ? 1 << 20 : 1;
                String digits = size.replaceAll("[^0-9]", "");
                return digits.isEmpty() ? fallback : Integer.parseInt(digits) * mult;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no cache information in this VM
        }
        return fallback;
    }
}
