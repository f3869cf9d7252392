package dev.kiln.samples;

import dev.kiln.backend.Device;
import dev.kiln.compiled.Evaluation;
import dev.kiln.compiled.Loss;
import dev.kiln.optim.Adam;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.samples.compiled.KilnPhonePriceTanh;
import dev.kiln.train.History;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The main job: trains the compiled phone-price classifier (generated from {@code PhonePriceTanh})
 * on the bundled data with Adam (L2 weight decay 1e-2), a step learning-rate decay and the fused
 * softmax-cross-entropy; prints a progress bar and a line per epoch, the test accuracy, and one JSON line, and
 * draws the training curves into target/phone-price-compiled-curves.png.
 *
 * <p>Run: {@code ./mvnw -B -ntp -pl samples -am -DskipTests package exec:exec}
 */
public final class PhonePriceCompiled {
    static final int EPOCHS = 40, BATCH = 32, STEP = 15;
    static final double LR = 1e-3, WEIGHT_DECAY = 1e-2, GAMMA = 0.5;

    private PhonePriceCompiled() {}

    public static void main(String[] args) throws Exception {
        SampleArgs a = SampleArgs.parse(args);
        PhonePriceData data = a.positional().isEmpty() ? PhonePriceData.bundled() : PhonePriceData.load(Path.of(a.arg(0, null)));
        Run r = train(data, System.out, a.device());
        System.out.printf(Locale.ROOT, "test loss %.4f, test accuracy %.4f%n", r.test.loss(), r.accuracy());
        // The compiled trainer's History is the eager toolkit's: the same curves as the eager sample draw.
        Path png = Path.of("target/phone-price-compiled-curves.png");
        r.history.plot(png, "Phone price (compiled, Adam)", "loss", "accuracy");
        System.out.println("wrote " + png.toAbsolutePath());
        System.out.printf(Locale.ROOT,
                "{\"sample\":\"phone-price-compiled\",\"device\":\"%s\",\"test_accuracy\":%.4f,\"test_loss\":%.4f,\"train_loss\":%.4f,"
                        + "\"epochs\":%d,\"parameters\":%d,\"train_seconds\":%.3f}%n",
                a.device(), r.accuracy(), r.test.loss(), r.history.last("loss"), r.history.epochs(),
                KilnPhonePriceTanh.PARAMETER_COUNT, r.seconds);
    }

    /** What one training run produced. */
    record Run(History history, Evaluation test, double seconds) {
        double accuracy() { return test.accuracy().orElseThrow(); }
    }

    /**
     * Trains with a checkpoint of the best epoch in a temporary folder (to show {@code checkpoint}), which is deleted
     * afterwards: a run leaves nothing in the temp folder.
     */
    static Run train(PhonePriceData data, java.io.PrintStream log) throws java.io.IOException {
        return train(data, log, Device.CPU);
    }

    /** Trains on {@code device}: the CPU, or a GPU (or PoCL) whose buffers then hold the whole training state. */
    static Run train(PhonePriceData data, java.io.PrintStream log, Device device) throws java.io.IOException {
        Path dir = Files.createTempDirectory("kiln-phone-price");
        Path checkpoint = dir.resolve("best.kiln");
        try {
            return train(data, log, checkpoint, device);
        } finally {
            Files.deleteIfExists(checkpoint);
            Files.deleteIfExists(dir);
            if (log != null) log.println("deleted the temporary checkpoint " + checkpoint.toAbsolutePath());
        }
    }

    static Run train(PhonePriceData data, java.io.PrintStream log, Path checkpoint, Device device) throws java.io.IOException {
        KilnPhonePriceTanh model = KilnPhonePriceTanh.create(42);
        if (log != null) log.print(model);
        if (log != null) log.println("checkpoints of the best epoch go to " + checkpoint.toAbsolutePath());
        var trainer = model.trainer(Loss.crossEntropy(), Adam.options().lr(LR).weightDecay(WEIGHT_DECAY))
                .scheduler(opt -> new StepLR(opt, STEP, GAMMA))
                .shuffleSeed(42)
                .checkpoint(checkpoint)
                .log(log)
                .device(device);
        if (log != null && !device.isCpu()) log.println("training on " + device);
        long t0 = System.nanoTime();
        History history = trainer.fit(data.trainX(), data.trainY().toFloat(), EPOCHS, BATCH);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Run(history, trainer.evaluate(data.testX(), data.testY().toFloat()), seconds);
    }
}
