package dev.kiln.distributed;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MPI binding and {@link Distributed}'s collectives, in real jobs of 2 and 3 processes under mpirun. */
class MpiTest {
    private static final Duration LIMIT = Duration.ofSeconds(40);

    @Test
    void collectivesOnTwoRanks() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "basic");
        assertEquals(0, r.exitCode(), r::describe);
        for (int rank = 0; rank < 2; rank++) {
            String out = r.output();
            assertTrue(out.contains("rank " + rank + ": size 2 thread level 3"), r::describe);
            assertTrue(out.contains("rank " + rank + ": average [0.5, 1.0, 1.5]"), r::describe);
            assertTrue(out.contains("rank " + rank + ": broadcast [3.5, -1.0]"), r::describe);
            assertTrue(out.contains("rank " + rank + ": sum [1.0, 2.0]"), r::describe);
            // MPI_ERRORS_RETURN: an invalid root is an exception naming the call, the rank and MPI's error string.
            assertTrue(out.contains("MPI_Bcast failed on rank " + rank + ": MPI_ERR_ROOT: invalid root (MPI error 8)"), r::describe);
            assertTrue(out.contains("rank " + rank + ": finalized"), r::describe);
        }
        // Batches of 4 of [9..3]: [9 8 | 7 6], [5 | 4 3].
        assertTrue(r.output().contains("rank 0: shard [9, 8, 5]"), r::describe);
        assertTrue(r.output().contains("rank 1: shard [7, 6, 4, 3]"), r::describe);
    }

    @Test
    void unevenShardsOnThreeRanks() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(3, LIMIT, Map.of(), MpiProbe.class.getName(), "basic");
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("rank 2: average [1.0, 1.0, 2.5]"), r::describe);
        assertTrue(r.output().contains("rank 2: sum [3.0, 3.0]"), r::describe);
        // [9 | 8 | 7 6], [5 | 4 | 3]
        assertTrue(r.output().contains("rank 0: shard [9, 5]"), r::describe);
        assertTrue(r.output().contains("rank 1: shard [8, 4]"), r::describe);
        assertTrue(r.output().contains("rank 2: shard [7, 6, 3]"), r::describe);
    }

    @Test
    void aHungRankEndsTheJobAtTheTimeoutNamingTheRanks() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of("KILN_MPI_TIMEOUT", "3"), MpiProbe.class.getName(), "hang");
        assertFalse(r.timedOut(), r::describe);
        assertNotEquals(0, r.exitCode(), r::describe);
        assertTrue(r.seconds() < 20, r::describe);
        assertTrue(r.output().matches("(?s).*kiln: rank 0 of 2 \\(.*\\): MPI_Allreduce of the gradients of step 3 of epoch 1, 1000 floats "
                + "\\(collective #4\\) has not completed after 3\\.\\d s.*"), r::describe);
        // mpirun then ends rank 1, which says where it was: outside MPI, the rank the others waited for.
        assertTrue(r.output().matches("(?s).*kiln: rank 1 of 2 \\(.*\\): ending without MPI_Finalize outside MPI.*"), r::describe);
    }

    @Test
    void aKilledRankEndsTheJob() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of("KILN_MPI_TIMEOUT", "10"), MpiProbe.class.getName(), "kill");
        assertFalse(r.timedOut(), r::describe);
        assertNotEquals(0, r.exitCode(), r::describe);
        assertTrue(r.seconds() < 15, r::describe);
        assertTrue(r.output().contains("process rank 1") && r.output().contains("signal 9"), r::describe);
    }

    @Test
    void anExceptionOnOneRankAbortsTheJobAtOnce() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of(), MpiProbe.class.getName(), "fail");
        assertEquals(1, r.exitCode(), r::describe); // MPI_Abort's code
        assertTrue(r.seconds() < 15, r::describe);
        assertTrue(r.output().contains("kiln: rank 1 of 2 ("), r::describe);
        assertTrue(r.output().contains("failed: java.lang.IllegalStateException: rank 1 cannot go on"), r::describe);
    }

    @Test
    void aLibraryThatIsNotOpenMpiIsRefusedWithTheReason() throws Exception {
        Path libm = List.of(Path.of("/lib/x86_64-linux-gnu/libm.so.6"), Path.of("/usr/lib64/libm.so.6"), Path.of("/lib64/libm.so.6"))
                .stream().filter(java.nio.file.Files::exists).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(libm != null, "no libm.so.6 to stand in for a foreign MPI library");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                MpiProbe.class.getName(), "init").redirectErrorStream(true);
        pb.environment().put("OMPI_COMM_WORLD_SIZE", "2");
        pb.environment().put("KILN_LIBMPI", libm.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        assertTrue(out.contains("MpiException: " + libm + " is not Open MPI: Kiln's binding speaks Open MPI's ABI"), out);

        pb.environment().put("KILN_LIBMPI", "/nowhere/libmpi.so.40");
        p = pb.start();
        out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        assertTrue(out.contains("MpiException: cannot load /nowhere/libmpi.so.40 (KILN_LIBMPI)"), out);
        assertTrue(out.contains("apt-get install -y openmpi-bin libopenmpi-dev"), out);
    }

    @Test
    void theEagerTrainerOnTwoRanksTrainsWhatOneProcessTrains(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        MpiJob.assumeMpirun();
        Path out = tmp.resolve("eager.f32");
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of(), EagerProbe.class.getName(), out.toString());
        assertEquals(0, r.exitCode(), r::describe);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(out)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] distributed = new float[b.remaining() / 4];
        b.asFloatBuffer().get(distributed);
        float[] alone = EagerProbe.flatten(EagerProbe.train(null, false, 11));
        assertEquals(alone.length, distributed.length);
        for (int i = 0; i < alone.length; i++) {
            assertEquals(alone[i], distributed[i], 1e-5 + 1e-4 * Math.abs(alone[i]), "parameter " + i + "\n" + r.describe());
        }
        assertEquals(checksum(r, 0), checksum(r, 1), r::describe);
    }

    @Test
    void batchNormBuffersAgreeOnThreeRanks(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(3, LIMIT, Map.of(), EagerProbe.class.getName(), tmp.resolve("bn.f32").toString(), "bn");
        assertEquals(0, r.exitCode(), r::describe);
        assertEquals(checksum(r, 0), checksum(r, 1), r::describe);
        assertEquals(checksum(r, 0), checksum(r, 2), r::describe);
    }

    private static String checksum(MpiJob.Result r, int rank) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("rank " + rank + " checksum (-?\\d+)").matcher(r.output());
        assertTrue(m.find(), r::describe);
        return m.group(1);
    }

    @Test
    void withoutMpirunAJobOfOneProcess() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Distributed.underMpirun());
        try (Distributed d = Distributed.init()) {
            assertEquals(0, d.rank());
            assertEquals(1, d.size());
            assertTrue(d.isMain());
            float[] g = {2, 4};
            d.sumGradients(g, 0.5f, new double[] {1, 2});
            assertArrayEquals(new float[] {1, 2}, g);
            d.averageGradients(g);
            assertArrayEquals(new float[] {1, 2}, g);
            assertArrayEquals(new int[] {3, 1, 2}, d.shard(new int[] {3, 1, 2}));
            d.barrier();
        }
    }
}
