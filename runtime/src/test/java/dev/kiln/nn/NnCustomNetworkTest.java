package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.nn.init.FanMode;
import dev.kiln.nn.init.Init;
import dev.kiln.nn.init.Nonlinearity;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The course's custom network, written the way a user writes one: a Module subclass that
 * registers its layers, re-initialises two of them and defines its own forward.
 */
class NnCustomNetworkTest {
    /** Twin of CustomNet in make_nn_fixtures.py; the class name matters for the repr. */
    static class CustomNet extends Module {
        final Linear fc1 = register("fc1", new Linear(3, 3));
        final Linear fc2 = register("fc2", new Linear(3, 2));
        final Linear fc3 = register("fc3", new Linear(2, 2));

        CustomNet() {
            Init.xavierUniform_(fc1.weight());
            Init.kaimingUniform_(fc2.weight(), 0, FanMode.FAN_IN, Nonlinearity.RELU);
        }

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.sigmoid(fc1.forward(x));
            x = Functional.relu(fc2.forward(x));
            return Functional.softmax(fc3.forward(x), 1);
        }
    }

    @Test void seededConstructionMatchesPyTorchBitForBit() {
        JsonNode c = find(NnFixture.root().get("defaults"), "custom");
        Torch.manualSeed(c.get("seed").asLong());
        CustomNet net = new CustomNet();
        var state = net.stateDict();
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"), List.copyOf(state.keySet()));
        c.get("state").fields().forEachRemaining(e -> NnFixture.assertExact(e.getValue(), state.get(e.getKey()), e.getKey()));
    }

    @Test void forwardAndBackwardMatchPyTorch() {
        for (JsonNode c : NnFixture.root().get("layers")) {
            if (!c.get("name").asText().equals("custom")) continue;
            CustomNet net = new CustomNet();
            net.loadStateDict(NnFixture.state(c.get("state")));
            Tensor x = NnFixture.tensor(c.get("input")).requiresGrad_();
            Tensor out = net.forward(x);
            NnFixture.assertClose(c.get("out"), out, "out");
            // Rows of a softmax sum to one.
            for (double s : out.sum(1).toDoubleArray()) assertEquals(1.0, s, 1e-6);
            out.mul(NnFixture.tensor(c.get("W"))).sum().backward();
            NnFixture.assertClose(c.get("grad_input"), x.grad(), "grad_input");
            c.get("grads").fields().forEachRemaining(e ->
                    NnFixture.assertClose(e.getValue(), net.namedParameters().get(e.getKey()).grad(), e.getKey()));
        }
    }

    @Test void oneTrainingStepLowersTheLoss() {
        Torch.manualSeed(0);
        CustomNet net = new CustomNet();
        Tensor x = Torch.tensor(new double[][] {{0.5, -1, 2}, {1, 0, -0.5}, {-2, 1, 0.3}}).toFloat();
        Tensor target = Torch.tensor(new double[][] {{1, 0}, {0, 1}, {1, 0}}).toFloat();
        double before = 0;
        for (int step = 0; step < 20; step++) {
            net.zeroGrad();
            Tensor loss = net.forward(x).sub(target).pow(2L).mean();
            if (step == 0) before = loss.item();
            loss.backward();
            try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
                for (Tensor p : net.parameters()) {
                    assertNotNull(p.grad());
                    p.sub_(p.grad().mul(1.0));
                }
            }
        }
        double after = net.forward(x).sub(target).pow(2L).mean().item();
        assertEquals(true, after < before, "loss " + before + " -> " + after);
        assertArrayEquals(new int[] {3, 2}, net.forward(x).shape().toArray());
    }

    static JsonNode find(JsonNode list, String name) {
        for (JsonNode n : list) if (n.get("name").asText().equals(name)) return n;
        throw new AssertionError("no fixture named " + name);
    }
}
