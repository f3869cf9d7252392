package dev.kiln.samples.compiled;

import dev.kiln.backend.cuda.CudaCompileCheck;
import dev.kiln.compiled.CompiledModel;
import dev.kiln.compiled.DevicePlan;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The device kernels the model compiler wrote for the sample and test models with a device program compile with
 * NVRTC and assemble with ptxas for sm_80 and sm_90 without spills (no GPU needed; skipped, with the way to get
 * the tools, where .ci/cuda-tools.sh has not run). The OpenCL side of the same kernels runs in DeviceTrainingTest.
 */
class GeneratedKernelsCudaTest {
    @Test
    void everyGeneratedDeviceKernelCompilesAndAssembles() {
        for (CompiledModel m : List.of(KilnPhonePrice.create(1), KilnPhonePriceTanh.create(1), KilnTestDeviceChain.create(1),
                KilnTestDeepChain.create(1), KilnTestWideRegressor.create(1), KilnFashionCnn.create(1), KilnTestDeviceCnn.create(1),
                KilnTestNet.create(1), KilnTestBnSequence.create(1), KilnTestBnCnn.create(1), KilnTestSeqNet.create(1),
                KilnTokenTagger.create(1))) {
            DevicePlan plan = m.devicePlan();
            String name = m.getClass().getSimpleName();
            assertNotNull(plan, name + " has a device program");
            CudaCompileCheck.Result r = CudaCompileCheck.check(name, plan.source());
            for (String kernel : plan.kernelNames()) {
                for (int arch : CudaCompileCheck.ARCHS) {
                    CudaCompileCheck.KernelStats s = r.stats(kernel, arch);
                    assertEquals(0, s.spillStoreBytes() + s.spillLoadBytes(), name + "." + kernel + " spills on sm_" + arch);
                }
            }
        }
    }
}
