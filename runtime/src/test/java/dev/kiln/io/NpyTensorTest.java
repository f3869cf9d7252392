package dev.kiln.io;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

class NpyTensorTest {
    @Test void savesAndLoadsTensorsOfEveryDtypeIncludingViews(@TempDir Path dir) throws Exception {
        for (DType dtype : DType.values()) {
            if (dtype == DType.BFLOAT16) continue;  // NumPy has none: see refusesBfloat16
            Tensor t = arange(0, 12).reshape(3, 4).to(dtype).transpose(0, 1);  // a non-contiguous view
            Path p = dir.resolve(dtype.torchName() + ".npy");
            Npy.save(p, t);
            Tensor back = Npy.load(p);
            assertEquals(dtype, back.dtype());
            assertEquals(t.shape(), back.shape());
            assertTrue(back.equal(t), dtype + ": " + back);
        }
    }

    @Test void uint8AndInt8LoadAsThemselvesAndPrintAsPyTorch(@TempDir Path dir) throws Exception {
        Tensor u = Npy.load(Path.of(getClass().getResource("/fixtures/npy/uint8_6.npy").toURI()));
        assertEquals(DType.UINT8, u.dtype());
        assertEquals("tensor([  0,   1, 127, 128, 200, 255], dtype=torch.uint8)", u.toString());
        Tensor i = Npy.load(Path.of(getClass().getResource("/fixtures/npy/int8_4.npy").toURI()));
        assertEquals("tensor([-128,   -1,    0,  127], dtype=torch.int8)", i.toString());
        Path p = dir.resolve("u8.npy");
        Npy.save(p, u);
        assertArrayEquals(Files.readAllBytes(Path.of(getClass().getResource("/fixtures/npy/uint8_6.npy").toURI())),
                Files.readAllBytes(p), "the bytes numpy.save writes for |u1");
    }

    @Test void refusesBfloat16(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> Npy.save(dir.resolve("b.npy"), ones(2).toBFloat16()));
        assertTrue(e.getMessage().contains("NumPy has no bfloat16"), e.getMessage());
    }

    @Test void loadsNumpyFixtureAsTensor() throws Exception {
        Path p = Path.of(getClass().getResource("/fixtures/npy/int32_2x3.npy").toURI());
        Tensor t = Npy.load(p);
        assertEquals(DType.INT32, t.dtype());
        assertEquals("tensor([[-2147483648,          -7,           0],\n"
                + "        [          7,      100000,  2147483647]], dtype=torch.int32)", t.toString());
    }
}
