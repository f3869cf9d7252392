package dev.kiln.samples;

import dev.kiln.backend.Device;
import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.nn.Linear;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.nn.Tanh;
import dev.kiln.optim.Adam;
import dev.kiln.optim.Optimizer;
import dev.kiln.optim.SGD;
import dev.kiln.optim.lr.StepLR;
import dev.kiln.train.ConfusionMatrix;
import dev.kiln.train.History;
import dev.kiln.train.Trainer;

import java.nio.file.Path;
import java.util.Locale;

import static dev.kiln.tensor.Torch.manualSeed;

/**
 * The course's worked example (part 9): predict a phone's price range (4 classes) from 20
 * features with the MLP 20-128-256-4, first as the course trains it (raw features, SGD), then
 * improved (standardised features, tanh, Adam with weight decay, a step learning-rate schedule).
 *
 * <p>Run: {@code ./mvnw -B -ntp -pl samples -am -DskipTests package exec:exec -Dsample.main=dev.kiln.samples.PhonePrice}
 * (optionally {@code -Dsample.args="[data.csv] [--device opencl:0]"}: with a device, both recipes train there after one
 * {@code model.to(device)}).
 */
public final class PhonePrice {
    /** The two recipes, with the result of each. */
    record Result(double courseAccuracy, double improvedAccuracy, History improvedHistory, ConfusionMatrix confusion) {}

    public static void main(String[] args) throws Exception {
        SampleArgs a = SampleArgs.parse(args);
        PhonePriceData data = a.positional().isEmpty() ? PhonePriceData.bundled() : PhonePriceData.load(Path.of(a.arg(0, null)));
        if (!a.device().isCpu()) System.out.println("training on " + a.device());
        Result r = run(data, 50, 40, true, a.device());
        System.out.println(r.confusion);
        Path png = Path.of("target/phone-price-curves.png");
        r.improvedHistory.plot(png, "Phone price (Adam, standardised)", "loss", "val_loss");
        System.out.println("wrote " + png.toAbsolutePath());
        System.out.printf(Locale.ROOT, "{\"sample\":\"phone-price\",\"course_sgd_test_accuracy\":%.4f,"
                + "\"improved_test_accuracy\":%.4f,\"epochs\":%d,\"device\":\"%s\"}%n", r.courseAccuracy, r.improvedAccuracy,
                r.improvedHistory.epochs(), a.device());
    }

    static Result run(PhonePriceData data, int courseEpochs, int improvedEpochs, boolean verbose) {
        return run(data, courseEpochs, improvedEpochs, verbose, Device.CPU);
    }

    /** Both recipes on {@code device}: each model moves there before its optimizer is built. */
    static Result run(PhonePriceData data, int courseEpochs, int improvedEpochs, boolean verbose, Device device) {
        // 1. As the course does it: raw features, ReLU MLP, SGD(lr=1e-3), batch 8.
        if (verbose) System.out.println("== course recipe: raw features, ReLU MLP, SGD lr=1e-3, batch 8");
        manualSeed(0);
        Sequential course = mlp(false);
        course.to(device);
        double courseAccuracy = train(course, new SGD(course.parameters(), 1e-3), null, data.rawTrainX(), data.trainY(),
                data.rawTestX(), data.testY(), 8, courseEpochs, verbose).accuracy;

        // 2. Improved: standardised features, tanh hidden layers (the labels are close to linear in
        //    the features; ReLU overfits here, 0.91-0.93), Adam with L2 weight decay, StepLR.
        if (verbose) System.out.println("== improved: standardised, tanh MLP, Adam lr=1e-3 weight_decay=1e-2, StepLR(15, 0.5), batch 32");
        manualSeed(0);
        Sequential improved = mlp(true);
        improved.to(device);
        Adam adam = new Adam(improved.parameters(), Adam.options().lr(1e-3).weightDecay(1e-2));
        Outcome o = train(improved, adam, new StepLR(adam, 15, 0.5), data.trainX(), data.trainY(),
                data.testX(), data.testY(), 32, improvedEpochs, verbose);
        return new Result(courseAccuracy, o.accuracy, o.history, o.confusion);
    }

    /** nn.Sequential(Linear(20, 128), act, Linear(128, 256), act, Linear(256, 4)) with ReLU or Tanh. */
    static Sequential mlp(boolean tanh) {
        return new Sequential(new Linear(20, 128), tanh ? new Tanh() : new ReLU(), new Linear(128, 256),
                tanh ? new Tanh() : new ReLU(), new Linear(256, 4));
    }

    private record Outcome(double accuracy, History history, ConfusionMatrix confusion) {}

    private static Outcome train(Sequential model, Optimizer<?> optimizer, StepLR schedule,
                                 dev.kiln.tensor.Tensor xTrain, dev.kiln.tensor.Tensor yTrain,
                                 dev.kiln.tensor.Tensor xTest, dev.kiln.tensor.Tensor yTest,
                                 int batchSize, int epochs, boolean verbose) {
        DataLoader train = new DataLoader(new TensorDataset(xTrain, yTrain), batchSize, true);
        DataLoader test = new DataLoader(new TensorDataset(xTest, yTest), 256);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), optimizer).progress(false);
        if (schedule != null) trainer.scheduler(schedule);
        if (!verbose) trainer.output(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        History h = trainer.fit(train, epochs, test);
        ConfusionMatrix cm = new ConfusionMatrix(4);
        model.eval();
        try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
            cm.update(model.forward(xTest.to(model.parameters().getFirst().device())), yTest);
        }
        return new Outcome(h.last("val_accuracy"), h, cm);
    }
}
