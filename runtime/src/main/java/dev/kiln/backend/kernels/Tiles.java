package dev.kiln.backend.kernels;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceContext;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The compile-time shape parameters of the kernel library, passed to the compiler as {@code #define}s.
 *
 * @param tm     rows of C per GEMM work-group
 * @param tn     columns of C per GEMM work-group
 * @param tk     depth in k of each shared-memory slice
 * @param rm     rows of each thread's register tile ({@code tm / rm} threads down a group)
 * @param rn     columns of each thread's register tile ({@code tn / rn} threads across)
 * @param reduce work-group size of the reductions, a power of two
 */
public record Tiles(int tm, int tn, int tk, int rm, int rn, int reduce) {
    /** For OpenCL on a CPU (PoCL, Intel's and AMD's CPU runtimes): 64-item groups, 32 x 32 tiles of C. */
    public static final Tiles CPU = new Tiles(32, 32, 8, 4, 4, 64);

    /** For GPUs: 256 threads computing 64 x 64 tiles of C, 4 x 4 each, from 16-deep slices (8 KiB of shared memory). */
    public static final Tiles GPU = new Tiles(64, 64, 16, 4, 4, 256);

    /** Device names of the GPUs an OpenCL platform may list; anything else gets {@link #CPU}'s safe small sizes. */
    private static final Pattern GPU_NAME = Pattern.compile(
            "nvidia|geforce|quadro|tesla|rtx|radeon|gfx\\d|instinct|intel\\(r\\) (uhd|hd|iris|arc|data center gpu)"
                    + "|mali|adreno|apple m\\d",
            Pattern.CASE_INSENSITIVE);

    public Tiles {
        if (tm <= 0 || tn <= 0 || tk <= 0 || rm <= 0 || rn <= 0) {
            throw new IllegalArgumentException("tile sizes must be positive: " + this);
        }
        if (tm % rm != 0 || tn % rn != 0) {
            throw new IllegalArgumentException("the register tile must divide the group tile: " + this);
        }
        if (Integer.bitCount(reduce) != 1 || reduce < 2 || reduce > 1024) {
            throw new IllegalArgumentException("the reduction group size must be a power of two in 2..1024: " + this);
        }
        if ((tm / rm) * (tn / rn) > 1024) {
            throw new IllegalArgumentException("more than 1024 GEMM threads per group: " + this);
        }
        if (4L * (tk * (tm + 1) + tk * (tn + 1)) > 32 * 1024) {
            throw new IllegalArgumentException("GEMM tiles need more than 32 KiB of shared memory: " + this);
        }
    }

    /** The default for {@code ctx}: {@link #GPU} for CUDA and OpenCL GPUs (known by name), else {@link #CPU}. */
    public static Tiles forDevice(DeviceContext ctx) {
        if (ctx.device().kind() == Device.Kind.CUDA) return GPU;
        return GPU_NAME.matcher(ctx.name().toLowerCase(Locale.ROOT)).find() ? GPU : CPU;
    }

    /** Threads across a GEMM work-group (dimension 0, over columns). */
    public int gemmTx() { return tn / rn; }

    /** Threads down a GEMM work-group (dimension 1, over rows). */
    public int gemmTy() { return tm / rm; }

    public int gemmThreads() { return gemmTx() * gemmTy(); }

    /** Columns per column-sum work-group; {@code reduce / colsX} row lanes sum each column. */
    public int colsX() { return Math.max(1, Math.min(32, reduce / 4)); }

    /** The {@code #define}s that open the library's source. */
    String defines() {
        return "#define TM " + tm + "\n#define TN " + tn + "\n#define TK " + tk + "\n#define RM " + rm
                + "\n#define RN " + rn + "\n#define RED " + reduce + "\n#define COLS_X " + colsX() + "\n";
    }
}
