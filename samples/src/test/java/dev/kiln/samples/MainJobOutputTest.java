package dev.kiln.samples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's main job as a user runs it, in a JVM of its own whose output is a pipe (no terminal), with a temp
 * folder and a working directory of the test's: it names every file it writes, leaves nothing in the temp folder,
 * and logs a line per epoch rather than a progress line per tenth of every epoch.
 */
class MainJobOutputTest {
    @Test
    void namesItsFilesCleansUpAndLogsALinePerEpoch(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                PhonePriceCompiled.class.getName());
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly();
        assertEquals(0, p.exitValue(), output);
        List<String> lines = output.lines().filter(l -> !l.startsWith("WARNING")).toList();

        Path png = dir.resolve("target/phone-price-compiled-curves.png").toAbsolutePath();
        assertTrue(lines.contains("wrote " + png), output);
        assertTrue(Files.size(png) > 0);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("checkpoints of the best epoch go to " + tmp.toAbsolutePath())), output);
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "the temp folder after the run");
        }

        assertEquals(PhonePriceCompiled.EPOCHS, lines.stream().filter(l -> l.matches("epoch +\\d+/\\d+  loss .*")).count(), output);
        assertFalse(output.contains("[=="), "no per-batch progress lines in a log:\n" + output);
        assertTrue(lines.size() < 70, lines.size() + " lines:\n" + output);
        assertTrue(lines.getLast().startsWith("{\"sample\":\"phone-price-compiled\""), lines.getLast());
    }
}
