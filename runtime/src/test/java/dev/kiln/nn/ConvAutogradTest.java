package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

import org.junit.jupiter.api.Test;

/** How the ops sit in the autograd graph: what is recorded, for which inputs, and what modules expose. */
class ConvAutogradTest {

    @Test
    void noGradRecordsNothing() {
        Conv2d conv = new Conv2d(2, 3, 3);
        try (var ignored = GradMode.noGrad()) {
            Tensor out = conv.forward(Torch.randn(1, 2, 5, 5));
            assertNull(out.gradFn());
            assertFalse(out.requiresGrad());
            assertNull(Convolution.maxPool2d(out, 2).gradFn());
            assertNull(Convolution.avgPool2d(out, 2).gradFn());
        }
    }

    /** A frozen weight gets no gradient; the input still does, and the bias too. */
    @Test
    void onlyInputsThatRequireGradGetOne() {
        Tensor x = Torch.randn(2, 3, 6, 6).requiresGrad_();
        Tensor w = Torch.randn(4, 3, 3, 3), b = Torch.randn(4).requiresGrad_();
        Convolution.conv2d(x, w, b, 1, 1).sum().backward();
        assertNull(w.grad());
        assertArrayEquals(new int[] {2, 3, 6, 6}, x.grad().shape().toArray());
        // d sum(out) / d bias = number of output positions per channel, over the batch: 2 * 6 * 6.
        for (double g : b.grad().toDoubleArray()) assertEquals(72.0, g);
    }

    /** Gradients accumulate across backward calls, as for any op. */
    @Test
    void moduleGradientsAccumulate() {
        Torch.manualSeed(3);
        Conv2d conv = new Conv2d(1, 2, 3, 1, 1);
        Tensor x = Torch.randn(2, 1, 4, 4);
        conv.forward(x).sum().backward();
        double[] once = conv.weight().grad().toDoubleArray();
        conv.forward(x).sum().backward();
        double[] twice = conv.weight().grad().toDoubleArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5 * Math.abs(once[i]) + 1e-6);
        assertEquals(2, conv.parameters().size());
        assertTrue(conv.weight().requiresGrad());
    }

    /** Max-pool sends each window's gradient to its first maximum; overlapping windows add up. */
    @Test
    void maxPoolTiesGoToTheFirstMax() {
        Tensor x = Torch.ones(1, 1, 3, 3).requiresGrad_();
        Convolution.maxPool2d(x, 2, 1).sum().backward();
        // Windows start at (0,0), (0,1), (1,0), (1,1); each picks its top-left element.
        assertArrayEquals(new double[] {1, 1, 0, 1, 1, 0, 0, 0, 0}, x.grad().toDoubleArray());
    }

    @Test
    void poolModulesForward() {
        Tensor x = Torch.arange(0, 16).toFloat().reshape(1, 1, 4, 4);
        assertArrayEquals(new double[] {5, 7, 13, 15}, new MaxPool2d(2).forward(x).toDoubleArray());
        assertArrayEquals(new double[] {2.5, 4.5, 10.5, 12.5}, new AvgPool2d(2).forward(x).toDoubleArray());
        // Padding 1, stride 2: the second window covers input row 0, columns 1-2 (values 1 and 2)
        // plus two padding cells, which count towards the divisor only with count_include_pad.
        assertEquals(3.0 / 4, new AvgPool2d(2, 2, 1).forward(x).doubleAt(1));
        assertEquals(3.0 / 2, new AvgPool2d(2, 2, 1, false, false).forward(x).doubleAt(1));
    }
}
