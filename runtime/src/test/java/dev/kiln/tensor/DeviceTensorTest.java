package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.loss.NLLLoss;
import dev.kiln.nn.Functional;
import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.DeviceTesting.assertClose;
import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Moving tensors between the CPU and a device, reading them back, and the errors of mixing or missing ops. */
class DeviceTensorTest {
    @Test
    void tensorsStartOnTheCpu() {
        assertEquals(Device.CPU, ones(2).device());
        assertSame(ones(2).device(), Device.CPU);
        Tensor t = ones(2);
        assertSame(t, t.cpu(), "cpu() of a CPU tensor is the tensor itself");
    }

    @Test
    void float32RoundTripsExactly() {
        Device dev = DeviceTesting.device();
        float[] values = {0f, -0f, 1.5f, -3.25e-38f, Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        Tensor t = fromArray(values, 3, 3);
        Tensor d = t.to(dev);
        assertEquals(dev, d.device());
        assertSame(d, d.to(dev), "to() of a tensor already there is the tensor itself");
        assertSame(d, d.to("opencl:0"));
        Tensor back = d.cpu();
        assertEquals(Device.CPU, back.device());
        float[] out = back.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(out[i]), "element " + i);
        }
        assertArrayEquals(values, d.toFloatArray(), 0f, "toFloatArray copies to the host");
    }

    @Test
    void viewsMoveAsTheirValues() {
        Device dev = DeviceTesting.device();
        Tensor m = arange(0, 12).toFloat().reshape(3, 4);
        assertClose("a transposed CPU view, moved", m.t(), m.t().to(dev), 0, 0);
        Tensor d = m.to(dev);
        assertClose("a transposed device view, moved back", m.t(), d.t().cpu(), 0, 0);
        assertClose("a sliced device view", m.narrow(1, 1, 2), d.narrow(1, 1, 2).cpu(), 0, 0);
        assertEquals(m.get(2, 3).item(), d.get(2, 3).item());
        assertEquals(m.doubleAt(5), d.doubleAt(5));
        assertEquals(m.t().doubleAt(5), d.t().doubleAt(5));
    }

    @Test
    void labelsAndMasksAreHeldAsExactFloats() {
        Device dev = DeviceTesting.device();
        Tensor labels = tensor(new long[] {0, 3, -2, 16_777_216, -16_777_216});
        Tensor d = labels.to(dev);
        assertEquals(DType.INT64, d.dtype());
        assertArrayEquals(labels.toLongArray(), d.cpu().toLongArray());
        assertEquals(16_777_216L, d.get(3).longItem());
        Tensor mask = tensor(new boolean[] {true, false, true});
        assertArrayEquals(mask.toBoolArray(), mask.to(dev).cpu().toBoolArray());
        assertTrue(mask.to(dev).get(0).boolItem());
        Tensor ints = tensor(new int[] {7, -7});
        assertArrayEquals(ints.toIntArray(), ints.to(dev).cpu().toIntArray());

        var tooLarge = assertThrows(IllegalArgumentException.class, () -> tensor(new long[] {16_777_217}).to(dev));
        assertTrue(tooLarge.getMessage().contains("2^24"), tooLarge.getMessage());
        var dbl = assertThrows(UnsupportedOperationException.class, () -> ones(2).toDouble().to(dev));
        assertTrue(dbl.getMessage().contains("float32 only on devices for now"), dbl.getMessage());
        var toDouble = assertThrows(UnsupportedOperationException.class, () -> ones(2).to(dev).toDouble());
        assertTrue(toDouble.getMessage().contains("float32 only on devices for now"), toDouble.getMessage());
    }

    @Test
    void itemAndPrintingReadBack() {
        Device dev = DeviceTesting.device();
        Tensor d = tensor(new float[] {1.5f, -2f}).to(dev);
        assertEquals(-0.5, d.sum().item());
        assertEquals("tensor([ 1.5000, -2.0000], device='opencl:0')", d.toString());
        Tensor leaf = d.clone().requiresGrad_();
        assertEquals("tensor([ 1.5000, -2.0000], device='opencl:0', requires_grad=True)", leaf.toString());
        assertEquals("tensor(-0.5000, device='opencl:0', grad_fn=<SumBackward0>)", leaf.sum().toString());
        assertEquals("tensor([1, 0], device='opencl:0')", d.gt(0.0).toLong().toString());
        var array = assertThrows(IllegalStateException.class, d::array);
        assertTrue(array.getMessage().contains("opencl:0"), array.getMessage());
    }

    @Test
    void gradientsFlowBackAcrossTo() {
        Device dev = DeviceTesting.device();
        Tensor x = tensor(new float[] {1f, 2f, 3f}).requiresGrad_();
        Tensor y = x.to(dev).mul(x.to(dev)).sum();
        assertEquals("ToCopyBackward0", x.to(dev).gradFn().name());
        y.backward();
        assertEquals(Device.CPU, x.grad().device(), "the gradient of a CPU leaf comes back to the CPU");
        assertArrayEquals(new float[] {2f, 4f, 6f}, x.grad().toFloatArray());
        Tensor leaf = ones(2).to(dev).requiresGrad_();
        leaf.cpu().mul(3.0).sum().backward();
        assertEquals(dev, leaf.grad().device());
        assertArrayEquals(new float[] {3f, 3f}, leaf.grad().toFloatArray());
    }

    @Test
    void mixingDevicesNamesBoth() {
        Device dev = DeviceTesting.device();
        Tensor d = ones(2, 2).to(dev), c = ones(2, 2);
        var add = assertThrows(IllegalArgumentException.class, () -> d.add(c));
        assertEquals("expected all tensors on the same device, got opencl:0 and cpu", add.getMessage());
        var mm = assertThrows(IllegalArgumentException.class, () -> c.mm(d));
        assertEquals("expected all tensors on the same device, got cpu and opencl:0", mm.getMessage());
        var grad = assertThrows(IllegalArgumentException.class, () -> d.clone().requiresGrad_().setGrad(c));
        assertTrue(grad.getMessage().contains("cpu") && grad.getMessage().contains("opencl:0"), grad.getMessage());
        // A Java number, or a 0-dim CPU tensor outside autograd, joins a device op as a scalar, as in PyTorch.
        assertEquals(dev, d.mul(2.0).add(full(new int[0], 1.0)).device());
    }

    @Test
    void unimplementedOpsSaySoByName() {
        Device dev = DeviceTesting.device();
        Tensor d = ones(3, 4).to(dev);
        assertUnsupported("sin", () -> d.sin());
        assertUnsupported("prod", () -> d.prod());
        assertUnsupported("var", () -> d.var());
        assertUnsupported("max", () -> d.max(1));
        assertUnsupported("cat", () -> cat(java.util.List.of(d, d)));
        assertUnsupported("where", () -> where(d.gt(0.0), d, d));
        assertUnsupported("indexing with index lists", () -> d.get(tensor(new long[] {0, 2})));
        assertUnsupported("leaky_relu", () -> Functional.leakyRelu(d));
        assertUnsupported("nll_loss", () -> NLLLoss.nllLoss(d, zeros(new int[] {3}, DType.INT64).to(dev)));
        assertUnsupported("floor_divide", () -> d.floorDivide(2L));
        assertUnsupported("float32 only", () -> d.toLong().add(1L));
    }

    private static void assertUnsupported(String op, org.junit.jupiter.api.function.Executable call) {
        var e = assertThrows(UnsupportedOperationException.class, call);
        assertTrue(e.getMessage().contains(op) && e.getMessage().contains("opencl:0"),
                "expected the message to name " + op + " and the device: " + e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
