package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** zeroGrad, closures, and state dicts that let a run resume exactly where it stopped. */
class OptimStateTest {
    private static List<Tensor> params() {
        return List.of(Torch.tensor(new double[] {1.0, -2.0, 0.5}).requiresGrad_(),
                Torch.tensor(new double[][] {{0.3, 0.7}, {-1.0, 2.0}}).requiresGrad_());
    }

    /** One step on {@code sum(p^2 * (1 + p))}, via autograd. */
    private static void step(Optimizer<?> opt, List<Tensor> ps) {
        opt.zeroGrad();
        Tensor loss = Torch.zeros(1).sum();
        for (Tensor p : ps) loss = loss.add(p.mul(p).mul(p.add(1.0)).sum());
        loss.backward();
        opt.step();
    }

    private static <O extends OptimizerOptions<O>> void resumes(Function<List<Tensor>, Optimizer<O>> make) {
        List<Tensor> a = params(), b = params();
        Optimizer<O> oa = make.apply(a), ob = make.apply(b);
        for (int i = 0; i < 5; i++) step(oa, a);
        OptimizerStateDict<O> saved = oa.stateDict();
        // b resumes from a's parameters and optimizer state.
        try (var ignored = GradMode.noGrad()) {
            for (int i = 0; i < a.size(); i++) b.get(i).copy_(a.get(i));
        }
        ob.loadStateDict(saved);
        for (int i = 0; i < 5; i++) {
            step(oa, a);
            step(ob, b);
        }
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray());
        // Loading copies: b's buffers are not a's.
        for (var e : ob.state(b.get(0)).entrySet()) {
            if (e.getValue() instanceof Tensor t) assertNotSame(oa.state(a.get(0)).get(e.getKey()), t);
        }
    }

    @Test
    void everyOptimizerResumesFromItsStateDict() {
        resumes(p -> new SGD(p, SGD.options(0.01).momentum(0.9).nesterov(true)));
        resumes(p -> new Adagrad(p, Adagrad.options().lrDecay(0.1)));
        resumes(p -> new RMSprop(p, RMSprop.options().centered(true).momentum(0.5)));
        resumes(p -> new Adam(p, Adam.options().lr(0.01).amsgrad(true)));
        resumes(p -> new AdamW(p, AdamW.options().lr(0.01)));
    }

    @Test
    void stateDictHoldsPyTorchKeysAndIds() {
        List<Tensor> p = params();
        Adam opt = new Adam(p);
        step(opt, p);
        var sd = opt.stateDict();
        assertEquals(List.of(0, 1), sd.paramGroups().get(0).params());
        assertEquals(1.0, ((Tensor) sd.state().get(1).get("step")).item());
        assertEquals(List.of("exp_avg", "exp_avg_sq", "step"), sd.state().get(0).keySet().stream().sorted().toList());
    }

    @Test
    void loadRejectsMismatchedGroups() {
        SGD small = new SGD(List.of(Torch.zeros(1).requiresGrad_()), 0.1);
        SGD big = new SGD(params(), 0.1);
        var e = assertThrows(IllegalArgumentException.class, () -> big.loadStateDict(small.stateDict()));
        assertEquals("loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
                e.getMessage());
    }

    @Test
    void zeroGradZeroesInPlaceByDefaultAndCanDrop() {
        List<Tensor> p = params();
        SGD opt = new SGD(p, 0.1);
        step(opt, p);
        Tensor g = p.get(0).grad();
        opt.zeroGrad();
        assertEquals(g, p.get(0).grad());
        assertArrayEquals(new float[3], g.toFloatArray());
        opt.zeroGrad(true);
        assertNull(p.get(0).grad());
    }

    @Test
    void closureIsEvaluatedWithGradAndItsLossReturned() {
        Tensor w = Torch.tensor(new double[] {3.0}).requiresGrad_();
        SGD opt = new SGD(List.of(w), 0.25);
        Tensor loss;
        try (var ignored = GradMode.noGrad()) {
            loss = opt.step(() -> {
                opt.zeroGrad();
                Tensor l = w.mul(w).sum();
                l.backward();
                return l;
            });
        }
        assertEquals(9.0, loss.item());
        assertEquals(1.5, w.item());  // 3 - 0.25 * 6
    }

    @Test
    void groupsKeepTheirOwnRates() {
        List<Tensor> p = params();
        SGD.Options d = SGD.options(0.1);
        SGD opt = new SGD(d, List.of(new ParamGroup<>(List.of(p.get(0)), d), new ParamGroup<>(List.of(p.get(1)), d.lr(0.0))));
        step(opt, p);
        assertArrayEquals(new float[] {0.3f, 0.7f, -1.0f, 2.0f}, p.get(1).toFloatArray());
        opt.setLr(1, 0.5);
        assertEquals(0.5, opt.getLr(1));
        assertEquals(0.1, opt.getLr(0));
    }
}
