package dev.kiln.samples;

import dev.kiln.compiled.Evaluation;
import dev.kiln.compiled.History;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.samples.compiled.KilnPhonePrice;
import dev.kiln.samples.compiled.MobilePriceData;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Trains the compiled phone-price MLP (20-128-256-4, generated from {@code PhonePrice}) with Adam and the
 * fused softmax-cross-entropy, prints one line per epoch and ends with one JSON line.
 * Run: {@code ./mvnw -B -pl samples -am package -DskipTests && ./mvnw -B -pl samples exec:exec -Dsample.main=dev.kiln.samples.PhonePriceCompiled}
 */
public final class PhonePriceCompiled {
    private PhonePriceCompiled() {}

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        double lr = args.length > 1 ? Double.parseDouble(args[1]) : 1e-3;
        double weightDecay = args.length > 2 ? Double.parseDouble(args[2]) : 0;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        long seed = 42;
        MobilePriceData data = MobilePriceData.load(seed);
        KilnPhonePrice model = KilnPhonePrice.create(seed);
        System.out.print(model);
        Path checkpoint = Files.createTempDirectory("kiln-phone-price").resolve("best.kiln");
        var trainer = model.trainer(Loss.crossEntropy(), new Optimizer.Adam(lr, 0.9, 0.999, 1e-8, weightDecay)).shuffleSeed(seed).checkpoint(checkpoint);
        long t0 = System.nanoTime();
        History history = trainer.fit(data.trainX(), data.trainY(), epochs, batch);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Evaluation test = trainer.evaluate(data.testX(), data.testY());
        double acc = test.accuracy().orElseThrow();
        System.out.printf(Locale.ROOT, "test loss %.4f, test accuracy %.4f%n", test.loss(), acc);
        System.out.printf(Locale.ROOT,
                "{\"sample\":\"phone-price-compiled\",\"test_accuracy\":%.4f,\"test_loss\":%.4f,\"train_loss\":%.4f,"
                        + "\"epochs\":%d,\"parameters\":%d,\"train_seconds\":%.3f}%n",
                acc, test.loss(), history.last().loss(), history.epochs().size(), KilnPhonePrice.PARAMETER_COUNT, seconds);
    }
}
