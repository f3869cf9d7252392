package dev.kiln.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PTX compiled by NVRTC, kept on disk so a program is compiled once per machine: a file per (SHA-256 of the source
 * and the compile options, architecture, NVRTC version), e.g. {@code 3fa4...-compute_90-nvrtc13.0.ptx}. Entries are
 * written to a temporary file in the same folder and renamed into place atomically, so concurrent JVMs never read a
 * partial file. The folder is {@code -Dkiln.ptx.cache}, default {@code ~/.cache/kiln/ptx}. A folder that cannot be
 * written only costs recompiles.
 */
public final class PtxCache {
    private static final System.Logger LOG = System.getLogger(PtxCache.class.getName());

    private final Path dir;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public PtxCache(Path dir) {
        this.dir = dir;
    }

    /** The cache in {@code -Dkiln.ptx.cache}, else {@code ~/.cache/kiln/ptx}. */
    public static PtxCache defaultCache() {
        String property = System.getProperty("kiln.ptx.cache");
        Path dir = property != null && !property.isBlank()
                ? Path.of(property.strip())
                : Path.of(System.getProperty("user.home"), ".cache", "kiln", "ptx");
        return new PtxCache(dir);
    }

    public Path dir() { return dir; }

    public long hits() { return hits.get(); }

    public long misses() { return misses.get(); }

    /** The cache file for this source, architecture, options and NVRTC version. */
    public Path file(String source, String arch, List<String> options, String nvrtcVersion) {
        return dir.resolve(sha256(source + "\0" + String.join("\0", options)) + "-" + arch + "-nvrtc" + nvrtcVersion + ".ptx");
    }

    /**
     * The PTX of {@code source} (with its prelude) for {@code arch}: from the cache, else compiled by {@code nvrtc}
     * and stored. A compile error throws and stores nothing.
     */
    public String ptx(Nvrtc nvrtc, String name, String source, String arch, List<String> options) {
        Path file = file(source, arch, options, nvrtc.version());
        try {
            if (Files.isRegularFile(file)) {
                String cached = Files.readString(file, StandardCharsets.UTF_8);
                if (looksLikePtx(cached)) {
                    hits.incrementAndGet();
                    return cached;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "PTX cache: cannot read " + file + ", recompiling", e);
        }
        misses.incrementAndGet();
        String ptx = nvrtc.compile(name, source, arch, options);
        store(file, ptx);
        return ptx;
    }

    private void store(Path file, String ptx) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, ptx, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "PTX cache: cannot write " + file + ": " + e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Left behind: a stray .tmp file, never read as an entry.
                }
            }
        }
    }

    private static boolean looksLikePtx(String text) {
        return text.contains(".version") && text.contains(".target") && text.stripTrailing().endsWith("}");
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
