package dev.kiln.samples;

import dev.kiln.runtime.VectorApi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sample started without {@code --add-modules jdk.incubator.vector} stops with an error naming the flag: the compiled
 * one when its data is loaded (a tensor) or in the generated model's {@code create} ({@link CreateProbe}), the eager one when
 * the first tensor is made.
 */
class WithoutVectorApiTest {
    @ParameterizedTest
    @ValueSource(strings = {"dev.kiln.samples.PhonePriceCompiled", "dev.kiln.samples.LinearRegression", "dev.kiln.samples.CreateProbe"})
    void theSampleSaysWhichFlagIsMissing(String mainClass) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), mainClass);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) p.destroyForcibly();
        assertNotEquals(0, p.exitValue(), output);
        assertTrue(output.contains("java.lang.IllegalStateException: " + VectorApi.MESSAGE), output);
        assertFalse(output.contains("NoClassDefFoundError"), output);
    }
}
