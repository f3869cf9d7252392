package dev.kiln.samples.compiled;

import dev.kiln.compiled.Loss;
import dev.kiln.compiled.Optimizer;
import dev.kiln.compiled.Trainer;
import dev.kiln.optim.Adam;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Torch;

import java.util.SplittableRandom;

/**
 * The training steps whose warm allocation {@link WarmAllocation} counts, one per case name, run in a child JVM:
 * {@code cnn} (the Fashion-MNIST CNN with Adam), {@code bn2d} (Conv2d + BatchNorm2d + ReLU with momentum SGD) and
 * {@code mlp/BATCH/sgd|adam} (the phone-price MLP, whose batches up to 32 split features and larger ones rows between
 * two cores). Prints {@code allocated N} last.
 */
final class AllocationProbe {
    private AllocationProbe() {}

    public static void main(String[] args) {
        String probe = args[0];
        Runnable step;
        if (probe.equals("cnn")) {
            Trainer trainer = KilnFashionCnn.create(1, 4).trainer(Loss.crossEntropy(), Adam.options().lr(1e-3));
            trainer.prepare(4);
            float[] x = Torch.rand(4, 1, 28, 28).toFloatArray(), y = {0, 3, 7, 9};
            step = () -> trainer.step(x, y, 4);
        } else if (probe.equals("bn2d")) {
            Trainer trainer = KilnTestBnCnn.create(1, 4).trainer(Loss.crossEntropy(), SGD.options(0.01).momentum(0.9));
            trainer.prepare(4);
            float[] x = Torch.randn(4, 2, 6, 6).toFloatArray(), y = {0, 2, 1, 2};
            step = () -> trainer.step(x, y, 4);
        } else if (probe.startsWith("mlp/")) {
            String[] parts = probe.split("/");
            int batch = Integer.parseInt(parts[1]);
            Optimizer opt = parts[2].equals("adam") ? Optimizer.adam(1e-3) : Optimizer.sgd(0.01, 0.9);
            Trainer trainer = KilnPhonePrice.create(1).trainer(Loss.crossEntropy(), opt);
            trainer.prepare(batch);
            SplittableRandom r = new SplittableRandom(2);
            float[] x = new float[batch * 20], y = new float[batch];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < batch; i++) y[i] = r.nextInt(4);
            step = () -> {
                trainer.step(x, y, batch);
                int cores = Math.min(2, Runtime.getRuntime().availableProcessors());
                if (trainer.coresInLastStep() != cores) throw new AssertionError("batch " + batch + " ran on one core");
            };
        } else {
            throw new IllegalArgumentException("unknown probe " + probe);
        }
        System.out.println("allocated " + WarmAllocation.measure(step));
    }
}
