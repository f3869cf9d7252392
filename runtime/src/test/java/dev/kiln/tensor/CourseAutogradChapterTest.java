package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.Torch.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The course's autograd chapter (requires_grad, sum(), backward(), .grad, detach().numpy());
 * its listings were lost in extraction, so the expected strings are PyTorch 1.13's own output
 * for the standard examples.
 */
class CourseAutogradChapterTest {
    @Test void gradientOfAMeanOfSquares() {
        Tensor x = ones(2, 2).requiresGrad_();
        assertEquals("tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)", x.toString());
        Tensor y = x.add(2L);
        assertEquals("tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)", y.toString());
        Tensor z = y.mul(y).mul(3L);
        assertEquals("tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)", z.toString());
        Tensor out = z.mean();
        assertEquals("tensor(27., grad_fn=<MeanBackward0>)", out.toString());
        out.backward();
        assertEquals("tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])", x.grad().toString());
    }

    @Test void sumThenBackward() {
        Tensor w = tensor(new double[] {1, 2, 3}).requiresGrad_();
        Tensor s = w.pow(2L).sum();
        assertEquals("tensor(14., grad_fn=<SumBackward0>)", s.toString());
        s.backward();
        assertEquals("tensor([2., 4., 6.])", w.grad().toString());
    }

    @Test void detachGivesAnArrayWithoutTheGraph() {
        Tensor w = tensor(new double[] {1, 2, 3}).requiresGrad_();
        IllegalStateException e = assertThrows(IllegalStateException.class, w::array);
        assertEquals("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.", e.getMessage());
        assertArrayEquals(new float[] {1, 2, 3}, (float[]) w.detach().array());
        assertEquals("tensor([1., 2., 3.])", w.detach().toString());
        assertFalse(w.detach().requiresGrad());
    }
}
