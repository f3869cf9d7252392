package dev.kiln.samples.compiled;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static dev.kiln.samples.compiled.TensorAsserts.assertCloseElementwise;

/**
 * A generator feeding a discriminator, both compiled: the discriminator's backward returns the gradient of its
 * input, which is the generator's output gradient (the generator step of a GAN). Checked against one eager
 * graph through both networks.
 */
class GanChainTest {
    @Test
    void generatorGradientsFlowThroughTheDiscriminator() {
        var gen = KilnGenerator.create(1);
        var disc = KilnDiscriminator.create(2);
        Torch.manualSeed(4);
        Tensor z = Torch.randn(5, 4), gScore = Torch.randn(5, 1);
        Map<String, Tensor> g = leaves(gen.stateDict()), d = leaves(disc.stateDict());
        Tensor h = z.matmul(g.get("fc1.weight").t()).add(g.get("fc1.bias"));
        h = h.relu().sub(h.neg().relu().mul(0.2));
        Tensor fake = h.matmul(g.get("fc2.weight").t()).add(g.get("fc2.bias")).tanh();
        h = fake.matmul(d.get("fc1.weight").t()).add(d.get("fc1.bias"));
        h = h.relu().sub(h.neg().relu().mul(0.2));
        Tensor score = h.matmul(d.get("score.weight").t()).add(d.get("score.bias"));
        score.mul(gScore).sum().backward();

        Tensor compiledScore = disc.forward(gen.forward(z));
        assertCloseElementwise(score, compiledScore, 1e-5, "score");
        Tensor gradFake = disc.backward(gScore);
        gen.backward(gradFake);
        for (var e : gen.namedParameters().entrySet()) assertCloseElementwise(g.get(e.getKey()).grad(), e.getValue().grad(), 1e-5, "generator " + e.getKey());
        for (var e : disc.namedParameters().entrySet()) assertCloseElementwise(d.get(e.getKey()).grad(), e.getValue().grad(), 1e-5, "discriminator " + e.getKey());
    }

    private static Map<String, Tensor> leaves(Map<String, Tensor> state) {
        Map<String, Tensor> out = new HashMap<>();
        for (var e : state.entrySet()) out.put(e.getKey(), e.getValue().detach().clone().requiresGrad_());
        return out;
    }
}
