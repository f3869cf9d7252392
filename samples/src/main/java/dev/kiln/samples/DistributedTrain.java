package dev.kiln.samples;

import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.Evaluation;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Trainer;
import dev.kiln.data.IdxReader;
import dev.kiln.distributed.Distributed;
import dev.kiln.optim.Adam;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.samples.compiled.KilnFashionCnn;
import dev.kiln.samples.compiled.KilnPhonePriceTanh;
import dev.kiln.train.History;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Data-parallel training of the compiled phone-price MLP or the Fashion-MNIST CNN over the processes of an
 * {@code mpirun} job (one process alone without {@code mpirun}). Rank 0 broadcasts the initial parameters, every rank
 * takes its part of each batch of the same shuffled order, one allreduce per step averages the gradients, and rank 0
 * alone prints the epochs, the test accuracy and one JSON line with the samples per second.
 *
 * <pre>
 * ./mvnw -B -ntp -pl samples -am -DskipTests package      # builds, writes samples/target/classpath.txt
 * mpirun -np 2 samples/train-distributed phone             # or: cnn [epochs] [--train-samples N]
 * </pre>
 *
 * Arguments: {@code phone|cnn}, then the epochs (phone 40, cnn 5), {@code --train-samples N} (the first N training
 * samples: a short run for timing), {@code --test-samples N}, {@code --batch N} (the whole job's; cnn 64, phone 32), {@code --threads 1|2} (cores per rank where the job has one rank; a rank of a larger
 * job computes on one core), {@code --data DIR} (Fashion-MNIST's directory).
 */
public final class DistributedTrain {
    private DistributedTrain() {}

    public static void main(String[] args) throws Exception {
        Distributed.run(d -> train(d, args));
    }

    /** What a run measured (the same on every rank: the reduced loss and accuracy, rank 0's clock). */
    record Result(double testAccuracy, double testLoss, double trainLoss, double samplesPerSecond, double allreduceSeconds) {}

    static Result train(Distributed d, String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("phone") || args[0].equals("cnn"))) {
            throw new IllegalArgumentException("usage: DistributedTrain phone|cnn [epochs] [--train-samples N] [--test-samples N] [--batch N] [--threads 1|2] [--data DIR]");
        }
        boolean cnn = args[0].equals("cnn");
        int batchArg = 0, epochs = cnn ? 5 : PhonePriceCompiled.EPOCHS, limit = Integer.MAX_VALUE, testLimit = Integer.MAX_VALUE, threads = 2;
        Path dir = Path.of("/usr/share/datasets/fashion-mnist");
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--train-samples" -> limit = Integer.parseInt(args[++i]);
                case "--test-samples" -> testLimit = Integer.parseInt(args[++i]);
                case "--batch" -> batchArg = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--data" -> dir = Path.of(args[++i]);
                default -> epochs = Integer.parseInt(args[i]);
            }
        }
        boolean main = d.isMain();
        float[] trainX, trainY, testX, testY;
        CompiledModel model;
        Trainer trainer;
        int batch;
        String name;
        if (cnn) {
            name = "fashion-mnist-cnn";
            batch = batchArg > 0 ? batchArg : 64;
            if (!Files.exists(dir.resolve("train-images-idx3-ubyte.gz"))) {
                throw new IllegalStateException("Fashion-MNIST not found in " + dir + ": install it with `apt-get install -y "
                        + "dataset-fashion-mnist` on every machine, or pass --data DIR");
            }
            trainX = IdxReader.readImages(dir.resolve("train-images-idx3-ubyte.gz")).toFloatArray();
            trainY = IdxReader.readLabels(dir.resolve("train-labels-idx1-ubyte.gz")).toFloat().toFloatArray();
            testX = IdxReader.readImages(dir.resolve("t10k-images-idx3-ubyte.gz")).toFloatArray();
            testY = IdxReader.readLabels(dir.resolve("t10k-labels-idx1-ubyte.gz")).toFloat().toFloatArray();
            // A seed per rank gives each rank its own dropout stream; rank 0's parameters are broadcast below.
            KilnFashionCnn m = KilnFashionCnn.create(42 + d.rank(), batch);
            model = m;
            trainer = m.trainer(Loss.crossEntropy(), Adam.options().lr(1e-3));
        } else {
            name = "phone-price-mlp";
            batch = batchArg > 0 ? batchArg : PhonePriceCompiled.BATCH;
            PhonePriceData data = PhonePriceData.bundled();
            trainX = data.trainX().toFloatArray();
            trainY = data.trainY().toFloat().toFloatArray();
            testX = data.testX().toFloatArray();
            testY = data.testY().toFloat().toFloatArray();
            KilnPhonePriceTanh m = KilnPhonePriceTanh.create(42);
            model = m;
            // The main job's recipe (PhonePriceCompiled): Adam with L2 weight decay, StepLR.
            trainer = m.trainer(Loss.crossEntropy(), Adam.options().lr(PhonePriceCompiled.LR).weightDecay(PhonePriceCompiled.WEIGHT_DECAY))
                    .scheduler(opt -> new StepLR(opt, PhonePriceCompiled.STEP, PhonePriceCompiled.GAMMA));
        }
        int in = model.inputSize();
        int samples = Math.min(limit, trainY.length);
        trainX = Arrays.copyOf(trainX, samples * in);
        trainY = Arrays.copyOf(trainY, samples);
        int testSamples = Math.min(testLimit, testY.length);
        testX = Arrays.copyOf(testX, testSamples * in);
        testY = Arrays.copyOf(testY, testSamples);
        d.broadcastParameters(model);
        trainer.shuffleSeed(42).threads(threads).distributed(d).log(main ? System.out : null);
        if (main) {
            System.out.printf(Locale.ROOT, "%s on %d rank(s) (%s), %d training samples, batch %d (%s a rank), %d cores visible to rank 0%n",
                    name, d.size(), d, samples, batch, d.size() == 1 ? String.valueOf(batch) : "~" + batch / d.size(),
                    Runtime.getRuntime().availableProcessors());
        }
        d.barrier(); // start the clock together: data loading differs between ranks
        var threadsBean = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime(), cpu0 = threadsBean.getCurrentThreadCpuTime();
        double inCollectives0 = d.collectiveCpuSeconds();
        History history = trainer.fit(trainX, trainY, epochs, batch);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // This thread's processor time outside MPI: the computing each rank did, whatever else shared its core.
        double[] computeCpu = new double[d.size()];
        computeCpu[d.rank()] = (threadsBean.getCurrentThreadCpuTime() - cpu0) / 1e9 - (d.collectiveCpuSeconds() - inCollectives0);
        d.sum(computeCpu);
        double slowest = Arrays.stream(computeCpu).max().orElseThrow();
        Evaluation test = trainer.evaluate(testX, testY);
        double rate = (double) samples * history.epochs() / seconds;
        double lastRate = samples / history.last("seconds"); // the last epoch alone: past the JIT's warm-up
        if (main) {
            long gradientBytes = 4L * model.parameterBuffer().length;
            System.out.printf(Locale.ROOT, "test loss %.4f, test accuracy %.4f; %.0f samples/s on %d rank(s); %.1f%% of rank 0's "
                            + "training time in the gradient allreduce (%d of %d-byte gradients)%n",
                    test.loss(), test.accuracy().orElseThrow(), rate, d.size(), 100 * d.reduceSeconds() / seconds,
                    d.reduceCount(), gradientBytes);
            System.out.printf(Locale.ROOT, "{\"sample\":\"distributed-%s\",\"ranks\":%d,\"test_accuracy\":%.4f,\"test_loss\":%.4f,"
                            + "\"train_loss\":%.4f,\"epochs\":%d,\"train_samples\":%d,\"batch\":%d,\"samples_per_second\":%.1f,"
                            + "\"last_epoch_samples_per_second\":%.1f,\"train_seconds\":%.3f,\"compute_cpu_seconds_slowest_rank\":%.3f,\"allreduce_seconds\":%.3f,\"gradient_bytes_per_step\":%d,\"cores_visible\":%d}%n",
                    name, d.size(), test.accuracy().orElseThrow(), test.loss(), history.last("loss"), history.epochs(), samples, batch,
                    rate, lastRate, seconds, slowest, d.reduceSeconds(), gradientBytes, Runtime.getRuntime().availableProcessors());
        }
        return new Result(test.accuracy().orElseThrow(), test.loss(), history.last("loss"), rate, d.reduceSeconds());
    }
}
