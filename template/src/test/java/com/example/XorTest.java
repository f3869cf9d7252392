package com.example;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XorTest {
    @Test
    void learnsXor() {
        Main.Result r = Main.train(42, 200);
        assertEquals(1.0, r.evaluation().accuracy().orElseThrow(), "accuracy on the four points");
        assertTrue(r.evaluation().loss() < 0.1, "loss " + r.evaluation().loss());
        Tensor logits = r.model().eval().forward(Torch.tensor(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}));
        assertArrayEquals(new long[] {0, 1, 1, 0}, logits.argmax(1).toLongArray());
    }
}
