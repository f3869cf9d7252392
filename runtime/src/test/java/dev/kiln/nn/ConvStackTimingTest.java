package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import org.junit.jupiter.api.Test;

/**
 * Times forward + backward of the Fashion-MNIST CNN's conv stack (Conv2d(1,32,3,p1)-ReLU-MaxPool2
 * -> Conv2d(32,64,3,p1)-ReLU-MaxPool2) on one batch of 64 and prints it. The time is reported,
 * not asserted: it depends on the machine and its load. Only the shapes and gradients are checked.
 */
class ConvStackTimingTest {
    @Test
    void convStackForwardBackwardPerBatch() {
        Torch.manualSeed(0);
        Conv2d conv1 = new Conv2d(1, 32, 3, 1, 1), conv2 = new Conv2d(32, 64, 3, 1, 1);
        MaxPool2d pool = new MaxPool2d(2);
        Tensor x = Torch.randn(64, 1, 28, 28);
        int warmup = Integer.getInteger("kiln.bench.warmup", 2), runs = Integer.getInteger("kiln.bench.runs", 3);
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long best = Long.MAX_VALUE, total = 0, cpu = 0;
        for (int i = 0; i < warmup + runs; i++) {
            conv1.zeroGrad();
            conv2.zeroGrad();
            long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            Tensor h = pool.forward(conv1.forward(x).relu());
            Tensor out = pool.forward(conv2.forward(h).relu());
            out.sum().backward();
            long dt = System.nanoTime() - t0;
            if (i >= warmup) {
                cpu += os.getProcessCpuTime() - c0;
                best = Math.min(best, dt);
                total += dt;
            }
            assertArrayEquals(new int[] {64, 64, 7, 7}, out.shape().toArray());
        }
        assertNotNull(conv1.weight().grad());
        assertNotNull(conv2.bias().grad());
        // Process CPU time (all threads, JIT and GC included) shows the cost when the machine is shared.
        System.out.printf("conv stack fwd+bwd, batch 64: wall mean %.1f ms, best %.1f ms; process CPU %.1f ms per batch "
                + "over %d runs (~%.0f s wall per 938-batch epoch for the conv stack)%n",
                total / 1e6 / runs, best / 1e6, cpu / 1e6 / runs, runs, total / 1e9 / runs * 938);
    }
}
