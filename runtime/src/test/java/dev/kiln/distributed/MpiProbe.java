package dev.kiln.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * One rank of {@link MpiTest}'s jobs: exercises the binding and prints one line per check ({@code rank R: ...}).
 * Modes: {@code basic} (rank/size, allreduce, broadcast, barrier, an MPI error), {@code hang} (rank 1 stops calling
 * collectives; the others time out), {@code fail} (rank 1 throws inside {@link Distributed#run}).
 */
public final class MpiProbe {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "basic";
        switch (mode) {
            case "basic" -> basic();
            case "hang" -> hang(false);
            case "kill" -> hang(true);
            case "fail" -> Distributed.run(d -> {
                d.barrier();
                if (d.rank() == 1) throw new IllegalStateException("rank 1 cannot go on");
                d.barrier();
            });
            case "bench" -> { // allreduce of N floats (default: the Fashion-MNIST CNN's 421,642), median of 50
                int n = args.length > 1 ? Integer.parseInt(args[1]) : 421_642;
                Distributed d = Distributed.init();
                float[] g = new float[n];
                long[] ns = new long[50];
                for (int i = -10; i < ns.length; i++) {
                    d.barrier();
                    long t0 = System.nanoTime();
                    d.averageGradients(g);
                    if (i >= 0) ns[i] = System.nanoTime() - t0;
                }
                Arrays.sort(ns);
                if (d.isMain()) System.out.printf(Locale.ROOT, "allreduce of %d floats on %d ranks: median %.3f ms, min %.3f ms%n", n, d.size(),
                        ns[ns.length / 2] / 1e6, ns[0] / 1e6);
                d.close();
            }
            case "init" -> {
                try (Distributed d = Distributed.init()) {
                    System.out.println("joined " + d);
                } catch (MpiException e) {
                    System.out.println("MpiException: " + e.getMessage());
                }
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }

    private static void basic() {
        Distributed d = Distributed.init(Duration.ofSeconds(20));
        int r = d.rank(), n = d.size();
        System.out.println("rank " + r + ": size " + n + " thread level " + d.threadLevel());
        float[] g = {r, 1, 2 * r + 0.5f};
        d.averageGradients(g);
        System.out.println("rank " + r + ": average " + Arrays.toString(g));
        float[] b = r == 0 ? new float[] {3.5f, -1f} : new float[2];
        d.broadcast(b);
        System.out.println("rank " + r + ": broadcast " + Arrays.toString(b));
        double[] s = {r, 1};
        d.sum(s);
        System.out.println("rank " + r + ": sum " + Arrays.toString(s));
        d.barrier();
        // An invalid root: with MPI_ERRORS_RETURN the call returns MPI_ERR_ROOT instead of aborting the job.
        Mpi mpi = Mpi.load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(JAVA_FLOAT, 1);
            mpi.broadcastBytes(buf, 4, n + 5);
            System.out.println("rank " + r + ": no error");
        } catch (MpiException e) {
            System.out.println("rank " + r + ": error " + e.call() + " | " + e.getMessage());
        }
        System.out.println(String.format(Locale.ROOT, "rank %d: shard %s", r, Arrays.toString(d.shard(new int[] {9, 8, 7, 6, 5, 4, 3}, 4))));
        d.close();
        System.out.println("rank " + r + ": finalized");
    }

    private static void hang(boolean kill) throws Exception {
        Distributed d = Distributed.init();
        d.barrier();
        float[] g = new float[1000];
        for (int step = 1; step <= 5; step++) {
            if (d.rank() == 1 && step == 3 && kill) {
                System.out.println("rank 1: kill -9 itself at step 3");
                System.out.flush();
                new ProcessBuilder("kill", "-9", String.valueOf(ProcessHandle.current().pid())).inheritIO().start().waitFor();
            }
            if (d.rank() == 1 && step == 3) {
                System.out.println("rank 1: stops calling collectives at step 3");
                Thread.sleep(600_000);
            }
            d.averageGradients(g);
        }
        d.close();
    }
}
