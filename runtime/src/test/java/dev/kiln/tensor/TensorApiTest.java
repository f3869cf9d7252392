package dev.kiln.tensor;

import static dev.kiln.tensor.Torch.arange;
import static dev.kiln.tensor.Torch.ones;
import static dev.kiln.tensor.Torch.tensor;
import static dev.kiln.tensor.Torch.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.backend.Device;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What the fixtures do not show: the dtype promotion table against torch.promote_types, dtype names and
 * conversions, views sharing storage, Kiln's own refusals (and where they depart from PyTorch 1.13), the Torch
 * forms, and the device rule: each new op without a device kernel refuses a device tensor by name.
 */
class TensorApiTest {

    @Test
    void promotionTableIsPyTorchs() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/fixtures/tensor_api.json")) {
            JsonNode promote = new ObjectMapper().readTree(in).get("promote");
            assertEquals(DType.values().length * DType.values().length, promote.size(), "every pair of dtypes");
            for (JsonNode p : promote) {
                DType a = DType.of(p.get(0).asText()), b = DType.of(p.get(1).asText());
                assertEquals(DType.of(p.get(2).asText()), DType.promote(a, b), "promote_types(" + a + ", " + b + ")");
            }
        }
    }

    @Test
    void newDtypesHavePyTorchsNames() {
        assertEquals("torch.uint8", DType.UINT8.toString());
        assertEquals("torch.int8", DType.INT8.toString());
        assertEquals("torch.bfloat16", DType.BFLOAT16.toString());
        assertEquals(DType.BFLOAT16, DType.of("torch.bfloat16"));
        assertEquals("Byte", DType.UINT8.scalarTypeName());
        assertEquals("Char", DType.INT8.scalarTypeName());
        assertEquals("BFloat16", DType.BFLOAT16.scalarTypeName());
        assertEquals(1, DType.UINT8.byteSize());
        assertEquals(2, DType.BFLOAT16.byteSize());
        assertTrue(DType.BFLOAT16.isFloatingPoint());
        assertTrue(DType.UINT8.isIntegral());
    }

    @Test
    void conversionsFollowTheTableNames() {
        Tensor x = tensor(new double[] {-1.5, 300.7, 2.5});
        assertEquals(DType.UINT8, x.toByte().dtype());
        assertArrayEquals(new long[] {255, 44, 2}, x.toByte().toLongArray());
        assertEquals(DType.INT8, x.toChar().dtype());
        assertArrayEquals(new long[] {-1, 44, 2}, x.toChar().toLongArray());
        assertEquals(DType.BFLOAT16, x.toBFloat16().dtype());
        assertArrayEquals(new float[] {-1.5f, 300f, 2.5f}, x.toBFloat16().toFloatArray());
        assertSame(x.toBFloat16().dtype(), x.to(DType.BFLOAT16).dtype());
        // a bfloat16 leaf can require grad, and its gradient is bfloat16
        Tensor b = tensor(new double[] {0.5, 2}).toBFloat16().requiresGrad_();
        b.mul(b).sum().backward();
        assertEquals(DType.BFLOAT16, b.grad().dtype());
        assertArrayEquals(new float[] {1f, 4f}, b.grad().toFloatArray());
    }

    @Test
    void bfloat16RoundsToNearestEvenAsC10() {
        assertEquals((short) 0x3F80, BFloat16.fromFloat(1.0f));
        assertEquals((short) 0x3F80, BFloat16.fromFloat(Float.intBitsToFloat(0x3F808000)), "a tie rounds to even (down)");
        assertEquals((short) 0x3F82, BFloat16.fromFloat(Float.intBitsToFloat(0x3F818000)), "a tie rounds to even (up)");
        assertEquals((short) 0x7FC0, BFloat16.fromFloat(Float.intBitsToFloat(0x7F800001)), "every NaN becomes 0x7FC0");
        assertEquals((short) 0x7F80, BFloat16.fromFloat(Float.MAX_VALUE), "beyond the largest bfloat16: inf");
        assertEquals(3.3895313892515355e38, BFloat16.toFloat((short) 0x7F7F), 1e30);
    }

    @Test
    void byteArraysBackUint8AndInt8() {
        byte[] data = {0, (byte) 200, -1};
        Tensor u = Torch.fromArray(data, DType.UINT8, 3);
        assertArrayEquals(new long[] {0, 200, 255}, u.toLongArray());
        u.set(7, 0);
        assertEquals(7, data[0], "shares the array");
        assertArrayEquals(new long[] {7, -56, -1}, Torch.fromArray(data, DType.INT8, 3).toLongArray(), "int8 reads them signed");
        assertArrayEquals(new long[] {7, 200, 255}, (long[]) u.toLong().array());
    }

    @Test
    void int64PrintsExactlyBeyondTwoToThe53() {
        assertEquals("tensor([9007199254740993])", tensor(new long[] {9007199254740993L}).toString());
        assertEquals("tensor(9007199254740993)", Torch.full(new int[0], 9007199254740993L).toString());
        assertEquals("tensor([ 9223372036854775807, -9223372036854775808])",
                tensor(new long[] {Long.MAX_VALUE, Long.MIN_VALUE}).toString());
        assertEquals(List.of(9007199254740993L), tensor(new long[] {9007199254740993L}).tolist());
        assertTrue(tensor(new long[] {9007199254740993L}).eq(9007199254740993L).boolItem());
        assertFalse(tensor(new long[] {9007199254740993L}).eq(9007199254740992L).boolItem());
    }

    @Test
    void splitChunkAndUnbindAreViews() {
        Tensor x = arange(12).reshape(3, 4);
        List<Tensor> parts = x.split(3, 1);
        assertEquals(2, parts.size());
        assertEquals(new Size(new int[] {3, 1}), parts.get(1).shape());
        parts.get(0).set(-1L, 0, 0);
        assertEquals(-1, x.get(0, 0).longItem(), "split shares the input's storage");
        x.chunk(2, 0).get(1).set(99L, 0, 0);
        assertEquals(99, x.get(2, 0).longItem(), "so does chunk");
        x.unbind(1).get(3).set(-5L, 1);
        assertEquals(-5, x.get(1, 3).longItem(), "and unbind");
        assertEquals(Torch.split(x, 2, 0).size(), x.split(2).size());
        assertEquals(3, Torch.unbind(x, 0).size());
    }

    @Test
    void tolistGivesJavaValues() {
        assertEquals(2.5, tensor(2.5).tolist());
        assertEquals(List.of(List.of(true, false)), tensor(new boolean[][] {{true, false}}).tolist());
        assertEquals(List.of(200L, 1L), tensor(new long[] {200, 1}).toByte().tolist());
        assertEquals(List.of(0.10009765625), tensor(new double[] {0.1}).toBFloat16().tolist());
    }

    @Test
    void sortAndTopkPrintAsReturnTypes() {
        Tensor x = tensor(new double[] {3, 1, 2});
        assertEquals("torch.return_types.sort(\nvalues=tensor([1., 2., 3.]),\nindices=tensor([1, 2, 0]))", x.sort().toString());
        assertEquals("torch.return_types.topk(\nvalues=tensor([3., 2.]),\nindices=tensor([0, 2]))", x.topk(2).toString());
        assertEquals(Torch.argsort(x, 0, true).tolist(), List.of(0L, 2L, 1L));
    }

    @Test
    void kilnsOwnRefusals() {
        // PyTorch 1.13's masked_fill does not check the mask's dtype (a float mask fills where its bytes say);
        // Kiln refuses it with the message later PyTorch releases give.
        fails("masked_fill_ only supports boolean masks, but got mask with dtype Float",
                () -> ones(3).maskedFill(tensor(new double[] {1, 0, 1}), 2.0));
        fails("Index tensor must have the same number of dimensions as src tensor",
                () -> zeros(2, 5).scatter(1, tensor(new long[][] {{0}}), zeros(1, 1, 1)));
        fails("selected index k out of range", () -> ones(3).topk(4));
        fails("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'TRUNC'", () -> ones(3).div(2L, "TRUNC"));
    }

    @Test
    void torchFormsMatchTheMethods() {
        Tensor x = tensor(new double[][] {{3, -1, Double.NaN}, {0.5, 2, Double.POSITIVE_INFINITY}});
        assertTrue(Torch.isnan(x).equal(x.isnan()));
        assertTrue(Torch.isinf(x).equal(x.isinf()));
        assertTrue(Torch.isfinite(x).equal(x.isfinite()));
        assertTrue(Torch.nanToNum(x).equal(x.nanToNum()));
        assertTrue(Torch.cumsum(x.nanToNum(), 1).equal(x.nanToNum().cumsum(1)));
        assertTrue(Torch.cumprod(x.nanToNum(), 0).equal(x.nanToNum().cumprod(0)));
        Tensor i = tensor(new long[][] {{1, 0}, {2, 2}});
        assertTrue(Torch.gather(x, 1, i).equal(x.gather(1, i)));
        assertTrue(Torch.scatterAdd(zeros(2, 3), 1, i, ones(2, 2)).equal(zeros(2, 3).scatterAdd(1, i, ones(2, 2))));
        assertTrue(Torch.maskedFill(x, x.isnan(), 0.0).equal(x.maskedFill(x.isnan(), 0.0)));
        assertTrue(Torch.softmax(x.nanToNum(), 1).equal(x.nanToNum().softmax(1)));
        assertTrue(Torch.div(x.nanToNum(), tensor(2.0), "floor").equal(x.nanToNum().div(2.0, "floor")));
        assertEquals(2, Torch.where(x.isnan().logicalNot().logicalAnd(x.gt(1.0))).length);
        assertEquals(DType.FLOAT32, Torch.where(x.isnan(), 1L, 2.5).dtype());
    }

    @Test
    void newOpsRefuseDeviceTensorsByName() {
        Device dev = DeviceTesting.device();
        Tensor d = tensor(new double[][] {{3, 1, 2}, {0, -1, 5}}).to(dev);
        Tensor idx = tensor(new long[][] {{0, 1}, {2, 0}});
        assertUnsupported("sort", () -> d.sort(1));
        assertUnsupported("argsort", () -> d.argsort());
        assertUnsupported("topk", () -> d.topk(2));
        assertUnsupported("cumsum", () -> d.cumsum(1));
        assertUnsupported("cumprod", () -> d.cumprod(0));
        assertUnsupported("gather", () -> d.gather(1, idx.to(dev)));
        assertUnsupported("scatter", () -> d.scatter(1, idx.to(dev), 1.0));
        assertUnsupported("scatter_add", () -> d.scatterAdd(1, idx.to(dev), d));
        assertUnsupported("masked_fill", () -> d.maskedFill(d.gt(1.0), 0.0));
        assertUnsupported("isnan", () -> d.isnan());
        assertUnsupported("isinf", () -> d.isinf());
        assertUnsupported("isfinite", () -> d.isfinite());
        assertUnsupported("nan_to_num", () -> d.nanToNum());
        assertUnsupported("div with rounding_mode", () -> d.div(2L, "floor"));
        assertUnsupported("where", () -> d.where(d.gt(1.0), 0.0));
        assertUnsupported("float32 only", () -> d.toBFloat16());
        // views and ops with device kernels run there
        List<Tensor> pieces = d.chunk(2, 1);
        assertEquals(dev, pieces.get(0).device());
        assertEquals(List.of(List.of(3.0, 1.0), List.of(0.0, -1.0)), pieces.get(0).tolist());
        assertEquals(List.of(5.0), d.unbind(0).get(1).split(2).get(1).tolist());
        assertEquals(dev, d.softmax(1).device());
        assertEquals(List.of(List.of(true, false, false), List.of(false, false, true)), d.gt(2L).tolist());
    }

    private static void assertUnsupported(String op, Executable call) {
        var e = assertThrows(UnsupportedOperationException.class, call);
        assertTrue(e.getMessage().contains(op) && e.getMessage().contains("opencl:0"),
                "expected the message to name " + op + " and the device: " + e.getMessage());
    }

    private static void fails(String message, Executable call) {
        assertEquals(message, assertThrows(RuntimeException.class, call).getMessage());
    }
}
