package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays each optimizer of the fixture for 20 steps on the same problem and compares every
 * parameter after every step with PyTorch 1.13's float32 trajectory. The gradients are computed
 * element-wise in float32 exactly as the fixture script does, so they agree bit for bit; the
 * updates reproduce PyTorch's rounding (float32 scalars, fused multiply-adds), so the
 * trajectories agree bit for bit; a tolerance would hide an operation done in the wrong order.
 */
class OptimParityTest {

    @TestFactory
    Stream<DynamicTest> trajectoriesMatchPyTorch() {
        JsonNode fx = OptimFixture.root().get("optimizers");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : fx.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("optimizer").asText() + " " + c.get("options"), () -> replay(fx, c)));
        }
        return tests.stream();
    }

    private static void replay(JsonNode fx, JsonNode c) {
        List<Tensor> params = new ArrayList<>(), a = new ArrayList<>(), b = new ArrayList<>(), target = new ArrayList<>();
        for (int i = 0; i < fx.get("init").size(); i++) {
            params.add(OptimFixture.tensor(fx.get("init").get(i)).requiresGrad_());
            a.add(OptimFixture.tensor(fx.get("a").get(i)));
            b.add(OptimFixture.tensor(fx.get("b").get(i)));
            target.add(OptimFixture.tensor(fx.get("c").get(i)));
        }
        Optimizer<?> opt = build(c.get("optimizer").asText(), c.get("options"), params);
        int step = 0;
        for (JsonNode expected : c.get("trajectory")) {
            opt.zeroGrad();
            try (var ignored = GradMode.noGrad()) {
                for (int i = 0; i < params.size(); i++) {
                    Tensor d = params.get(i).detach().sub(target.get(i));
                    params.get(i).setGrad(a.get(i).mul(d).add(b.get(i).mul(d.mul(d).mul(d))));
                }
            }
            opt.step();
            step++;
            int k = 0;
            for (Tensor p : params) {
                float[] got = p.detach().toFloatArray();
                for (float v : got) {
                    double want = expected.get(k++).asDouble();
                    assertEquals((float) want, v, "step " + step + " element " + (k - 1));
                }
            }
        }
    }

    /** Builds the optimizer the fixture names, with its PyTorch keyword options. */
    static Optimizer<?> build(String name, JsonNode o, List<Tensor> params) {
        return switch (name) {
            case "SGD" -> new SGD(params, SGD.options(o.get("lr").asDouble())
                    .momentum(o.path("momentum").asDouble(0)).dampening(o.path("dampening").asDouble(0))
                    .weightDecay(o.path("weight_decay").asDouble(0)).nesterov(o.path("nesterov").asBoolean(false))
                    .maximize(o.path("maximize").asBoolean(false)));
            case "SGD_groups" -> {
                SGD.Options defaults = SGD.options(0.05).momentum(0.9);
                yield new SGD(defaults, List.of(new ParamGroup<>(List.of(params.get(0)), defaults),
                        new ParamGroup<>(List.of(params.get(1)), defaults.lr(0.01).momentum(0.5))));
            }
            case "Adagrad" -> {
                Adagrad.Options d = Adagrad.options();
                yield new Adagrad(params, d.lr(o.path("lr").asDouble(d.lr())).lrDecay(o.path("lr_decay").asDouble(0))
                        .weightDecay(o.path("weight_decay").asDouble(0))
                        .initialAccumulatorValue(o.path("initial_accumulator_value").asDouble(0)));
            }
            case "RMSprop" -> {
                RMSprop.Options d = RMSprop.options();
                yield new RMSprop(params, d.lr(o.path("lr").asDouble(d.lr())).alpha(o.path("alpha").asDouble(d.alpha()))
                        .eps(o.path("eps").asDouble(d.eps())).weightDecay(o.path("weight_decay").asDouble(0))
                        .momentum(o.path("momentum").asDouble(0)).centered(o.path("centered").asBoolean(false)));
            }
            case "Adam" -> {
                Adam.Options d = Adam.options();
                JsonNode betas = o.get("betas");
                yield new Adam(params, d.lr(o.path("lr").asDouble(d.lr()))
                        .betas(betas == null ? d.beta1() : betas.get(0).asDouble(), betas == null ? d.beta2() : betas.get(1).asDouble())
                        .eps(o.path("eps").asDouble(d.eps())).weightDecay(o.path("weight_decay").asDouble(0))
                        .amsgrad(o.path("amsgrad").asBoolean(false)));
            }
            case "AdamW" -> {
                AdamW.Options d = AdamW.options();
                JsonNode betas = o.get("betas");
                yield new AdamW(params, d.lr(o.path("lr").asDouble(d.lr()))
                        .betas(betas == null ? d.beta1() : betas.get(0).asDouble(), betas == null ? d.beta2() : betas.get(1).asDouble())
                        .eps(o.path("eps").asDouble(d.eps())).weightDecay(o.path("weight_decay").asDouble(d.weightDecay()))
                        .amsgrad(o.path("amsgrad").asBoolean(false)));
            }
            default -> throw new IllegalArgumentException(name);
        };
    }
}
