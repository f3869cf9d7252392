package dev.kiln.backend.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Assembles the library's one program from the {@code .kc} resources next to this class: the tile
 * {@code #define}s, {@code common.kc}, {@code gemm.kc} once per layout (with its name and transposes defined), and
 * the other kernels. Each file starts with a {@code #line} directive so compiler messages name it.
 */
final class KernelSource {
    /** The GEMM kernels, indexed by {@code (transA ? 2 : 0) + (transB ? 1 : 0)}. */
    static final String[] GEMM_NAMES = {"gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt"};

    private static final String[] OTHER_FILES = {"reduce.kc", "loss.kc", "update.kc"};

    private KernelSource() {}

    /** The whole library in the kernel dialect, without the backend's prelude. */
    static String library(Tiles tiles) {
        StringBuilder s = new StringBuilder(16 * 1024);
        s.append("/* Kiln kernel library, tiles ").append(tiles).append(" */\n").append(tiles.defines());
        append(s, "common.kc");
        String gemm = read("gemm.kc");
        for (int layout = 0; layout < GEMM_NAMES.length; layout++) {
            s.append("#define GEMM_NAME ").append(GEMM_NAMES[layout])
                    .append("\n#define TRANS_A ").append(layout >> 1)
                    .append("\n#define TRANS_B ").append(layout & 1).append('\n');
            s.append("#line 1 \"gemm.kc\"\n").append(gemm);
            s.append("\n#undef GEMM_NAME\n#undef TRANS_A\n#undef TRANS_B\n");
        }
        for (String file : OTHER_FILES) append(s, file);
        return s.toString();
    }

    private static void append(StringBuilder s, String file) {
        s.append("#line 1 \"").append(file).append("\"\n").append(read(file)).append('\n');
    }

    /**
     * A program of {@code files} (resources next to this class) for {@code tiles}: a title comment, the tile
     * {@code #define}s, then each file behind a {@code #line} directive so compiler messages name it.
     */
    static String assemble(String title, Tiles tiles, java.util.List<String> files) {
        StringBuilder s = new StringBuilder(24 * 1024);
        s.append("/* ").append(title).append(", tiles ").append(tiles).append(" */\n").append(tiles.defines());
        for (String file : files) append(s, file);
        return s.toString();
    }

    /** The text of kernel source {@code file}, a resource next to this class. */
    static String read(String file) {
        try (InputStream in = KernelSource.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + file + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + file, e);
        }
    }
}
