package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.optim.Adam;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.samples.compiled.TensorAsserts.assertCloseElementwise;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated {@link TestGraphNet} (adjacency as a second input, two outputs) against the same network in eager
 * ops with autograd: both outputs, the gradients of both inputs, every parameter gradient; and the packed raw
 * layout the trainer uses.
 */
class MultiInputTest {
    @Test
    void graphNetMatchesEagerForwardAndGradients() {
        KilnTestGraphNet model = KilnTestGraphNet.create(5);
        Torch.manualSeed(2);
        Tensor x = Torch.randn(3, 5, 3), adj = Torch.rand(3, 5, 5);
        Tensor gNodes = Torch.randn(3, 5, 2), gGraph = Torch.randn(3, 3);
        Map<String, Tensor> p = new HashMap<>();
        for (var e : model.stateDict().entrySet()) p.put(e.getKey(), e.getValue().detach().clone().requiresGrad_());
        Tensor xe = x.clone().requiresGrad_(), ae = adj.clone().requiresGrad_();
        Tensor h = ae.matmul(xe).matmul(p.get("gc1.weight").t()).add(p.get("gc1.bias")).relu();
        Tensor nodes = ae.matmul(h).matmul(p.get("nodes.weight").t()).add(p.get("nodes.bias"));
        Tensor graph = h.reshape(3, 20).matmul(p.get("graph.weight").t()).add(p.get("graph.bias"));
        nodes.mul(gNodes).sum().add(graph.mul(gGraph).sum()).backward();

        List<Tensor> out = model.forward(x, adj);
        assertCloseElementwise(nodes, out.get(0), 1e-4, "nodes output");
        assertCloseElementwise(graph, out.get(1), 1e-4, "graph output");
        model.zeroGrad();
        List<Tensor> grads = model.backward(gNodes, gGraph);
        assertCloseElementwise(xe.grad(), grads.get(0), 1e-4, "input gradient");
        assertCloseElementwise(ae.grad(), grads.get(1), 1e-4, "adjacency gradient");
        for (var e : model.namedParameters().entrySet()) assertCloseElementwise(p.get(e.getKey()).grad(), e.getValue().grad(), 1e-4, e.getKey());
    }

    @Test
    void rawLayoutPacksInputsAndOutputsPerSample() {
        assertEquals(5 * 3 + 5 * 5, KilnTestGraphNet.INPUT_SIZE);
        assertEquals(5 * 2 + 3, KilnTestGraphNet.OUTPUT_SIZE);
        KilnTestGraphNet model = KilnTestGraphNet.create(5);
        Tensor x = Torch.randn(2, 5, 3), adj = Torch.rand(2, 5, 5);
        float[] packed = new float[2 * KilnTestGraphNet.INPUT_SIZE];
        for (int s = 0; s < 2; s++) {
            System.arraycopy(x.toFloatArray(), s * 15, packed, s * 40, 15);
            System.arraycopy(adj.toFloatArray(), s * 25, packed, s * 40 + 15, 25);
        }
        float[] raw = model.forward(packed, 2).clone();
        List<Tensor> viaTensors = model.forward(x, adj);
        float[] graph = viaTensors.get(1).toFloatArray();
        // Sample 1's graph output sits after its 10 node scores, in the second sample's 13 floats.
        for (int j = 0; j < 3; j++) assertEquals(graph[3 + j], raw[13 + 10 + j], 1e-6f);
    }

    @Test
    void trainerFitsAPackedTwoInputModelWithMse() {
        KilnTestGraphNet model = KilnTestGraphNet.create(1, 16);
        Tensor x = Torch.randn(64, 5, 3), adj = Torch.rand(64, 5, 5);
        float[] packed = new float[64 * KilnTestGraphNet.INPUT_SIZE], target = new float[64 * KilnTestGraphNet.OUTPUT_SIZE];
        for (int s = 0; s < 64; s++) {
            System.arraycopy(x.toFloatArray(), s * 15, packed, s * 40, 15);
            System.arraycopy(adj.toFloatArray(), s * 25, packed, s * 40 + 15, 25);
        }
        var trainer = model.trainer(Loss.mse(), Adam.options().lr(1e-2)).log(null);
        double first = trainer.evaluate(packed, target).loss();
        trainer.fit(packed, target, 30, 16);
        double last = trainer.evaluate(packed, target).loss();
        assertTrue(last < first / 4, "MSE towards zero targets went from " + first + " to " + last);
    }
}
