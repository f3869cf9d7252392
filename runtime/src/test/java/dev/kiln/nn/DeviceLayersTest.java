package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.backend.Device;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.DeviceTesting;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.ValuesIndices;
import dev.kiln.tensor.random.Generator;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static dev.kiln.tensor.DeviceTesting.assertClose;
import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convolution, pooling, dropout, BatchNorm, LayerNorm, Embedding and flatten on an OpenCL device (PoCL in CI; skipped
 * without one) against the CPU, forward and backward, at odd sizes. Each op's inputs are leaves on both devices with
 * the same values; the same upstream gradient flows back. Tolerances: max pooling, the embedding's forward and
 * dropout's mask are exact; the embedding's gradient adds repeated rows in float where the eager CPU adds in double
 * (1e-6 relative); convolution sums in GEMM tiles (other orders than the CPU's), so 1e-4 relative with 1e-5 absolute;
 * BatchNorm and LayerNorm sum in float trees where the CPU sums in double, the same bounds.
 */
class DeviceLayersTest {
    private static final double RTOL = 1e-4, ATOL = 1e-5;

    /**
     * {@code op} on CPU leaves and on device leaves holding the same values (float inputs require grad, others are
     * indices), then backward of the same random gradient: outputs and every input's gradient agree.
     */
    private static void compare(String what, Function<Tensor[], Tensor> op, double rtol, double atol, Tensor... inputs) {
        Device dev = DeviceTesting.device();
        Tensor[] cpu = new Tensor[inputs.length], onDev = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) continue;
            boolean grad = inputs[i].isFloatingPoint();
            cpu[i] = inputs[i].detach().clone();
            onDev[i] = inputs[i].detach().to(dev);
            if (grad) {
                cpu[i].requiresGrad_();
                onDev[i].requiresGrad_();
            }
        }
        Tensor yc = op.apply(cpu), yd = op.apply(onDev);
        assertEquals(dev, yd.device(), what + ": result device");
        assertClose(what + " forward", yc, yd, rtol, atol);
        Tensor up = randn(yc.shape().toArray());
        yc.backward(up);
        yd.backward(up.to(dev));
        for (int i = 0; i < inputs.length; i++) {
            if (cpu[i] == null || !cpu[i].requiresGrad()) continue;
            assertEquals(dev, onDev[i].grad().device(), what + ": gradient " + i + " device");
            assertClose(what + " gradient of input " + i, cpu[i].grad(), onDev[i].grad(), rtol, atol);
        }
    }

    // ------------------------------------------------------------ conv2d

    @Test
    void conv2dAtOddSizesWithStridePaddingAndDilation() {
        manualSeed(1);
        int[][] configs = {
                // n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw
                {3, 5, 11, 9, 7, 3, 2, 2, 1, 1, 0, 1, 2},
                {2, 1, 13, 13, 4, 3, 3, 1, 1, 1, 1, 1, 1},
                {1, 6, 7, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1},   // one image, 1x1: the columns are the image
                {4, 6, 7, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1},   // 1x1 over a batch
                {1, 3, 9, 8, 5, 3, 3, 2, 3, 2, 1, 2, 1},   // one image
                {5, 2, 6, 10, 3, 4, 3, 3, 2, 0, 2, 1, 1},
        };
        for (int[] k : configs) {
            for (boolean bias : new boolean[] {true, false}) {
                String what = "conv2d " + java.util.Arrays.toString(k) + (bias ? " with bias" : "");
                int[] s = {k[7], k[8]}, p = {k[9], k[10]}, d = {k[11], k[12]};
                compare(what, t -> Convolution.conv2d(t[0], t[1], t[2], s, p, d, 1), RTOL, ATOL,
                        randn(k[0], k[1], k[2], k[3]), randn(k[4], k[1], k[5], k[6]), bias ? randn(k[4]) : null);
            }
        }
    }

    @Test
    void conv2dOfAnUnbatchedImageAndOfANonContiguousInput() {
        manualSeed(2);
        compare("conv2d of [C, H, W]", t -> Convolution.conv2d(t[0], t[1], t[2], 1, 1), RTOL, ATOL,
                randn(3, 7, 6), randn(4, 3, 3, 3), randn(4));
        compare("conv2d of a transposed input", t -> Convolution.conv2d(t[0].transpose(2, 3), t[1], t[2], 2, 0),
                RTOL, ATOL, randn(2, 3, 9, 7), randn(5, 3, 2, 2), randn(5));
    }

    @Test
    void theConv2dModuleOnADeviceMatchesTheCpu() {
        Device dev = DeviceTesting.device();
        manualSeed(3);
        Conv2d cpu = new Conv2d(3, 8, new int[] {3, 5}, new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 1}, 1, true);
        manualSeed(3);
        Conv2d onDev = new Conv2d(3, 8, new int[] {3, 5}, new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 1}, 1, true);
        onDev.to(dev);
        Tensor x = randn(3, 3, 10, 11);
        Tensor yc = cpu.forward(x), yd = onDev.forward(x.to(dev));
        assertClose("Conv2d forward", yc, yd, RTOL, ATOL);
        yc.mul(yc).sum().backward();
        yd.mul(yd).sum().backward();
        assertClose("Conv2d weight grad", cpu.weight().grad(), onDev.weight().grad(), RTOL, ATOL);
        assertClose("Conv2d bias grad", cpu.bias().grad(), onDev.bias().grad(), RTOL, ATOL);
    }

    @Test
    void groupedConvolutionIsRefusedNamingGroupsAndTheDevice() {
        Device dev = DeviceTesting.device();
        Conv2d grouped = new Conv2d(4, 4, 3, 1, 1, 1, 2, true);
        grouped.to(dev);
        var e = assertThrows(UnsupportedOperationException.class, () -> grouped.forward(randn(1, 4, 5, 5).to(dev)));
        assertTrue(e.getMessage().contains("groups=2") && e.getMessage().contains("opencl:0"), e.getMessage());
        var mixed = assertThrows(IllegalArgumentException.class,
                () -> Convolution.conv2d(randn(1, 4, 5, 5), randn(2, 4, 3, 3).to(dev), null));
        assertTrue(mixed.getMessage().contains("expected all tensors on the same device"), mixed.getMessage());
    }

    // ------------------------------------------------------------ pooling

    @Test
    void maxPoolingWithItsOptionsIsExact() {
        manualSeed(4);
        Tensor x = randn(3, 5, 13, 11);
        compare("MaxPool2d(2)", t -> new MaxPool2d(2).forward(t[0]), 0, 0, x);
        compare("MaxPool2d(3, 2, 1)", t -> new MaxPool2d(3, 2, 1).forward(t[0]), 0, 0, x);
        compare("MaxPool2d(3, 2, 1, dilation 2, ceil)", t -> new MaxPool2d(3, 2, 1, 2, true).forward(t[0]), 0, 0, x);
        compare("MaxPool2d((2, 3), (1, 2), ceil)", t -> new MaxPool2d(new int[] {2, 3}, new int[] {1, 2},
                new int[] {1, 1}, new int[] {1}, true).forward(t[0]), 0, 0, x);
        compare("max_pool2d of [C, H, W]", t -> Convolution.maxPool2d(t[0], 3, 2), 0, 0, randn(4, 9, 7));
        // Ties: integer-valued inputs, so the first maximum of each window must win as on the CPU.
        compare("max_pool2d with ties", t -> Convolution.maxPool2d(t[0], 3, 1), 0, 0,
                randint(0, 3, 2, 3, 8, 8).toFloat());
    }

    @Test
    void maxPoolIndicesMatchTheCpusAndStayOnTheDevice() {
        Device dev = DeviceTesting.device();
        manualSeed(5);
        Tensor x = randn(2, 3, 9, 10);
        int[] k = {3}, s = {2}, p = {1}, d = {1};
        ValuesIndices cpu = Convolution.maxPool2dWithIndices(x, k, s, p, d, true);
        ValuesIndices onDev = Convolution.maxPool2dWithIndices(x.to(dev), k, s, p, d, true);
        assertEquals(dev, onDev.indices().device());
        assertEquals(DType.INT64, onDev.indices().dtype());
        assertArrayEquals(cpu.indices().toLongArray(), onDev.indices().toLongArray());
        assertArrayEquals(cpu.values().toFloatArray(), onDev.values().toFloatArray(), 0f);
    }

    @Test
    void averagePoolingWithItsOptions() {
        manualSeed(6);
        Tensor x = randn(3, 4, 11, 13);
        compare("AvgPool2d(2)", t -> new AvgPool2d(2).forward(t[0]), 1e-6, 1e-7, x);
        compare("AvgPool2d(3, 2, 1)", t -> new AvgPool2d(3, 2, 1).forward(t[0]), 1e-6, 1e-7, x);
        compare("AvgPool2d(3, 2, 1, ceil, exclude pad)", t -> new AvgPool2d(3, 2, 1, true, false).forward(t[0]),
                1e-6, 1e-7, x);
        compare("AvgPool2d(3, 2, 1, ceil, include pad)", t -> new AvgPool2d(3, 2, 1, true, true).forward(t[0]),
                1e-6, 1e-7, x);
        compare("AvgPool2d((3, 2), divisor_override 5)", t -> new AvgPool2d(new int[] {3, 2}, new int[] {2, 1},
                new int[] {1, 1}, true, false, 5).forward(t[0]), 1e-6, 1e-7, x);
        compare("avg_pool2d of [C, H, W]", t -> Convolution.avgPool2d(t[0], 3, 2), 1e-6, 1e-7, randn(2, 7, 9));
    }

    // ------------------------------------------------------------ dropout

    @Test
    void dropoutDrawsItsMaskOnTheDeviceFromTheSeed() {
        Device dev = DeviceTesting.device();
        double p = 0.3;
        Tensor x = randn(37, 53).to(dev).requiresGrad_();
        manualSeed(9);
        long cpuDrawBefore = new Generator(9).random();
        Tensor y = Functional.dropout(x, p, true);
        assertEquals(cpuDrawBefore, Generator.defaultGenerator().random(),
                "the device's masks leave the CPU generator alone");
        manualSeed(9);
        Tensor again = Functional.dropout(x, p, true);
        assertArrayEquals(y.toFloatArray(), again.toFloatArray(), 0f, "the same seed drops the same elements");
        Tensor next = Functional.dropout(x, p, true);
        assertNotEquals(java.util.Arrays.toString(again.toFloatArray()), java.util.Arrays.toString(next.toFloatArray()),
                "the stream moves on");

        float[] xs = x.toFloatArray(), ys = y.toFloatArray();
        float scale = 1f / (1f - (float) p);
        int dropped = 0;
        for (int i = 0; i < xs.length; i++) {
            if (ys[i] == 0f) dropped++;
            else assertEquals(xs[i] * scale, ys[i], 0f, "kept elements are scaled by 1/(1-p)");
        }
        double fraction = dropped / (double) xs.length;
        assertTrue(Math.abs(fraction - p) < 0.04, "dropped fraction " + fraction);

        Tensor up = randn(37, 53);
        y.backward(up.to(dev));
        float[] g = x.grad().toFloatArray(), u = up.toFloatArray();
        for (int i = 0; i < g.length; i++) assertEquals(ys[i] == 0f ? 0f : u[i] * scale, g[i], 0f, "grad " + i);

        try (var ignored = GradMode.noGrad()) {
            assertTrue(Functional.dropout(x, p, false) == x, "eval is the identity");
            float[] ones = Functional.dropout(ones(5, 5).to(dev), 1.0, true).toFloatArray();
            for (float v : ones) assertEquals(0f, v, "p = 1 drops everything");
        }
    }

    @Test
    void inPlaceDropoutAndTheModuleOnADevice() {
        Device dev = DeviceTesting.device();
        manualSeed(10);
        Tensor base = randn(8, 9).to(dev).requiresGrad_();
        Tensor h = base.mul(1.0);
        Tensor same = new Dropout(0.5, true).forward(h);
        assertTrue(same == h, "in place returns its input");
        same.sum().backward();
        float[] out = same.toFloatArray(), g = base.grad().toFloatArray();
        for (int i = 0; i < out.length; i++) assertEquals(out[i] == 0f ? 0f : 2f, g[i], 0f);
        Dropout module = new Dropout(0.5);
        module.eval();
        Tensor x = randn(4, 4).to(dev);
        assertTrue(module.forward(x) == x);
    }

    // ------------------------------------------------------------ BatchNorm

    @Test
    void batchNormTrainingAndEvalMatchTheCpuWithTheRunningStatistics() {
        Device dev = DeviceTesting.device();
        int[][] shapes = {{7, 5}, {6, 3, 9}, {5, 4, 7, 9}};
        for (int[] shape : shapes) {
            for (boolean affine : new boolean[] {true, false}) {
                for (Double momentum : new Double[] {0.1, null}) {
                    String what = "BatchNorm " + java.util.Arrays.toString(shape) + " affine " + affine + " momentum "
                            + momentum;
                    BatchNorm cpu = batchNorm(shape, affine, momentum, true), onDev = batchNorm(shape, affine, momentum, true);
                    onDev.to(dev);
                    manualSeed(11);
                    for (int step = 0; step < 3; step++) {
                        Tensor x = randn(shape).mul(2.0).add(0.5), up = randn(shape);
                        stepBoth(what + " step " + step, cpu, onDev, x, up, dev);
                    }
                    assertClose(what + ": running_mean", cpu.runningMean(), onDev.runningMean(), RTOL, ATOL);
                    assertClose(what + ": running_var", cpu.runningVar(), onDev.runningVar(), RTOL, ATOL);
                    assertEquals(3, onDev.numBatchesTracked().longItem(), what + ": num_batches_tracked");
                    assertEquals(dev, onDev.numBatchesTracked().device());
                    cpu.eval();
                    onDev.eval();
                    stepBoth(what + " eval", cpu, onDev, randn(shape), randn(shape), dev);
                    assertEquals(3, onDev.numBatchesTracked().longItem(), what + ": eval counts no batch");
                }
            }
        }
    }

    @Test
    void batchNormWithoutRunningStatisticsUsesTheBatchsInEval() {
        Device dev = DeviceTesting.device();
        BatchNorm cpu = batchNorm(new int[] {6, 3, 5, 5}, true, 0.1, false);
        BatchNorm onDev = batchNorm(new int[] {6, 3, 5, 5}, true, 0.1, false);
        onDev.to(dev);
        manualSeed(12);
        stepBoth("BatchNorm2d(track_running_stats=False)", cpu, onDev, randn(6, 3, 5, 5), randn(6, 3, 5, 5), dev);
        cpu.eval();
        onDev.eval();
        stepBoth("BatchNorm2d(track_running_stats=False) eval", cpu, onDev, randn(6, 3, 5, 5), randn(6, 3, 5, 5), dev);
        assertNull(onDev.runningMean());
    }

    @Test
    void functionalBatchNormWithRunningStatisticsOnADevice() {
        Device dev = DeviceTesting.device();
        manualSeed(13);
        Tensor rm = randn(4), rv = rand(4).add(0.5);
        Tensor rmD = rm.to(dev), rvD = rv.to(dev);
        compare("F.batch_norm training", t -> Functional.batchNorm(t[0], null, null, t[1], t[2], true), RTOL, ATOL, randn(9, 4, 3), randn(4), randn(4));
        compare("F.batch_norm eval", t -> Functional.batchNorm(t[0], t[0].device().isCpu() ? rm : rmD,
                t[0].device().isCpu() ? rv : rvD, t[1], t[2], false), RTOL, ATOL, randn(9, 4, 3), randn(4), randn(4));
        Tensor x = randn(9, 4);
        Functional.batchNorm(x, rm, rv, null, null, true, 0.2, 1e-5);
        Functional.batchNorm(x.to(dev), rmD, rvD, null, null, true, 0.2, 1e-5);
        assertClose("F.batch_norm running_mean", rm, rmD, RTOL, ATOL);
        assertClose("F.batch_norm running_var", rv, rvD, RTOL, ATOL);
    }

    private static BatchNorm batchNorm(int[] shape, boolean affine, Double momentum, boolean track) {
        BatchNorm bn = shape.length == 4 ? new BatchNorm2d(shape[1], 1e-5, momentum, affine, track)
                : new BatchNorm1d(shape[1], 1e-5, momentum, affine, track);
        if (affine) {
            manualSeed(shape.length);  // non-trivial gamma and beta
            try (var ignored = GradMode.noGrad()) {
                bn.weight().copy_(rand(shape[1]).add(0.5));
                bn.bias().copy_(randn(shape[1]));
            }
        }
        return bn;
    }

    private static void stepBoth(String what, BatchNorm cpu, BatchNorm onDev, Tensor x, Tensor up, Device dev) {
        Tensor xc = x.clone().requiresGrad_(), xd = x.to(dev).requiresGrad_();
        Tensor yc = cpu.forward(xc), yd = onDev.forward(xd);
        assertClose(what + " forward", yc, yd, RTOL, ATOL);
        yc.backward(up);
        yd.backward(up.to(dev));
        assertClose(what + " input grad", xc.grad(), xd.grad(), RTOL, ATOL);
        if (cpu.weight() != null) {
            assertClose(what + " weight grad", cpu.weight().grad(), onDev.weight().grad(), RTOL, ATOL);
            assertClose(what + " bias grad", cpu.bias().grad(), onDev.bias().grad(), RTOL, ATOL);
            cpu.weight().grad().zero_();
            cpu.bias().grad().zero_();
            onDev.weight().grad().zero_();
            onDev.bias().grad().zero_();
        }
    }

    // ------------------------------------------------------------ LayerNorm

    @Test
    void layerNormAtOddSizes() {
        manualSeed(14);
        compare("LayerNorm(13) affine", t -> Functional.layerNorm(t[0], new int[] {13}, t[1], t[2]), RTOL, ATOL,
                randn(5, 7, 13).mul(3.0).add(1.0), rand(13).add(0.5), randn(13));
        compare("LayerNorm(13) plain", t -> Functional.layerNorm(t[0], new int[] {13}), RTOL, ATOL, randn(9, 13));
        compare("LayerNorm((3, 37)) weight only", t -> Functional.layerNorm(t[0], new int[] {3, 37}, t[1], null, 1e-3),
                RTOL, ATOL, randn(4, 3, 37), randn(3, 37));
        compare("LayerNorm(300) bias only", t -> Functional.layerNorm(t[0], new int[] {300}, null, t[1]), RTOL, ATOL,
                randn(3, 300), randn(300));
        Device dev = DeviceTesting.device();
        manualSeed(15);
        LayerNorm cpu = new LayerNorm(6), onDev = new LayerNorm(6);
        onDev.to(dev);
        Tensor x = randn(4, 6);
        Tensor yc = cpu.forward(x), yd = onDev.forward(x.to(dev));
        assertClose("LayerNorm module", yc, yd, RTOL, ATOL);
        yc.mul(x).sum().backward();
        yd.mul(x.to(dev)).sum().backward();
        assertClose("LayerNorm module weight grad", cpu.weight().grad(), onDev.weight().grad(), RTOL, ATOL);
    }

    // ------------------------------------------------------------ Embedding

    @Test
    void embeddingWithRepeatsPaddingAndIntIndices() {
        Device dev = DeviceTesting.device();
        manualSeed(16);
        Tensor idx = tensor(new long[][] {{1, 4, 4, 0, 6}, {6, 2, 4, 1, 1}, {3, 3, 3, 0, 5}});
        compare("embedding", t -> Functional.embedding(t[0], t[1]), 1e-6, 1e-7, idx, randn(7, 11));
        compare("embedding padding_idx 4", t -> Functional.embedding(t[0], t[1], 4), 1e-6, 1e-7, idx, randn(7, 11));
        compare("embedding int32 indices", t -> Functional.embedding(t[0], t[1]), 1e-6, 1e-7, idx.toInt(), randn(7, 3));
        compare("embedding of a scalar index", t -> Functional.embedding(t[0], t[1]), 0, 0, tensor(5L), randn(7, 3));

        manualSeed(17);
        Embedding cpu = new Embedding(10, 6, -1);
        manualSeed(17);
        Embedding onDev = new Embedding(10, 6, -1);
        onDev.to(dev);
        Tensor y = onDev.forward(idx.to(dev));
        assertArrayEquals(cpu.forward(idx).toFloatArray(), y.toFloatArray(), 0f);
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> onDev.forward(tensor(new long[][] {{1, 2}, {3, 12}}).to(dev)));
        assertTrue(e.getMessage().contains("index 12 at row 1"), e.getMessage());
    }

    // ------------------------------------------------------------ flatten and views

    @Test
    void flattenAndViewsOnADevice() {
        compare("Flatten", t -> new Flatten().forward(t[0]), 0, 0, randn(3, 4, 5, 2));
        compare("flatten of a permuted tensor", t -> t[0].permute(0, 2, 1).flatten(1, -1), 0, 0, randn(3, 4, 5));
        compare("view", t -> t[0].view(6, -1), 0, 0, randn(3, 2, 5));
    }
}
