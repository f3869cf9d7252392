package dev.kiln.samples;

import dev.kiln.autograd.GradMode;
import dev.kiln.backend.Device;
import dev.kiln.data.DataLoader;
import dev.kiln.data.IdxReader;
import dev.kiln.data.TensorDataset;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.nn.BatchNorm2d;
import dev.kiln.nn.Conv2d;
import dev.kiln.nn.Dropout;
import dev.kiln.nn.Flatten;
import dev.kiln.nn.Linear;
import dev.kiln.nn.MaxPool2d;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.Adam;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.tensor.Tensor;
import dev.kiln.train.ConfusionMatrix;
import dev.kiln.train.History;
import dev.kiln.train.Trainer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static dev.kiln.tensor.Torch.manualSeed;

/**
 * The course's CNN on Fashion-MNIST (28x28 grey images of clothing, 10 classes), in the eager API:
 * two Conv2d-BatchNorm-ReLU-MaxPool blocks (1→32→64 channels, 28→14→7 pixels), then a dropout-
 * regularised classifier 3136→128→10, trained with Adam on the 60,000 training images and scored
 * on the 10,000 test images.
 *
 * <p>Run: {@code ./mvnw -B -ntp -pl samples -am -DskipTests package exec:exec -Dsample.main=dev.kiln.samples.FashionMnistCnn}
 * (optionally {@code -Dsample.args="/path/to/fashion-mnist [epochs] [training images] [test images] [--device D]"}).
 * {@code --device opencl:0} (or {@code cuda:0}) trains on that device: the one change is {@code model.to(device)}, the
 * {@code Trainer} moves each batch. A short smoke run: {@code -Dsample.args="/usr/share/datasets/fashion-mnist 1 500
 * 200 --device opencl:0"}.
 */
public final class FashionMnistCnn {
    /** Where the {@code dataset-fashion-mnist} package puts the four IDX files. */
    static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot"};

    /**
     * Mean and standard deviation of the training pixels (in [0, 1]), the usual Fashion-MNIST
     * normalisation: centred inputs let the first layer's ReLUs start half active.
     */
    static final double MEAN = 0.2860, STD = 0.3530;

    /** The training and test images as [N, 1, 28, 28] float32, normalised, with int64 labels. */
    record Data(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY) {
        /** The first {@code train} training and {@code test} test examples (the files are not sorted by class). */
        Data head(int train, int test) {
            return new Data(trainX.narrow(0, 0, train), trainY.narrow(0, 0, train),
                    testX.narrow(0, 0, test), testY.narrow(0, 0, test));
        }
    }

    record Result(double testAccuracy, History history, ConfusionMatrix confusion, double trainSeconds) {}

    public static void main(String[] args) throws Exception {
        SampleArgs a = SampleArgs.parse(args);
        Path dir = a.positional().isEmpty() ? DEFAULT_DIR : Path.of(a.arg(0, null));
        if (!present(dir)) {
            System.err.println("Fashion-MNIST not found in " + dir + " (expected " + String.join(", ", FILES) + ").\n"
                    + "Install it with:  apt-get install -y dataset-fashion-mnist\n"
                    + "or pass the directory holding the IDX files as the first argument.");
            System.exit(2);
        }
        Data data = load(dir);
        int epochs = Integer.parseInt(a.arg(1, "3"));
        int train = Integer.parseInt(a.arg(2, Integer.toString(data.trainX.size(0))));
        int test = Integer.parseInt(a.arg(3, Integer.toString(data.testX.size(0))));
        data = data.head(Math.min(train, data.trainX.size(0)), Math.min(test, data.testX.size(0)));
        if (!a.device().isCpu()) System.out.println("training on " + a.device());
        Result r = run(data, epochs, System.out, a.device());
        System.out.println(r.confusion);
        Path png = Path.of("target/fashion-mnist-curves.png");
        r.history.plot(png, "Fashion-MNIST CNN (Adam)", "loss", "val_loss", "accuracy", "val_accuracy");
        System.out.println("wrote " + png.toAbsolutePath());
        System.out.printf(Locale.ROOT, "{\"sample\":\"fashion-mnist-cnn\",\"device\":\"%s\",\"test_accuracy\":%.4f,"
                + "\"epochs\":%d,\"train_seconds\":%.1f}%n", a.device(), r.testAccuracy, r.history.epochs(), r.trainSeconds);
    }

    static final String[] FILES = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

    static boolean present(Path dir) {
        for (String f : FILES) if (!Files.isReadable(dir.resolve(f))) return false;
        return true;
    }

    static Data load(Path dir) throws IOException {
        return new Data(images(dir.resolve(FILES[0])), IdxReader.readLabels(dir.resolve(FILES[1])),
                images(dir.resolve(FILES[2])), IdxReader.readLabels(dir.resolve(FILES[3])));
    }

    /** [N, 28, 28] in [0, 1] (as ToTensor) → [N, 1, 28, 28] normalised (as Normalize((MEAN,), (STD,))). */
    private static Tensor images(Path file) throws IOException {
        Tensor x = IdxReader.readImages(file);
        try (var ignored = GradMode.noGrad()) {
            return x.sub(MEAN).div(STD).unsqueeze(1).contiguous();
        }
    }

    /**
     * nn.Sequential(Conv2d(1, 32, 3, padding=1), BatchNorm2d(32), ReLU(), MaxPool2d(2),
     * Conv2d(32, 64, 3, padding=1), BatchNorm2d(64), ReLU(), MaxPool2d(2), Flatten(),
     * Linear(3136, 128), ReLU(), Dropout(0.3), Linear(128, 10)).
     */
    static Sequential model() {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 128), new ReLU(), new Dropout(0.3),
                new Linear(128, 10));
    }

    /**
     * Trains {@link #model()} with Adam (lr 1e-3, batch 64) for {@code epochs}, printing progress to
     * {@code out}; the learning rate drops to 3e-4 from the third epoch. Measured test accuracy:
     * 0.8868, 0.8939, then 0.9076 with the drop against 0.9018 without it; the smaller steps settle
     * into the minimum the first two epochs found instead of bouncing around it.
     */
    static Result run(Data data, int epochs, PrintStream out) {
        return run(data, epochs, out, Device.CPU);
    }

    /**
     * As {@link #run(Data, int, PrintStream)} on {@code device}: the model moves there before the optimizer is built.
     * Dropout's masks then come from the device's own stream, so a device run is not the CPU's step for step.
     */
    static Result run(Data data, int epochs, PrintStream out, Device device) {
        manualSeed(0);
        Sequential model = model();
        model.to(device);
        Adam adam = new Adam(model.parameters(), Adam.options().lr(1e-3));
        DataLoader train = new DataLoader(new TensorDataset(data.trainX, data.trainY), 64, true);
        DataLoader test = new DataLoader(new TensorDataset(data.testX, data.testY), 500);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam)
                .progress(out != null && out == System.out)
                .output(out != null ? out : new PrintStream(OutputStream.nullOutputStream()))
                .scheduler(new StepLR(adam, 2, 0.3));
        // train_seconds is fit()'s wall time: the training steps plus each epoch's pass over the test set.
        long t0 = System.nanoTime();
        History h = trainer.fit(train, epochs, test);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ConfusionMatrix cm = new ConfusionMatrix(10);
        model.eval();
        try (var ignored = GradMode.noGrad()) {
            for (Tensor[] xy : test) cm.update(model.forward(xy[0].to(device)), xy[1]);
        }
        return new Result(cm.accuracy(), h, cm, seconds);
    }
}
