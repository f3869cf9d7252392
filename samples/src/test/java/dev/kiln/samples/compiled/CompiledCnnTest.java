package dev.kiln.samples.compiled;

import dev.kiln.nn.Convolution;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static dev.kiln.samples.compiled.TensorAsserts.assertCloseToScale;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The generated Fashion-MNIST CNN against the same network written with eager ops and autograd (the eager
 * {@link Convolution} is the numerical reference): same weights, same batch; output, input gradient and every
 * parameter gradient. Eval mode, so dropout is the identity on both sides.
 */
class CompiledCnnTest {
    @Test
    void fashionCnnMatchesEagerForwardAndGradients() {
        KilnFashionCnn model = KilnFashionCnn.create(3, 2).eval();
        Torch.manualSeed(9);
        Tensor x = Torch.randn(2, 1, 28, 28), g = Torch.randn(2, 10);
        Map<String, Tensor> p = new HashMap<>();
        for (var e : model.stateDict().entrySet()) p.put(e.getKey(), e.getValue().detach().clone().requiresGrad_());
        Tensor xe = x.clone().requiresGrad_();
        Tensor h = Convolution.conv2d(xe, p.get("conv1.weight"), p.get("conv1.bias"), 1, 1).relu();
        h = Convolution.maxPool2d(h, 2);
        h = Convolution.conv2d(h, p.get("conv2.weight"), p.get("conv2.bias"), 1, 1).relu();
        h = Convolution.maxPool2d(h, 2).view(2, 64 * 7 * 7);
        // fc1 in two halves of 1568 inputs: the eager GEMM's packing overruns its buffer for more than 2040 columns
        // (SgemmKernel.NC = 2048 is not a multiple of NR = 24), which a 3136-wide weight gradient would hit.
        Tensor wa = p.get("fc1.weight").detach().narrow(1, 0, 1568).clone().requiresGrad_();
        Tensor wb = p.get("fc1.weight").detach().narrow(1, 1568, 1568).clone().requiresGrad_();
        h = h.narrow(1, 0, 1568).matmul(wa.t()).add(h.narrow(1, 1568, 1568).matmul(wb.t())).add(p.get("fc1.bias")).relu();
        Tensor y = h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
        y.mul(g).sum().backward();

        assertCloseToScale(y, model.forward(x), 1e-4, "output");
        model.zeroGrad();
        assertCloseToScale(xe.grad(), model.backward(g), 1e-4, "input gradient");
        for (var e : model.namedParameters().entrySet()) {
            if (!e.getKey().equals("fc1.weight")) assertCloseToScale(p.get(e.getKey()).grad(), e.getValue().grad(), 1e-4, e.getKey());
        }
        Tensor fc1 = model.namedParameters().get("fc1.weight").grad();
        assertCloseToScale(wa.grad(), fc1.narrow(1, 0, 1568).contiguous(), 1e-4, "fc1.weight[:, :1568]");
        assertCloseToScale(wb.grad(), fc1.narrow(1, 1568, 1568).contiguous(), 1e-4, "fc1.weight[:, 1568:]");
    }

    @Test
    void stateDictHasPyTorchKeysAndShapes() {
        var sd = KilnFashionCnn.create(1).stateDict();
        assertEquals("[conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, out.weight, out.bias]",
                sd.keySet().toString());
        assertEquals("[64, 32, 3, 3]", java.util.Arrays.toString(sd.get("conv2.weight").size().toArray()));
        assertEquals(32 * 9 + 32 + 64 * 288 + 64 + 3136 * 128 + 128 + 1290, KilnFashionCnn.PARAMETER_COUNT);
    }

    @Test
    void aWarmCnnTrainingStepAllocatesNothing() {
        assertEquals(0, WarmAllocation.ofSteps("cnn"), "bytes allocated by 3 warm CNN steps (batch 4, Adam)");
    }
}
