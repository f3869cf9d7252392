package dev.kiln.optim.lr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.optim.OptimFixture;
import dev.kiln.optim.ParamGroup;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The schedulers' learning rates over 30 epochs against PyTorch 1.13, plus lastEpoch and state dict rules. */
class LrSchedulerTest {
    /** Both sides compute in double; only cos may differ by an ulp between Java and glibc. */
    private static final double RTOL = 1e-13;

    private static SGD twoGroups() {
        SGD.Options d = SGD.options(0.1);
        return new SGD(d, List.of(new ParamGroup<>(List.of(Torch.zeros(2).requiresGrad_()), d),
                new ParamGroup<>(List.of(Torch.zeros(2).requiresGrad_()), d.lr(0.05))));
    }

    @TestFactory
    Stream<DynamicTest> ratesMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : OptimFixture.root().get("schedulers")) {
            tests.add(DynamicTest.dynamicTest(c.get("chain").toString(), () -> {
                SGD opt = twoGroups();
                List<LRScheduler> chain = new ArrayList<>();
                for (JsonNode s : c.get("chain")) chain.add(build(opt, s.get("scheduler").asText(), s.get("options")));
                LRScheduler last = chain.get(chain.size() - 1);
                int epoch = 0;
                for (JsonNode expected : c.get("lrs")) {
                    if (epoch++ > 0) {
                        opt.step();
                        for (LRScheduler s : chain) s.step();
                    }
                    double[] want = OptimFixture.values(expected);
                    double[] got = last.getLastLr();
                    for (int g = 0; g < want.length; g++) {
                        assertEquals(want[g], got[g], RTOL * Math.abs(want[g]), "epoch " + (epoch - 1) + " group " + g);
                        assertEquals(got[g], opt.getLr(g), 0.0, "optimizer's group holds the scheduled rate");
                    }
                }
            }));
        }
        return tests.stream();
    }

    static LRScheduler build(SGD opt, String name, JsonNode o) {
        return switch (name) {
            case "StepLR" -> new StepLR(opt, o.get("step_size").asInt(), o.path("gamma").asDouble(0.1));
            case "MultiStepLR" -> {
                List<Integer> m = new ArrayList<>();
                for (JsonNode v : o.get("milestones")) m.add(v.asInt());
                yield new MultiStepLR(opt, m, o.path("gamma").asDouble(0.1));
            }
            case "ExponentialLR" -> new ExponentialLR(opt, o.get("gamma").asDouble());
            case "CosineAnnealingLR" -> new CosineAnnealingLR(opt, o.get("T_max").asInt(), o.path("eta_min").asDouble(0));
            case "LinearLR" -> new LinearLR(opt, o.path("start_factor").asDouble(1.0 / 3), o.path("end_factor").asDouble(1.0),
                    o.path("total_iters").asInt(5));
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Test
    void constructionTakesTheInitialStep() {
        SGD opt = twoGroups();
        LinearLR s = new LinearLR(opt);
        assertEquals(0, s.lastEpoch());
        assertArrayEquals(new double[] {0.1 / 3, 0.05 / 3}, s.getLastLr(), 1e-17);
        assertEquals(0.1, opt.paramGroups().get(0).initialLr());
    }

    @Test
    void resumingNeedsInitialLr() {
        var e = assertThrows(IllegalArgumentException.class, () -> new StepLR(twoGroups(), 3, 0.1, 4));
        assertEquals("param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer", e.getMessage());
    }

    @Test
    void linearFactorsAreValidated() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LinearLR(twoGroups(), 1.5, 1.0, 5));
        assertEquals("Starting multiplicative factor expected to be between 0 and 1.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LinearLR(twoGroups(), 0.5, -1, 5));
        assertEquals("Ending multiplicative factor expected to be between 0 and 1.", e.getMessage());
    }

    @Test
    void stateDictRoundTripContinuesTheSchedule() {
        SGD a = twoGroups();
        CosineAnnealingLR sa = new CosineAnnealingLR(a, 10, 0.001);
        for (int i = 0; i < 4; i++) sa.step();
        Map<String, Object> state = sa.stateDict();
        assertEquals(4, state.get("last_epoch"));
        assertEquals(5, state.get("_step_count"));
        assertEquals(10, state.get("T_max"));

        SGD b = twoGroups();
        CosineAnnealingLR sb = new CosineAnnealingLR(b, 3);
        sb.loadStateDict(state);
        b.setLr(0, a.getLr(0));
        b.setLr(1, a.getLr(1));
        for (int i = 0; i < 8; i++) {
            sa.step();
            sb.step();
            assertArrayEquals(sa.getLastLr(), sb.getLastLr(), 0.0);
        }
    }

    @Test
    void closedFormStepJumpsToAnEpoch() {
        SGD opt = twoGroups();
        StepLR s = new StepLR(opt, 3, 0.5);
        s.step(7);
        assertArrayEquals(new double[] {0.1 * 0.25, 0.05 * 0.25}, s.getLastLr(), 1e-17);
        assertEquals(7, s.lastEpoch());
    }

    @Test
    void stepWithoutOptimizerStepStillAdvances() {
        Tensor p = Torch.zeros(1).requiresGrad_();
        SGD opt = new SGD(List.of(p), 1.0);
        ExponentialLR s = new ExponentialLR(opt, 0.5);
        s.step();
        s.step();
        assertEquals(0.25, opt.getLr(0));
    }
}
