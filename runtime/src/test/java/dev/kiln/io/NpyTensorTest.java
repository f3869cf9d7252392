package dev.kiln.io;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

class NpyTensorTest {
    @Test void savesAndLoadsTensorsOfEveryDtypeIncludingViews(@TempDir Path dir) throws Exception {
        for (DType dtype : DType.values()) {
            Tensor t = arange(0, 12).reshape(3, 4).to(dtype).transpose(0, 1);  // a non-contiguous view
            Path p = dir.resolve(dtype.torchName() + ".npy");
            Npy.save(p, t);
            Tensor back = Npy.load(p);
            assertEquals(dtype, back.dtype());
            assertEquals(t.shape(), back.shape());
            assertTrue(back.equal(t), dtype + ": " + back);
        }
    }

    @Test void loadsNumpyFixtureAsTensor() throws Exception {
        Path p = Path.of(getClass().getResource("/fixtures/npy/int32_2x3.npy").toURI());
        Tensor t = Npy.load(p);
        assertEquals(DType.INT32, t.dtype());
        assertEquals("tensor([[-2147483648,          -7,           0],\n"
                + "        [          7,      100000,  2147483647]], dtype=torch.int32)", t.toString());
    }
}
