package dev.kiln.nn;

import dev.kiln.backend.Device;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.optim.Adam;
import dev.kiln.optim.RMSprop;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.DeviceTesting;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Module.to(device)}: parameters and buffers move in place, and what works with them on a device. */
class DeviceModuleTest {
    private static Sequential mlp() {
        manualSeed(11);
        return new Sequential(new Linear(5, 6), new ReLU(), new Linear(6, 3));
    }

    @Test
    void toMovesParametersInPlaceKeepingTheirIdentity() {
        Device dev = DeviceTesting.device();
        Sequential model = mlp();
        Linear first = (Linear) model.get(0);
        List<Tensor> params = model.parameters();
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> before.put(k, v.toFloatArray()));
        model.forward(ones(2, 5)).sum().backward();
        float[] gradBefore = first.weight().grad().toFloatArray();

        assertSame(model, model.to(dev));
        List<Tensor> after = model.parameters();
        for (int i = 0; i < params.size(); i++) {
            assertSame(params.get(i), after.get(i), "parameter " + i + " keeps its identity");
            assertEquals(dev, after.get(i).device());
            assertTrue(after.get(i).requiresGrad() && after.get(i).isLeaf());
        }
        assertSame(first.weight(), params.get(0));
        model.namedParameters().forEach((k, v) -> assertArrayEquals(before.get(k), v.toFloatArray(), 0f, k));
        assertEquals(dev, first.weight().grad().device(), "gradients move with their parameters");
        assertArrayEquals(gradBefore, first.weight().grad().toFloatArray(), 0f);

        model.to("opencl:0");  // already there: nothing changes
        model.cpu();
        for (Tensor p : params) assertEquals(Device.CPU, p.device());
        model.namedParameters().forEach((k, v) -> assertArrayEquals(before.get(k), v.toFloatArray(), 0f, k));
    }

    @Test
    void buffersMoveToo() {
        Device dev = DeviceTesting.device();
        BatchNorm1d bn = new BatchNorm1d(4);
        bn.to(dev);
        bn.namedBuffers().forEach((k, v) -> assertEquals(dev, v.device(), k));
        assertEquals(dev, bn.forward(randn(3, 4).to(dev)).device());
        bn.namedBuffers().forEach((k, v) -> assertEquals(dev, v.device(), k + " stays on the device"));
        assertEquals(1, bn.numBatchesTracked().longItem());
    }

    @Test
    void stateDictsCrossDevices() {
        Device dev = DeviceTesting.device();
        Sequential cpu = mlp(), onDevice = mlp().to(dev) instanceof Sequential s ? s : null;
        manualSeed(99);
        Sequential other = new Sequential(new Linear(5, 6), new ReLU(), new Linear(6, 3));
        onDevice.loadStateDict(other.stateDict());
        onDevice.namedParameters().forEach((k, v) -> {
            assertEquals(dev, v.device(), k);
            assertArrayEquals(other.stateDict().get(k).toFloatArray(), v.toFloatArray(), 0f, k);
        });
        cpu.loadStateDict(onDevice.stateDict());
        cpu.namedParameters().forEach((k, v) -> assertArrayEquals(other.stateDict().get(k).toFloatArray(),
                v.toFloatArray(), 0f, k));
    }

    @Test
    void zeroGradAndOptimizersOnADevice() {
        Device dev = DeviceTesting.device();
        Sequential model = mlp();
        Tensor x = randn(4, 5), y = tensor(new long[] {0, 1, 2, 1});
        var sgdBefore = new SGD(model.parameters(), SGD.options(0.1).momentum(0.9));
        new CrossEntropyLoss().forward(model.forward(x), y).backward();
        sgdBefore.step();  // its momentum buffers now live on the CPU
        model.to(dev);
        x = x.to(dev);
        y = y.to(dev);
        new CrossEntropyLoss().forward(model.forward(x), y).backward();
        var stale = assertThrows(IllegalArgumentException.class, sgdBefore::step);
        assertTrue(stale.getMessage().contains("build the optimizer after"), stale.getMessage());

        var adam = new Adam(model.parameters());
        adam.step();
        adam.zeroGrad();
        for (Tensor p : model.parameters()) {
            assertEquals(dev, p.grad().device());
            assertEquals(0.0, p.grad().abs().sum().item());
        }
        assertEquals(dev, ((Tensor) adam.state(model.parameters().get(0)).get("exp_avg")).device());
        adam.zeroGrad(true);
        assertNull(model.parameters().get(0).grad());

        new CrossEntropyLoss().forward(model.forward(x), y).backward();
        var rms = new RMSprop(model.parameters());
        var e = assertThrows(UnsupportedOperationException.class, rms::step);
        assertTrue(e.getMessage().contains("optim.RMSprop") && e.getMessage().contains("opencl:0"), e.getMessage());
    }
}
