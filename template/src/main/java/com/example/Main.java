package com.example;

import dev.kiln.compiled.Evaluation;
import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.io.Onnx;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.train.History;

import java.nio.file.Path;
import java.util.Locale;

/** Trains {@link Xor} on the four XOR points, exports it to ONNX and prints one JSON line. */
public final class Main {
    private Main() {}

    /** The trained model, its training history and its loss and accuracy on the four points. */
    public record Result(KilnXor model, History history, Evaluation evaluation) {}

    public static void main(String[] args) throws Exception {
        Result r = train(42, 200);
        System.out.print(r.model());  // the layer table
        Path onnx = Path.of("target/xor.onnx");
        Onnx.export(onnx, r.model());
        System.out.printf(Locale.ROOT, "{\"model\":\"Xor\",\"epochs\":%d,\"loss\":%.4f,\"accuracy\":%.4f,\"onnx\":\"%s\"}%n",
                r.history().epochs(), r.evaluation().loss(), r.evaluation().accuracy().orElseThrow(), onnx);
    }

    /** XOR's four points, each 16 times, in batches of 16, with Adam and the fused softmax cross-entropy. */
    public static Result train(long seed, int epochs) {
        Torch.manualSeed(seed);
        float[][] points = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        float[] labels = {0, 1, 1, 0};
        float[][] x = new float[64][];
        float[] y = new float[64];
        for (int i = 0; i < 64; i++) {
            x[i] = points[i % 4];
            y[i] = labels[i % 4];
        }
        Tensor xs = Torch.tensor(x), ys = Torch.tensor(y);
        KilnXor model = KilnXor.create(seed);
        var trainer = model.trainer(Loss.crossEntropy(), Optimizer.adam(0.05)).shuffleSeed(seed).log(null);
        History history = trainer.fit(xs, ys, epochs, 16);
        return new Result(model, history, trainer.evaluate(Torch.tensor(points), Torch.tensor(labels)));
    }
}
