package dev.kiln.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without {@code --add-modules jdk.incubator.vector} the entry points fail with an error naming the flag, not with
 * {@code NoClassDefFoundError: jdk/incubator/vector/FloatVector} in a kernel's static initialiser.
 */
class VectorApiTest {
    @Test
    void theTestJvmHasTheVectorApi() {
        assertTrue(VectorApi.present());
        VectorApi.require();
    }

    @ParameterizedTest
    @ValueSource(strings = {"torch", "tensor", "trainer"})
    void anEntryPointWithoutTheFlagNamesIt(String entry) throws Exception {
        Result r = runWithoutVectorApi(VectorApiProbe.class.getName(), entry);
        assertTrue(r.output.contains("java.lang.IllegalStateException: " + VectorApi.MESSAGE), r.output);
        assertFalse(r.output.contains("NoClassDefFoundError: jdk/incubator"), r.output);
        assertTrue(r.exitCode != 0, r.output);
    }

    /** Output and exit code of {@code mainClass args} in a JVM on this test's class path, without the Vector API. */
    public static Result runWithoutVectorApi(String mainClass, String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) p.destroyForcibly();
        return new Result(p.exitValue(), output);
    }

    public record Result(int exitCode, String output) {}

    @Test
    void theMessageNamesBothFlags() {
        assertEquals("Kiln needs the Vector API: add --add-modules jdk.incubator.vector to the java command "
                + "(and --enable-native-access=ALL-UNNAMED for devices)", VectorApi.MESSAGE);
    }
}
