package dev.kiln.samples;

import dev.kiln.compiled.Checkpoints;
import dev.kiln.distributed.Distributed;
import dev.kiln.distributed.MpiJob;
import dev.kiln.samples.compiled.KilnPhonePriceTanh;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Data-parallel training in real {@code mpirun} jobs of 2 and 3 processes (each a JVM): the reduced gradient is the
 * whole batch's, N processes train what one does, checkpoints move between job sizes, and a rank that dies or hangs
 * ends the job with an error naming it. Skipped, saying how to install Open MPI, without {@code mpirun} on the PATH.
 */
class DistributedTrainingTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir Path tmp;

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void theSummedGradientIsTheWholeBatchGradient(int ranks) throws Exception {
        MpiJob.assumeMpirun();
        Path out = tmp.resolve("grad.f32");
        MpiJob.Result r = MpiJob.run(ranks, LIMIT, Map.of(), DistributedProbe.class.getName(), "grad", out.toString());
        assertEquals(0, r.exitCode(), r::describe);
        float[] reduced = DistributedProbe.readFloats(out);

        PhonePriceData data = PhonePriceData.bundled();
        float[] whole = DistributedProbe.localGradient(KilnPhonePriceTanh.create(7), data.trainX().toFloatArray(),
                data.trainY().toFloat().toFloatArray(), 0, DistributedProbe.GRAD_ROWS);
        assertClose(whole, reduced, 1e-6, 1e-5, "gradient of " + DistributedProbe.GRAD_ROWS + " rows on " + ranks + " ranks");
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void nRanksTrainWhatOneProcessTrains(int ranks) throws Exception {
        MpiJob.assumeMpirun();
        Path out = tmp.resolve("fit.kiln");
        MpiJob.Result r = MpiJob.run(ranks, LIMIT, Map.of(), DistributedProbe.class.getName(), "fit", out.toString());
        assertEquals(0, r.exitCode(), r::describe);
        KilnPhonePriceTanh distributed = KilnPhonePriceTanh.create(0);
        Checkpoints.load(out, distributed);

        PhonePriceData data = PhonePriceData.bundled();
        KilnPhonePriceTanh alone = KilnPhonePriceTanh.create(7);
        DistributedProbe.trainer(alone, null).fit(Arrays.copyOf(data.trainX().toFloatArray(), DistributedProbe.FIT_SAMPLES * 20),
                Arrays.copyOf(data.trainY().toFloat().toFloatArray(), DistributedProbe.FIT_SAMPLES), DistributedProbe.FIT_EPOCHS,
                DistributedProbe.FIT_BATCH);
        assertClose(alone.parameterBuffer(), distributed.parameterBuffer(), 1e-5, 1e-4, "parameters after "
                + DistributedProbe.FIT_EPOCHS + " epochs on " + ranks + " ranks");
    }

    @Test
    void aDataLoaderFeedsTwoRanksAsItFeedsOneProcess() throws Exception {
        MpiJob.assumeMpirun();
        Path out = tmp.resolve("loader.kiln");
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of(), DistributedProbe.class.getName(), "loader", out.toString());
        assertEquals(0, r.exitCode(), r::describe);
        KilnPhonePriceTanh distributed = KilnPhonePriceTanh.create(0);
        Checkpoints.load(out, distributed);
        KilnPhonePriceTanh alone = KilnPhonePriceTanh.create(7);
        DistributedProbe.trainer(alone, null).fit(DistributedProbe.loader(PhonePriceData.bundled()), 2);
        assertClose(alone.parameterBuffer(), distributed.parameterBuffer(), 1e-5, 1e-4, "parameters after 2 DataLoader epochs on 2 ranks");
    }

    @Test
    void twoRanksReachOneRanksAccuracyOnThePhonePriceMlp() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of(), DistributedTrain.class.getName(), "phone", "5");
        assertEquals(0, r.exitCode(), r::describe);
        // Rank 0 alone prints: one line per epoch, one JSON line.
        assertEquals(1, count(r.output(), "epoch 1/5  loss"), r::describe);
        assertEquals(1, count(r.output(), "\"sample\":\"distributed-phone-price-mlp\""), r::describe);
        double twoRanks = number(r.output(), "test_accuracy");
        assertEquals(2, (int) number(r.output(), "ranks"), r::describe);

        DistributedTrain.Result one;
        try (Distributed alone = Distributed.init()) {
            one = DistributedTrain.train(alone, new String[] {"phone", "5", "--threads", "1"});
        }
        assertTrue(one.testAccuracy() > 0.85, "one process reached " + one.testAccuracy());
        assertEquals(one.testAccuracy(), twoRanks, 0.0051, () -> "1 rank " + one.testAccuracy() + ", 2 ranks " + twoRanks + "\n" + r.describe());
    }

    @Test
    void aCheckpointSavedByTwoRanksResumesOnThree() throws Exception {
        MpiJob.assumeMpirun();
        Path ckpt = tmp.resolve("best.kiln"), resumed = tmp.resolve("resumed.kiln");
        MpiJob.Result save = MpiJob.run(2, LIMIT, Map.of(), DistributedProbe.class.getName(), "save", ckpt.toString());
        assertEquals(0, save.exitCode(), save::describe);
        assertEquals(1, count(save.output(), "epoch 1/3  loss"), save::describe); // logged by rank 0 alone
        MpiJob.Result resume = MpiJob.run(3, LIMIT, Map.of(), DistributedProbe.class.getName(), "resume", ckpt.toString(), resumed.toString());
        assertEquals(0, resume.exitCode(), resume::describe);

        PhonePriceData data = PhonePriceData.bundled();
        float[] x = Arrays.copyOf(data.trainX().toFloatArray(), DistributedProbe.CKPT_SAMPLES * 20);
        float[] y = Arrays.copyOf(data.trainY().toFloat().toFloatArray(), DistributedProbe.CKPT_SAMPLES);
        Path aloneCkpt = tmp.resolve("alone.kiln");
        KilnPhonePriceTanh alone = KilnPhonePriceTanh.create(7);
        DistributedProbe.trainer(alone, null).checkpoint(aloneCkpt).fit(x, y, 3, 32);
        KilnPhonePriceTanh fromTwo = KilnPhonePriceTanh.create(0), fromOne = KilnPhonePriceTanh.create(0);
        Checkpoints.load(ckpt, fromTwo);
        Checkpoints.load(aloneCkpt, fromOne);
        assertClose(fromOne.parameterBuffer(), fromTwo.parameterBuffer(), 1e-5, 1e-4, "checkpoint of 2 ranks");

        // One process resuming from the same checkpoint (the 2 ranks') ends where the 3 ranks do.
        KilnPhonePriceTanh again = KilnPhonePriceTanh.create(1);
        Checkpoints.load(ckpt, again);
        DistributedProbe.trainer(again, null).fit(x, y, 2, 32);
        KilnPhonePriceTanh onThree = KilnPhonePriceTanh.create(0);
        Checkpoints.load(resumed, onThree);
        assertClose(again.parameterBuffer(), onThree.parameterBuffer(), 1e-5, 1e-4, "resumed on 3 ranks");
    }

    @Test
    void aRankKilledMidEpochEndsTheJobNamingIt() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of("KILN_MPI_TIMEOUT", "10"), DistributedProbe.class.getName(), "kill");
        assertFalse(r.timedOut(), r::describe);
        assertNotEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("rank 1: kill -9 itself at step 10 of epoch 2"), r::describe);
        assertTrue(r.output().contains("mpirun noticed that process rank 1") && r.output().contains("signal 9"), r::describe);
        // Rank 0, ended by mpirun, says where it was waiting.
        assertTrue(r.output().matches("(?s).*kiln: rank 0 of 2 \\(.*\\): ending without MPI_Finalize while in MPI_Allreduce of the "
                + "gradients of step 10 of epoch 2.*"), r::describe);
        assertTrue(seconds(r) < 25, r::describe);
    }

    @Test
    void aHungRankEndsTheJobAtTheTimeout() throws Exception {
        MpiJob.assumeMpirun();
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of("KILN_MPI_TIMEOUT", "3"), DistributedProbe.class.getName(), "hang");
        assertFalse(r.timedOut(), r::describe);
        assertNotEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().matches("(?s).*kiln: rank 0 of 2 \\(.*\\): MPI_Allreduce of the gradients of step 10 of epoch 2, "
                + "\\d+ floats \\(collective #\\d+\\) has not completed after 3\\.\\d s.*"), r::describe);
        assertTrue(r.output().matches("(?s).*kiln: rank 1 of 2 \\(.*\\): ending without MPI_Finalize outside MPI.*"), r::describe);
        assertTrue(seconds(r) < 25, r::describe);
    }

    @Test
    void theCnnTrainsOnTwoRanks() throws Exception {
        MpiJob.assumeMpirun();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed: apt-get install -y dataset-fashion-mnist");
        MpiJob.Result r = MpiJob.run(2, LIMIT, Map.of(), DistributedTrain.class.getName(), "cnn", "1", "--train-samples", "256",
                "--test-samples", "64");
        assertEquals(0, r.exitCode(), r::describe);
        assertEquals(1, count(r.output(), "\"sample\":\"distributed-fashion-mnist-cnn\""), r::describe);
        assertTrue(number(r.output(), "test_accuracy") > 0.3, r::describe);
        assertEquals(4L * dev.kiln.samples.compiled.KilnFashionCnn.PARAMETER_COUNT, (long) number(r.output(), "gradient_bytes_per_step"),
                r::describe);
    }

    private static double seconds(MpiJob.Result r) { return r.seconds(); }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    private static double number(String output, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([-0-9.eE]+)").matcher(output);
        if (!m.find()) fail("no " + key + " in:\n" + output);
        return Double.parseDouble(m.group(1));
    }

    private static void assertClose(float[] expected, float[] actual, double abs, double rel, String what) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        double worst = 0, worstRatio = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            worstRatio = Math.max(worstRatio, Math.abs(expected[i] - actual[i]) / (abs + rel * Math.abs(expected[i])));
            double err = Math.abs(expected[i] - actual[i]) - (abs + rel * Math.abs(expected[i]));
            if (err > worst) {
                worst = err;
                at = i;
            }
        }
        System.out.printf(Locale.ROOT, "%s: largest difference %.3f of the tolerance%n", what, worstRatio);
        if (at >= 0) {
            fail(String.format(Locale.ROOT, "%s: element %d is %s, expected %s (tolerance %g + %g relative)", what, at, actual[at],
                    expected[at], abs, rel));
        }
    }
}
