package dev.kiln.samples.compiled;

import dev.kiln.nn.Convolution;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

/**
 * The generated backward of each sample model (the phone-price MLP, its Tanh variant, the Fashion-MNIST CNN and the
 * linear regression) against float64 central differences of the same network written with eager ops: the input
 * gradient and every parameter's, all elements of the small models, up to 60 (MLPs) or 40 (CNN) per tensor, spread evenly, of the large ones.
 */
class SampleModelsFiniteDifferenceTest {
    @Test
    void phonePriceMlps() {
        KilnPhonePrice relu = KilnPhonePrice.create(4);
        Torch.manualSeed(1);
        Tensor x = Torch.randn(3, 20), g = Torch.randn(3, 4);
        FiniteDifferences.assertBackward(relu.stateDict(), x, g, () -> { relu.forward(x); relu.zeroGrad(); return relu.backward(g); },
                relu.namedParameters(), (xd, p) -> mlp(xd, p, false), 60);
        KilnPhonePriceTanh tanh = KilnPhonePriceTanh.create(5);
        FiniteDifferences.assertBackward(tanh.stateDict(), x, g, () -> { tanh.forward(x); tanh.zeroGrad(); return tanh.backward(g); },
                tanh.namedParameters(), (xd, p) -> mlp(xd, p, true), 60);
    }

    @Test
    void fashionCnnInEvalMode() {
        // Eval mode: dropout is the identity, so the network is a plain function of its input and weights.
        KilnFashionCnn cnn = KilnFashionCnn.create(2, 2).eval();
        Torch.manualSeed(2);
        Tensor x = Torch.randn(2, 1, 28, 28), g = Torch.randn(2, 10);
        FiniteDifferences.assertBackward(cnn.stateDict(), x, g, () -> { cnn.forward(x); cnn.zeroGrad(); return cnn.backward(g); },
                cnn.namedParameters(), (xd, p) -> {
                    Tensor h = Convolution.maxPool2d(Convolution.conv2d(xd, p.get("conv1.weight"), p.get("conv1.bias"), 1, 1).relu(), 2);
                    h = Convolution.maxPool2d(Convolution.conv2d(h, p.get("conv2.weight"), p.get("conv2.bias"), 1, 1).relu(), 2).view(2, 3136);
                    // fc1 in two halves of the 3136 inputs, as in CompiledCnnTest: the eager GEMM's packing is wrong
                    // past 2040 columns.
                    Tensor w = p.get("fc1.weight");
                    h = h.narrow(1, 0, 1568).matmul(w.narrow(1, 0, 1568).t()).add(h.narrow(1, 1568, 1568).matmul(w.narrow(1, 1568, 1568).t()))
                            .add(p.get("fc1.bias")).relu();
                    return h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
                }, 40);
    }

    @Test
    void linearRegression() {
        KilnLine line = KilnLine.create(6);
        Tensor x = Torch.randn(5, 1), g = Torch.randn(5, 1);
        FiniteDifferences.assertBackward(line.stateDict(), x, g, () -> { line.forward(x); line.zeroGrad(); return line.backward(g); },
                line.namedParameters(), (xd, p) -> xd.matmul(p.get("fc.weight").t()).add(p.get("fc.bias")), Integer.MAX_VALUE);
    }

    private static Tensor mlp(Tensor x, java.util.Map<String, Tensor> p, boolean tanh) {
        Tensor h = x.matmul(p.get("fc1.weight").t()).add(p.get("fc1.bias"));
        h = tanh ? h.tanh() : h.relu();
        h = h.matmul(p.get("fc2.weight").t()).add(p.get("fc2.bias"));
        h = tanh ? h.tanh() : h.relu();
        return h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
    }
}
