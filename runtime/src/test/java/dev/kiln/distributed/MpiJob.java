package dev.kiln.distributed;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starts a real multi-process job from a test: {@code mpirun --allow-run-as-root --oversubscribe -np N java ... MAIN ARGS},
 * each rank a JVM with this JVM's java, class path and Kiln's flags. A test without {@code mpirun} on the PATH is skipped
 * with a message saying how to install it.
 */
public final class MpiJob {
    public static final String INSTALL = "mpirun (Open MPI) is not on the PATH: install it with "
            + "`apt-get install -y openmpi-bin libopenmpi-dev` (Debian/Ubuntu) to run the multi-process tests";

    private MpiJob() {}

    /** What a job printed (stdout and stderr together), how it ended and how long it took. */
    public record Result(int exitCode, String output, double seconds, boolean timedOut) {
        public String describe() { return "exit " + exitCode + (timedOut ? " (timed out)" : "") + " after " + seconds + " s:\n" + output; }
    }

    /** The path of {@code mpirun}, or null where it is not on the PATH. */
    public static Path mpirun() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Skips the calling test where {@code mpirun} is missing. */
    public static void assumeMpirun() { assumeTrue(mpirun() != null, INSTALL); }

    /** Runs {@code main} on {@code np} ranks; kills the job and reports a time-out after {@code limit}. */
    public static Result run(int np, Duration limit, Map<String, String> env, String main, String... args) throws IOException, InterruptedException {
        return run(np, limit, env, List.of(), main, args);
    }

    public static Result run(int np, Duration limit, Map<String, String> env, List<String> mpirunOptions, String main, String... args)
            throws IOException, InterruptedException {
        Path mpirun = mpirun();
        if (mpirun == null) throw new IllegalStateException(INSTALL);
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(), "--allow-run-as-root", "--oversubscribe", "-np", String.valueOf(np)));
        // Waiting ranks yield their processor instead of polling it: the tests share two cores with other work.
        cmd.addAll(List.of("--mca", "mpi_yield_when_idle", "1"));
        cmd.addAll(mpirunOptions);
        for (String k : env.keySet()) cmd.addAll(List.of("-x", k));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xmx1g", "-Xss8m", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile("kiln-mpi-job", ".log");
        pb.redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        double seconds = Math.round((System.nanoTime() - t0) / 1e7) / 100.0;
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        // The JDK's one-line note on the incubating Vector API, once per rank: noise in the assertions' messages.
        out = out.replaceAll("(?m)^WARNING: Using incubator modules: jdk.incubator.vector\\R", "");
        return new Result(done ? p.exitValue() : -1, out, seconds, !done);
    }
}
