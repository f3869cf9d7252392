package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.compiled.Optimizer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.SGD;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The update kernels against compiled/Optimizer stepping the same parameters with the same gradients: one
 * optimizer runs on the CPU, a second of the same configuration supplies the device its per-step scalars.
 */
class OptimizerKernelTest {
    private static final int STEPS = 6;
    private static final int[] SIZES = {1, 7, 17, 129, 1000, 4099};

    private static List<Supplier<Optimizer>> optimizers() {
        return List.of(
                () -> Optimizer.sgd(0.1),
                () -> Optimizer.of(SGD.options(0.05).weightDecay(1e-2)),
                () -> Optimizer.sgd(0.05, 0.9),
                () -> Optimizer.of(SGD.options(0.05).momentum(0.9).dampening(0.3).weightDecay(1e-2)),
                () -> Optimizer.of(SGD.options(0.05).momentum(0.8).weightDecay(5e-3).nesterov(true)),
                () -> Optimizer.adam(1e-2),
                () -> Optimizer.of(Adam.options().lr(3e-3).betas(0.8, 0.95).eps(1e-6).weightDecay(2e-2)),
                () -> Optimizer.of(AdamW.options().lr(3e-3).betas(0.8, 0.95).eps(1e-6).weightDecay(0.5)));
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void updatesTrackTheCpuOptimizerOverSeveralSteps(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        int config = 0;
        for (Supplier<Optimizer> make : optimizers()) {
            for (int count : SIZES) run(lib, make.get(), make.get(), count, config);
            config++;
        }
    }

    private static void run(KernelLibrary lib, Optimizer cpu, Optimizer device, int count, int config) {
        SplittableRandom rng = new SplittableRandom(100 + count);
        float[] params = OpenClFixture.random(rng, count, -1, 1);
        cpu.bind(count);
        int pOff = 3, gOff = 1, sOff = 2;
        long state = KernelLibrary.stateFloats(device, count);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            float[] padded = new float[pOff + count];
            System.arraycopy(params, 0, padded, pOff, count);
            DeviceBuffer dp = dev.upload(padded), dg = dev.allocate(gOff + count);
            DeviceBuffer ds = dev.allocate((int) (sOff + state));
            lib.fill(ds, 0, (int) (sOff + state), 0f);
            // The largest magnitude each parameter has had: a step that nearly cancels it (p - lr * step ~ 0) keeps
            // the rounding of its operands, and the device may fuse a multiply-add the CPU rounds twice.
            float[] scale = new float[count];
            for (int step = 0; step < STEPS; step++) {
                float[] grads = OpenClFixture.random(rng, count, -2, 2);
                lib.context().upload(grads, 0, dg, gOff, count);
                for (int i = 0; i < count; i++) scale[i] = Math.max(scale[i], Math.abs(params[i]));
                cpu.step(params, grads);
                device.begin();
                lib.update(device, dp, pOff, dg, gOff, ds, sOff, count);
                float[] got = dev.download(dp, pOff + count);
                for (int i = 0; i < count; i++) {
                    float want = params[i], have = got[pOff + i];
                    scale[i] = Math.max(scale[i], Math.abs(want));
                    if (!(Math.abs(have - want) <= 1e-6 * Math.max(1e-3, scale[i]))) {
                        fail("optimizer " + config + " (" + cpu + "), " + count
                                + " params, step " + (step + 1) + ", param " + i + ": " + have + " vs CPU " + want
                                + ", tiles " + lib.tiles());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OpenClFixture.Lib.class)
    void theExplicitSgdCallStartsTheVelocityAtTheGradient(OpenClFixture.Lib which) {
        KernelLibrary lib = which.get();
        int count = 33;
        SplittableRandom rng = new SplittableRandom(9);
        float[] params = OpenClFixture.random(rng, count, -1, 1);
        Optimizer cpu = Optimizer.of(SGD.options(0.05).momentum(0.9).dampening(0.25).weightDecay(1e-3));
        cpu.bind(count);
        try (OpenClFixture dev = new OpenClFixture(lib)) {
            DeviceBuffer dp = dev.upload(params), dg = dev.allocate(count), dv = dev.upload(new float[count]);
            for (int step = 0; step < 3; step++) {
                float[] grads = OpenClFixture.random(rng, count, -1, 1);
                lib.context().upload(grads, 0, dg, 0, count);
                cpu.step(params, grads);
                lib.sgd(dp, 0, dg, 0, dv, 0, count, 0.05f, 0.9f, 0.25f, 1e-3f, false, step == 0);
                float[] got = dev.download(dp, count);
                for (int i = 0; i < count; i++) {
                    assertEquals(params[i], got[i], 1e-6 * Math.max(1, Math.abs(params[i])), "step " + step);
                }
            }
        }
    }
}
