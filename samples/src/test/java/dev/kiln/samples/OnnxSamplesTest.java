package dev.kiln.samples;

import dev.kiln.autograd.GradMode;
import dev.kiln.io.Onnx;
import dev.kiln.io.OnnxCheck;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.Sequential;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * The eager samples' models exported to ONNX and run by onnxruntime: the phone-price MLPs (ReLU and Tanh), the
 * Fashion-MNIST CNN in eval mode (BatchNorm with moved running statistics, Dropout) and the trained linear
 * regression, against Kiln's eval-mode forward within {@link OnnxCheck#TOLERANCE}. The compiled samples are in
 * {@code compiled.OnnxCompiledTest}.
 */
class OnnxSamplesTest {
    @TempDir Path dir;

    private void check(String name, Module model, Tensor x, int... inputShape) throws Exception {
        Path file = dir.resolve(name + ".onnx");
        Onnx.export(file, model, inputShape);
        model.eval();
        Tensor expected;
        try (var ignored = GradMode.noGrad()) {
            expected = model.forward(x);
        }
        OnnxCheck.assertClose(expected, OnnxCheck.run(file, x), name);
    }

    @Test
    void phonePriceMlps() throws Exception {
        Torch.manualSeed(1);
        check("phone-price-relu", PhonePrice.mlp(false), Torch.randn(16, 20), 20);
        check("phone-price-tanh", PhonePrice.mlp(true), Torch.randn(16, 20), 20);
    }

    @Test
    void fashionMnistCnnInEvalMode() throws Exception {
        Torch.manualSeed(2);
        Sequential model = FashionMnistCnn.model();
        model.train();
        try (var ignored = GradMode.noGrad()) {
            for (int i = 0; i < 2; i++) model.forward(Torch.randn(8, 1, 28, 28).mul(1.5).add(0.3));
            for (var e : model.namedParameters().entrySet()) {
                Tensor p = e.getValue();
                if (p.dim() == 1) p.copy_(p.add(Torch.randn(p.size(0)).mul(0.3)));
            }
        }
        check("fashion-mnist-cnn", model, Torch.randn(4, 1, 28, 28), 1, 28, 28);
    }

    @Test
    void trainedLinearRegression() throws Exception {
        LinearRegression.Result r = LinearRegression.train(42, 200, 16, 5, 0.01);
        Linear line = new Linear(1, 1);
        line.loadStateDict(Map.of("weight", Torch.tensor(new float[][] {{(float) r.w()}}), "bias", Torch.tensor(new float[] {(float) r.b()})));
        check("linear-regression", line, Torch.randn(10, 1).mul(5.0), 1);
    }
}
