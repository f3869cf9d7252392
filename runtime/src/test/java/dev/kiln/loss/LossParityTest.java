package dev.kiln.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.optim.OptimFixture;
import dev.kiln.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each loss of the fixture, for each reduction and option, against PyTorch 1.13: the float32
 * forward value and the gradient with respect to the input.
 */
class LossParityTest {
    private static final double RTOL = 2e-5;
    private static final double ATOL = 1e-6;

    @TestFactory
    Stream<DynamicTest> lossesMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : OptimFixture.root().get("losses")) {
            String name = (i++) + " " + c.get("loss").asText() + " " + c.get("reduction").asText() + " "
                    + optionsOf(c);
            tests.add(DynamicTest.dynamicTest(name, () -> check(c)));
        }
        return tests.stream();
    }

    private static String optionsOf(JsonNode c) {
        List<String> opts = new ArrayList<>();
        for (String k : List.of("weight", "pos_weight", "ignore_index", "label_smoothing", "delta", "beta")) {
            if (c.has(k)) opts.add(k);
        }
        return opts.toString();
    }

    private static void check(JsonNode c) {
        Tensor input = OptimFixture.tensor(c.get("input")).requiresGrad_();
        Tensor target = OptimFixture.tensor(c.get("target"));
        Tensor out = compute(c, input, target);
        Tensor expected = OptimFixture.tensor(c.get("output"));
        assertEquals(expected.shape(), out.shape(), "output shape");
        assertClose(expected.toDoubleArray(), out.toDoubleArray(), "output");
        Tensor gradOut = OptimFixture.tensor(c.get("grad_output"));
        if (gradOut == null) out.backward();
        else out.backward(gradOut);
        assertClose(OptimFixture.tensor(c.get("input_grad")).toDoubleArray(), input.grad().toDoubleArray(), "input grad");
    }

    static Tensor compute(JsonNode c, Tensor input, Tensor target) {
        Reduction r = Reduction.valueOf(c.get("reduction").asText().toUpperCase());
        Tensor weight = OptimFixture.tensor(c.get("weight"));
        long ignore = c.path("ignore_index").asLong(NLLLoss.DEFAULT_IGNORE_INDEX);
        return switch (c.get("loss").asText()) {
            case "cross_entropy" -> CrossEntropyLoss.crossEntropy(input, target, weight, ignore, r,
                    c.path("label_smoothing").asDouble(0));
            case "nll_loss" -> new NLLLoss(weight, ignore, r).forward(input, target);
            case "binary_cross_entropy" -> new BCELoss(weight, r).forward(input, target);
            case "binary_cross_entropy_with_logits" ->
                    new BCEWithLogitsLoss(weight, r, OptimFixture.tensor(c.get("pos_weight"))).forward(input, target);
            case "l1_loss" -> new L1Loss(r).forward(input, target);
            case "mse_loss" -> new MSELoss(r).forward(input, target);
            case "huber_loss" -> new HuberLoss(r, c.path("delta").asDouble(1.0)).forward(input, target);
            case "smooth_l1_loss" -> new SmoothL1Loss(r, c.path("beta").asDouble(1.0)).forward(input, target);
            default -> throw new IllegalArgumentException(c.get("loss").asText());
        };
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], ATOL + RTOL * Math.abs(want[i]), what + " element " + i
                    + " want " + java.util.Arrays.toString(want) + " got " + java.util.Arrays.toString(got));
        }
    }
}
