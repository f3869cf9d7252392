package dev.kiln.samples.compiled;

import com.sun.management.ThreadMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Heap bytes that training steps allocate once warm, counted exactly: in a child JVM that interprets every bytecode
 * ({@code -Xint}) and runs the scalar kernels ({@code kiln.compiled.scalar}, {@code kiln.cpu.scalar}).
 *
 * <p>Why not in the test's own JVM: there the count measured the JIT, not the step. The Vector API boxes every
 * vector that C2 has not compiled (yet, or at all where it declined to inline a call), and how soon and in which
 * order C2 compiles depends on what else the machine runs: with two busy processes beside it the Fashion-MNIST CNN's
 * step reported 26,542,080 bytes (the optimizer's loop still in C1) after 20 s of warm-up, and after minutes still
 * 1,280 bytes a step in one compile order out of several. Interpreted scalar code allocates exactly what the step's
 * code asks for, on any machine and under any load, so a buffer or object allocated per step fails this check.
 */
final class WarmAllocation {
    private WarmAllocation() {}

    /** Bytes that three steps of {@code probe} (an {@link AllocationProbe} case) allocate after two warm-up steps. */
    static long ofSteps(String probe) {
        String javaHome = System.getProperty("java.home");
        List<String> command = new ArrayList<>(List.of(Path.of(javaHome, "bin", "java").toString(), "-Xint",
                "-Dkiln.compiled.scalar=true", "-Dkiln.cpu.scalar=true", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                AllocationProbe.class.getName(), probe));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) p.destroyForcibly();
            String last = output.strip().lines().reduce((a, b) -> b).orElse("");
            if (p.exitValue() != 0 || !last.startsWith("allocated ")) {
                throw new AssertionError("allocation probe " + probe + " failed (exit " + p.exitValue() + "):\n" + output);
            }
            return Long.parseLong(last.substring("allocated ".length()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the allocation probe's JVM", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Bytes that three runs of {@code step} allocate on this thread and on the {@code kiln-second-core} thread (where
     * a step uses it), after two runs that size the buffers and start the second core.
     */
    static long measure(Runnable step) {
        step.run();
        step.run();
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] tids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().equals("kiln-second-core"))
                .mapToLong(Thread::threadId).toArray();
        long before = allocated(mx, tids);
        for (int i = 0; i < 3; i++) step.run();
        return allocated(mx, tids) - before;
    }

    private static long allocated(ThreadMXBean mx, long[] tids) {
        long sum = 0;
        // One thread id per call: the array form would allocate its result on this thread.
        for (long tid : tids) sum += mx.getThreadAllocatedBytes(tid);
        return sum;
    }
}
