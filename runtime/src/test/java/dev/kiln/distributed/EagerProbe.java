package dev.kiln.distributed;

import dev.kiln.data.DataLoader;
import dev.kiln.data.TensorDataset;
import dev.kiln.loss.CrossEntropyLoss;
import dev.kiln.nn.BatchNorm1d;
import dev.kiln.nn.Linear;
import dev.kiln.nn.Module;
import dev.kiln.nn.ReLU;
import dev.kiln.nn.Sequential;
import dev.kiln.optim.SGD;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;
import dev.kiln.tensor.random.Generator;
import dev.kiln.train.Trainer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One rank of {@link MpiTest}'s eager-trainer job: a small MLP (with BatchNorm1d with {@code bn}) trained for two epochs
 * on a shuffled loader, each rank on its part of every batch; rank 0 writes the parameters and buffers to OUT.
 */
public final class EagerProbe {
    static final int SAMPLES = 90, BATCH = 16, EPOCHS = 2;

    public static void main(String[] args) throws Exception {
        boolean bn = args.length > 1 && args[1].equals("bn");
        Distributed.run(d -> {
            Module model = train(d, bn, 11 + 100L * d.rank());
            float[] flat = flatten(model);
            if (d.isMain()) {
                ByteBuffer b = ByteBuffer.allocate(flat.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(flat);
                Files.write(Path.of(args[0]), b.array());
            }
            // Every rank's parameters and buffers must be the same: print a checksum per rank.
            System.out.println("rank " + d.rank() + " checksum " + Arrays.hashCode(flat));
        });
    }

    /** Builds the model from {@code seed} (rank 0's is broadcast) and trains it; {@code d} null trains alone. */
    static Module train(Distributed d, boolean bn, long seed) {
        Torch.manualSeed(seed);
        Module model = bn ? new Sequential(new Linear(6, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3))
                : new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 3));
        if (d != null) d.broadcastParameters(model);
        Generator data = new Generator(5);
        Torch.manualSeed(5);
        Tensor x = Torch.randn(SAMPLES, 6);
        Tensor y = Torch.randint(0, 3, SAMPLES);
        var loader = new DataLoader(new TensorDataset(x, y), BATCH, true, false, data);
        var sgd = new SGD(model.parameters(), SGD.options(0.1).momentum(0.9));
        new Trainer(model, new CrossEntropyLoss(), sgd).distributed(d).progress(false).fit(loader, EPOCHS, null);
        return model;
    }

    static float[] flatten(Module model) {
        var all = new java.util.ArrayList<>(model.parameters());
        for (Tensor b : model.namedBuffers().values()) if (b.isFloatingPoint()) all.add(b);
        int n = 0;
        for (Tensor t : all) n += t.numel();
        float[] out = new float[n];
        int off = 0;
        for (Tensor t : all) {
            System.arraycopy(t.toFloatArray(), 0, out, off, t.numel());
            off += t.numel();
        }
        return out;
    }
}
