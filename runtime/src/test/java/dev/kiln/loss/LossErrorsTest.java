package dev.kiln.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Invalid inputs are refused with PyTorch 1.13's wording; edge cases give PyTorch's values. */
class LossErrorsTest {
    private static final Tensor LOGITS = Torch.zeros(2, 3);

    private static void fails(Class<? extends RuntimeException> type, String message, Executable e) {
        assertEquals(message, assertThrows(type, e).getMessage());
    }

    @Test
    void classIndexTargets() {
        fails(IndexOutOfBoundsException.class, "Target 5 is out of bounds.",
                () -> CrossEntropyLoss.crossEntropy(LOGITS, Torch.tensor(new long[] {0, 5})));
        fails(IndexOutOfBoundsException.class, "Target -1 is out of bounds.",
                () -> NLLLoss.nllLoss(LOGITS, Torch.tensor(new long[] {-1, 0})));
        fails(IllegalArgumentException.class, "Expected input batch_size (2) to match target batch_size (3).",
                () -> CrossEntropyLoss.crossEntropy(LOGITS, Torch.tensor(new long[] {0, 1, 2})));
        fails(IllegalArgumentException.class, "expected scalar type Long but found Float",
                () -> NLLLoss.nllLoss(LOGITS, Torch.tensor(new double[] {0, 1})));
        fails(IllegalArgumentException.class, "Expected target size [2, 4], got [2, 3]",
                () -> CrossEntropyLoss.crossEntropy(Torch.zeros(2, 3, 4), Torch.zeros(new int[] {2, 3}, dev.kiln.tensor.DType.INT64)));
        fails(IllegalArgumentException.class,
                "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]",
                () -> new NLLLoss(Torch.ones(2), -100, Reduction.MEAN).forward(LOGITS, Torch.tensor(new long[] {0, 1})));
        fails(IllegalArgumentException.class, "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
                () -> CrossEntropyLoss.crossEntropy(LOGITS, Torch.tensor(new long[] {0, 1}), null, -100, Reduction.MEAN, 1.5));
    }

    @Test
    void allIgnoredMeanIsNan() {
        Tensor out = CrossEntropyLoss.crossEntropy(LOGITS, Torch.tensor(new long[] {-100, -100}));
        assertTrue(Double.isNaN(out.item()));
    }

    @Test
    void binaryLosses() {
        fails(IllegalArgumentException.class, "Using a target size (torch.Size([3])) that is different to the input "
                + "size (torch.Size([2, 3])) is deprecated. Please ensure they have the same size.",
                () -> BCELoss.binaryCrossEntropy(Torch.full(new int[] {2, 3}, 0.5), Torch.ones(3)));
        fails(IllegalArgumentException.class, "all elements of input should be between 0 and 1",
                () -> BCELoss.binaryCrossEntropy(Torch.tensor(new double[] {1.5}), Torch.ones(1)));
        fails(IllegalArgumentException.class, "Target size (torch.Size([3])) must be the same as input size (torch.Size([2, 3]))",
                () -> BCEWithLogitsLoss.binaryCrossEntropyWithLogits(Torch.zeros(2, 3), Torch.ones(3)));
        // log is clamped at -100, so certainty in the wrong class costs exactly 100.
        assertEquals(100.0, BCELoss.binaryCrossEntropy(Torch.zeros(1), Torch.ones(1)).item(), 1e-5);
        // Huge logits stay finite.
        assertEquals(1000.0, BCEWithLogitsLoss.binaryCrossEntropyWithLogits(
                Torch.tensor(new double[] {1000.0}), Torch.zeros(1)).item(), 1e-3);
    }

    @Test
    void regressionLossOptions() {
        fails(IllegalArgumentException.class, "huber_loss does not support non-positive values for delta.",
                () -> new HuberLoss(Reduction.MEAN, 0));
        fails(IllegalArgumentException.class, "smooth_l1_loss does not support negative values for beta.",
                () -> new SmoothL1Loss(Reduction.MEAN, -1));
    }
}
