package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static dev.kiln.tensor.Index.list;
import static dev.kiln.tensor.Torch.tensor;
import static org.junit.jupiter.api.Assertions.*;

/** {@code y[idx] = v} inside a graph: gradients for the overwritten tensor and for the value (torch 1.13 gives the same). */
class IndexAssignmentGradTest {
    private static final Tensor W = tensor(new double[] {1, 2, 3});

    @Test void basicIndexZeroesTheOverwrittenGradientAndRoutesItToTheValue() {
        Tensor x = tensor(new double[] {1, 2, 3}).requiresGrad_();
        Tensor v = tensor(new double[] {5}).requiresGrad_();
        Tensor y = x.mul(2L);
        y.set(v, 0);
        assertEquals("tensor([5., 4., 6.], grad_fn=<IndexPutBackward0>)", y.toString());
        y.mul(W).sum().backward();
        assertEquals("tensor([0., 4., 6.])", x.grad().toString());
        assertEquals("tensor([1.])", v.grad().toString());
    }

    @Test void indexListBroadcastsTheValueAndSumsItsGradient() {
        Tensor x = tensor(new double[] {1, 2, 3}).requiresGrad_();
        Tensor v = tensor(new double[] {5}).requiresGrad_();
        Tensor y = x.mul(2L);
        y.set(v, list(0, 2));
        y.mul(W).sum().backward();
        assertEquals("tensor([0., 4., 0.])", x.grad().toString());
        assertEquals("tensor([4.])", v.grad().toString());
    }

    @Test void assigningAConstantOnlyStopsTheGradientThere() {
        Tensor x = tensor(new double[][] {{1, 2}, {3, 4}}).requiresGrad_();
        Tensor y = x.exp();
        y.set(0.0, Index.all(), 1);
        y.sum().backward();
        assertEquals(Math.exp(1), x.grad().get(0, 0).item(), 1e-6);
        assertEquals(0.0, x.grad().get(1, 1).item());
    }
}
