package dev.kiln.samples.compiled;

import dev.kiln.io.Npy;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static dev.kiln.samples.compiled.TensorAsserts.assertCloseToScale;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated forward and backward against eager references built from Tensor ops with autograd, with the
 * same weights and batch: in float32 for the phone-price MLP, in float64 for TestNet (which also makes
 * it the double-precision check of the generated backward).
 */
class CompiledEquivalenceTest {
    @Test
    void initialWeightsAreTorchsForTheSameSeed() throws Exception {
        KilnPhonePrice model = KilnPhonePrice.create(42);
        for (var e : model.stateDict().entrySet()) {
            Path fixture = Path.of("src/test/resources/fixtures/phone-price-seed42", e.getKey() + ".npy");
            float[] expected = Npy.load(fixture).toFloatArray();
            assertArrayEquals(expected, e.getValue().toFloatArray(), 0f, e.getKey());
        }
    }

    @Test
    void phonePriceMatchesEagerFloat32() {
        KilnPhonePrice model = KilnPhonePrice.create(7);
        Torch.manualSeed(3);
        Tensor x = Torch.randn(10, 20);
        Tensor g = Torch.randn(10, 4);
        Map<String, Tensor> p = leaves(model.stateDict(), DType.FLOAT32);
        Tensor xe = x.clone().requiresGrad_();
        Tensor h = xe.matmul(p.get("fc1.weight").t()).add(p.get("fc1.bias")).relu();
        h = h.matmul(p.get("fc2.weight").t()).add(p.get("fc2.bias")).relu();
        Tensor y = h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
        y.mul(g).sum().backward();

        Tensor yc = model.forward(x);
        assertCloseToScale(y, yc, 1e-5, "output");
        model.zeroGrad();
        Tensor gradIn = model.backward(g);
        assertCloseToScale(xe.grad(), gradIn, 1e-5, "input gradient");
        for (var e : model.namedParameters().entrySet()) assertCloseToScale(p.get(e.getKey()).grad(), e.getValue().grad(), 1e-5, e.getKey());
    }

    @Test
    void testNetMatchesEagerFloat64ForwardAndBackward() {
        KilnTestNet model = KilnTestNet.create(11);
        Torch.manualSeed(5);
        Tensor x = Torch.randn(9, 6);
        Tensor g = Torch.randn(9, 3);
        Map<String, Tensor> p = leaves(model.stateDict(), DType.FLOAT64);
        Tensor xe = x.toDouble().requiresGrad_();
        Tensor y = eagerTestNet(xe, p);
        y.mul(g.toDouble()).sum().backward();

        Tensor yc = model.forward(x);
        assertCloseToScale(y, yc, 2e-5, "output");
        model.zeroGrad();
        Tensor gradIn = model.backward(g);
        assertCloseToScale(xe.grad(), gradIn, 2e-5, "input gradient");
        for (var e : model.namedParameters().entrySet()) assertCloseToScale(p.get(e.getKey()).grad(), e.getValue().grad(), 2e-5, e.getKey());
        // Training-mode BatchNorm moved its running statistics by momentum 0.1 towards the batch's.
        Tensor bnIn = eagerUpToBn(xe, p).detach();
        assertCloseToScale(bnIn.mean(0).mul(0.1), model.stateDict().get("bn.running_mean"), 1e-5, "running_mean");
        assertEquals(1.0, model.stateDict().get("bn.num_batches_tracked").item());
    }

    @Test
    void backwardAccumulatesLikeAutogradUntilZeroGrad() {
        KilnPhonePrice model = KilnPhonePrice.create(1);
        Tensor x = Torch.randn(4, 20), g = Torch.randn(4, 4);
        model.forward(x);
        model.backward(g);
        float[] once = model.gradientBuffer().clone();
        model.backward(g);
        float[] twice = model.gradientBuffer();
        for (int i = 0; i < once.length; i += 97) assertEquals(2 * once[i], twice[i], 1e-5f + 1e-5f * Math.abs(once[i]));
        model.zeroGrad();
        assertEquals(0f, model.gradientBuffer()[0]);
    }

    @Test
    void loadStateDictRoundTripsAndRejectsUnknownKeys() {
        KilnPhonePrice a = KilnPhonePrice.create(1), b = KilnPhonePrice.create(2);
        b.loadStateDict(a.stateDict());
        assertArrayEquals(a.parameterBuffer(), b.parameterBuffer());
        Map<String, Tensor> extra = new HashMap<>(a.stateDict());
        extra.put("fc9.weight", Torch.zeros(1));
        var ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(extra));
        assertTrue(ex.getMessage().contains("fc9.weight"), ex.getMessage());
    }

    private static Tensor eagerUpToBn(Tensor x, Map<String, Tensor> p) {
        return x.matmul(p.get("fc1.weight").t()).add(p.get("fc1.bias")).tanh();
    }

    /** TestNet written with eager ops: BatchNorm in training mode, GELU's tanh form, the residual cell, LogSoftmax. */
    private static Tensor eagerTestNet(Tensor x, Map<String, Tensor> p) {
        Tensor h = eagerUpToBn(x, p);
        Tensor mean = h.mean(0, true), var = h.var(0, false, true);
        h = h.sub(mean).div(var.add(1e-5).sqrt()).mul(p.get("bn.weight")).add(p.get("bn.bias"));
        Tensor z = h.matmul(p.get("fc2.weight").t()).add(p.get("fc2.bias"));
        Tensor inner = z.add(z.pow(3.0).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        h = z.mul(0.5).mul(inner.tanh().add(1.0));
        h = h.add(h.matmul(p.get("cell.fc.weight").t()).add(p.get("cell.fc.bias")).sigmoid());
        z = h.matmul(p.get("fc3.weight").t()).add(p.get("fc3.bias"));
        h = z.relu().sub(z.neg().relu().mul(0.1));
        z = h.matmul(p.get("out.weight").t()).add(p.get("out.bias"));
        return z.sub(z.exp().sum(1, true).log());
    }

    /** Trainable copies (weights and biases only) of a state dict, in the given dtype. */
    private static Map<String, Tensor> leaves(Map<String, Tensor> state, DType dtype) {
        Map<String, Tensor> out = new HashMap<>();
        for (var e : state.entrySet()) {
            if (e.getKey().endsWith("weight") || e.getKey().endsWith("bias")) {
                out.put(e.getKey(), e.getValue().detach().to(dtype).clone().requiresGrad_());
            }
        }
        return out;
    }
}
