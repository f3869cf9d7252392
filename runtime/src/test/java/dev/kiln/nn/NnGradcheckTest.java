package dev.kiln.nn;

import static dev.kiln.nn.NnTensors.leaf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Every layer's and activation's backward against finite differences in float64, for the input
 * and every parameter: the layers are built with {@code dtype = FLOAT64} (PyTorch's factory
 * argument), so this checks the same code paths the float32 parity tests run.
 */
class NnGradcheckTest {
    /** Replaces a module's parameters with seeded float64 values and checks input + parameter gradients. */
    private static void checkModule(String what, Module m, Tensor x) {
        List<Tensor> leaves = new ArrayList<>();
        if (x.isFloatingPoint()) leaves.add(x);
        long seed = 100;
        for (Tensor p : m.parameters()) {
            Tensor values = leaf(seed++, p.shape().toArray());
            try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
                p.copy_(values);
            }
            leaves.add(p);
        }
        NnGradcheck.check(what, () -> m.forward(x), leaves);
    }

    @Test void linear() {
        checkModule("linear", new Linear(4, 3, true, DType.FLOAT64), leaf(1, 5, 4));
        checkModule("linear no bias", new Linear(4, 3, false, DType.FLOAT64), leaf(2, 2, 4));
        checkModule("linear 3-d input", new Linear(4, 2, true, DType.FLOAT64), leaf(3, 2, 3, 4));
    }

    @Test void batchNormTrainingAndEval() {
        for (boolean train : new boolean[] {true, false}) {
            String mode = train ? " train" : " eval";
            BatchNorm1d bn2 = new BatchNorm1d(3, 1e-5, 0.1, true, true, DType.FLOAT64);
            bn2.train(train);
            checkModule("bn1d [N,C]" + mode, bn2, leaf(4, 4, 3));
            BatchNorm1d bn3 = new BatchNorm1d(3, 1e-5, 0.1, true, true, DType.FLOAT64);
            bn3.train(train);
            checkModule("bn1d [N,C,L]" + mode, bn3, leaf(5, 2, 3, 5));
            BatchNorm2d bn4 = new BatchNorm2d(2, 1e-5, 0.1, true, true, DType.FLOAT64);
            bn4.train(train);
            Torch.uniform(bn4.runningVar(), 0.5, 2.0); // non-trivial running statistics for eval
            Torch.normal(bn4.runningMean(), 0.0, 1.0);
            checkModule("bn2d" + mode, bn4, leaf(6, 2, 2, 3, 3));
        }
        checkModule("bn1d no affine", new BatchNorm1d(3, 1e-5, 0.1, false, true, DType.FLOAT64), leaf(7, 5, 3));
        BatchNorm1d untracked = new BatchNorm1d(3, 1e-5, 0.1, true, false, DType.FLOAT64);
        untracked.eval(); // without running statistics eval mode normalises with the batch's
        checkModule("bn1d untracked eval", untracked, leaf(8, 5, 3));
    }

    @Test void layerNorm() {
        checkModule("layernorm [4]", new LayerNorm(new int[] {4}, 1e-5, true, DType.FLOAT64), leaf(9, 2, 3, 4));
        checkModule("layernorm [3,4]", new LayerNorm(new int[] {3, 4}, 1e-5, true, DType.FLOAT64), leaf(10, 2, 3, 4));
        checkModule("layernorm no affine", new LayerNorm(new int[] {5}, 1e-5, false, DType.FLOAT64), leaf(11, 3, 5));
    }

    @Test void embeddingWithPaddingRow() {
        Tensor idx = Torch.tensor(new long[][] {{0, 2, 5}, {2, 5, 5}});
        Embedding plain = new Embedding(6, 3, null, DType.FLOAT64);
        checkModule("embedding", plain, idx);
        // With a padding row the finite difference of that row is deliberately not followed:
        // it is looked up twice but receives nothing, while the other rows get the same gradient
        // (row 5 the sum of its three lookups, 2 + 1 - 2).
        Embedding padded = new Embedding(6, 3, 2, DType.FLOAT64);
        padded.loadStateDict(plain.stateDict());
        Tensor w = NnTensors.of(new double[] {0.3, -1, 2, 0.5, 1, -2}, 2, 3, 1);
        padded.forward(idx).mul(w).sum().backward();
        plain.weight().setGrad(null);
        plain.forward(idx).mul(w).sum().backward();
        for (int row = 0; row < 6; row++) {
            double[] expected = row == 2 ? new double[3] : plain.weight().grad().get(row).toDoubleArray();
            assertArrayEquals(expected, padded.weight().grad().get(row).toDoubleArray(), 0.0, "row " + row);
        }
        assertArrayEquals(new double[] {1.0, 1.0, 1.0}, padded.weight().grad().get(5).toDoubleArray(), 1e-12);
        assertEquals(3, new Embedding(6, 3).forward(idx).dim());
    }

    @Test void flattenAndSequential() {
        checkModule("flatten", new Flatten(), leaf(12, 2, 3, 2));
        Sequential s = new Sequential(new Linear(3, 4, true, DType.FLOAT64), new Tanh(), new LayerNorm(new int[] {4}, 1e-5, true, DType.FLOAT64),
                new GELU(), new Linear(4, 2, true, DType.FLOAT64), new LogSoftmax(1));
        checkModule("sequential", s, leaf(13, 5, 3));
    }

    @Test void activations() {
        Module[] modules = {new Sigmoid(), new Tanh(), new ReLU(), new LeakyReLU(), new LeakyReLU(0.2), new GELU(),
                new GELU(GeluApproximation.TANH), new Softmax(0), new Softmax(1), new Softmax(-1), new LogSoftmax(0),
                new LogSoftmax(1), new LogSoftmax(-1)};
        for (Module m : modules) checkModule(m.toString(), m, leaf(14, 3, 4, 2));
        // Large inputs: the fused softmaxes stay finite and their gradients exact.
        Tensor big = Torch.tensor(new double[][] {{1000, 1001, 999}, {-1000, 0, 1000}}, DType.FLOAT64).requiresGrad_();
        NnGradcheck.check("softmax large", () -> Functional.softmax(big, 1), List.of(big));
        NnGradcheck.check("log_softmax large", () -> Functional.logSoftmax(big, 1), List.of(big));
        // GELU over the whole range of its erf: both continued-fraction and series branches.
        Tensor wide = Torch.tensor(new double[] {-7, -4.2, -2.5, -1.3, -0.7, -0.2, 0.3, 0.9, 1.6, 2.9, 5.5}, DType.FLOAT64).requiresGrad_();
        NnGradcheck.check("gelu wide", () -> Functional.gelu(wide), List.of(wide));
    }

    @Test void dropoutWithAFixedMask() {
        Tensor x = leaf(15, 4, 5);
        // Reseeding before every evaluation fixes the mask, so dropout is linear in x.
        NnGradcheck.check("dropout", () -> {
            Torch.manualSeed(3);
            return Functional.dropout(x, 0.4, true);
        }, List.of(x));
    }
}
