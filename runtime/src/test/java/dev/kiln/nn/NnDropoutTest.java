package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

/** Dropout masks after a seed are PyTorch's, element for element; scaling and modes as PyTorch. */
class NnDropoutTest {
    @Test void seededOutputsMatchPyTorchExactly() {
        JsonNode dropout = NnFixture.root().get("dropout");
        for (JsonNode c : dropout.get("cases")) {
            Tensor x = NnFixture.tensor(c.get("x"));
            Torch.manualSeed(c.get("seed").asLong());
            Tensor y = Functional.dropout(x, c.get("p").asDouble(), true);
            NnFixture.assertExact(c.get("out"), y, "seed " + c.get("seed") + " p " + c.get("p"));
        }
    }

    @Test void maskStatisticsMatchPyTorch() {
        JsonNode s = NnFixture.root().get("dropout").get("stats");
        Torch.manualSeed(s.get("seed").asLong());
        double p = s.get("p").asDouble();
        Tensor y = Functional.dropout(Torch.ones(s.get("n").asInt()), p);
        double[] v = y.toDoubleArray();
        int zeros = 0;
        for (double d : v) if (d == 0) zeros++;
        assertEquals(s.get("zeros").asInt(), zeros);
        assertEquals(s.get("mean").asDouble(), y.mean().item(), 1e-6);
        assertEquals(s.get("kept_value").asDouble(), y.max().item(), 0.0);
        // kept elements are scaled by 1/(1-p) so the expectation is unchanged
        assertEquals((float) (1 / (1 - p)), (float) y.max().item(), 1e-6);
        assertEquals(p, zeros / (double) v.length, 0.02);
        assertEquals(1.0, y.mean().item(), 0.03);
    }

    @Test void gradientFlowsOnlyThroughKeptElements() {
        Torch.manualSeed(4);
        Tensor x = Torch.randn(50).requiresGrad_();
        Torch.manualSeed(9);
        Tensor y = Functional.dropout(x, 0.4, true);
        y.sum().backward();
        double[] yv = y.toDoubleArray(), g = x.grad().toDoubleArray();
        for (int i = 0; i < g.length; i++) assertEquals(yv[i] == 0 ? 0.0 : 1 / 0.6f, g[i], 1e-6);
    }

    @Test void edgeProbabilitiesAndModes() {
        Tensor x = Torch.randn(3, 4);
        assertSame(x, Functional.dropout(x, 0.0, true));
        assertSame(x, Functional.dropout(x, 0.7, false));
        assertEquals(0.0, Functional.dropout(x, 1.0, true).abs().sum().item(), 0.0);
        var e = assertThrows(IllegalArgumentException.class, () -> Functional.dropout(x, 1.5, true));
        assertEquals("dropout probability has to be between 0 and 1, but got 1.5", e.getMessage());
        Dropout d = new Dropout(0.5);
        d.eval();
        assertSame(x, d.forward(x));
        d.train();
        Torch.manualSeed(0);
        Tensor a = d.forward(x);
        Torch.manualSeed(0);
        assertEquals(true, a.equal(Functional.dropout(x, 0.5, true)));
    }
}
