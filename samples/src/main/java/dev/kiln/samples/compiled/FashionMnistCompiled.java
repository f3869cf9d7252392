package dev.kiln.samples.compiled;

import dev.kiln.compiled.Evaluation;
import dev.kiln.samples.SampleArgs;
import dev.kiln.compiled.Loss;
import dev.kiln.optim.Adam;
import dev.kiln.data.IdxReader;
import dev.kiln.train.History;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Trains the compiled {@link FashionCnn} on Fashion-MNIST (60,000 training and 10,000 test images) with Adam and
 * the fused softmax-cross-entropy, prints a line per epoch, the test accuracy and one JSON line.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... dev.kiln.samples.compiled.FashionMnistCompiled
 * [epochs] [data dir] [--device cpu|opencl:N|cuda:N]}. The data comes from {@code /usr/share/datasets/fashion-mnist}
 * (Debian package {@code dataset-fashion-mnist}); without it the program says how to install it and exits with status 2.
 */
public final class FashionMnistCompiled {
    static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    static final int BATCH = 64;
    static final double LR = 1e-3;

    private FashionMnistCompiled() {}

    public static void main(String[] args) throws Exception {
        SampleArgs a = SampleArgs.parse(args);
        int epochs = Integer.parseInt(a.arg(0, "5"));
        Path dir = a.positional().size() > 1 ? Path.of(a.arg(1, null)) : DEFAULT_DIR;
        Path trainImages = dir.resolve("train-images-idx3-ubyte.gz");
        if (!Files.exists(trainImages)) {
            System.err.println("Fashion-MNIST not found in " + dir + ": install it with `apt-get install -y dataset-fashion-mnist`"
                    + " or pass the directory holding the four *-ubyte.gz files as the second argument.");
            System.exit(2);
        }
        float[] trainX = IdxReader.readImages(trainImages).toFloatArray();
        float[] trainY = IdxReader.readLabels(dir.resolve("train-labels-idx1-ubyte.gz")).toFloat().toFloatArray();
        float[] testX = IdxReader.readImages(dir.resolve("t10k-images-idx3-ubyte.gz")).toFloatArray();
        float[] testY = IdxReader.readLabels(dir.resolve("t10k-labels-idx1-ubyte.gz")).toFloat().toFloatArray();

        KilnFashionCnn model = KilnFashionCnn.create(42, BATCH);
        System.out.print(model);
        var trainer = model.trainer(Loss.crossEntropy(), Adam.options().lr(LR)).shuffleSeed(42).device(a.device());
        if (!a.device().isCpu()) System.out.println("training on " + a.device());
        long t0 = System.nanoTime();
        History history = trainer.fit(trainX, trainY, epochs, BATCH);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Evaluation test = trainer.evaluate(testX, testY);
        double accuracy = test.accuracy().orElseThrow();
        System.out.printf(Locale.ROOT, "test loss %.4f, test accuracy %.4f%n", test.loss(), accuracy);
        System.out.printf(Locale.ROOT,
                "{\"sample\":\"fashion-mnist-compiled\",\"device\":\"%s\",\"test_accuracy\":%.4f,\"test_loss\":%.4f,\"train_loss\":%.4f,"
                        + "\"epochs\":%d,\"batch\":%d,\"parameters\":%d,\"train_seconds\":%.1f,\"seconds_per_epoch\":%.1f}%n",
                a.device(), accuracy, test.loss(), history.last("loss"), history.epochs(), BATCH, KilnFashionCnn.PARAMETER_COUNT,
                seconds, seconds / history.epochs());
    }
}
