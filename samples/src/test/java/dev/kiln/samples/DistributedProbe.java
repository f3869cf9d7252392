package dev.kiln.samples;

import dev.kiln.compiled.Checkpoints;
import dev.kiln.compiled.Loss;
import dev.kiln.optim.Adam;
import dev.kiln.compiled.Trainer;
import dev.kiln.distributed.Distributed;
import dev.kiln.samples.compiled.KilnPhonePriceTanh;
import dev.kiln.train.GradientReducer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One rank of {@link DistributedTrainingTest}'s jobs, on the phone-price MLP. Modes:
 * <ul>
 *   <li>{@code grad OUT}: the gradient of a batch of {@link #GRAD_ROWS} rows, each rank computing its part and the parts
 *   summed by one allreduce; rank 0 writes it to OUT.</li>
 *   <li>{@code fit OUT}: {@link #FIT_EPOCHS} epochs through the trainer on {@link #FIT_SAMPLES} samples in batches of
 *   {@link #FIT_BATCH} (the last batch has fewer rows than a job of 3 has ranks); rank 0 saves the parameters to OUT.</li>
 *   <li>{@code loader OUT}: as {@code fit}, 2 epochs, fed by a shuffling DataLoader.</li>
 *   <li>{@code save CKPT} / {@code resume CKPT OUT}: 3 epochs on {@link #CKPT_SAMPLES} samples with a checkpoint, then 2
 *   more epochs from it.</li>
 *   <li>{@code kill} / {@code hang}: rank 1 kills itself (kill -9) or stops at step 10 of epoch 2.</li>
 * </ul>
 * Every rank creates its model from its own seed: rank 0's parameters must reach the others by broadcast.
 */
public final class DistributedProbe {
    static final int GRAD_ROWS = 37, FIT_SAMPLES = 76, FIT_BATCH = 37, FIT_EPOCHS = 3, CKPT_SAMPLES = 400;

    public static void main(String[] args) throws Exception {
        Distributed.run(d -> {
            PhonePriceData data = PhonePriceData.bundled();
            float[] x = data.trainX().toFloatArray(), y = data.trainY().toFloat().toFloatArray();
            KilnPhonePriceTanh model = KilnPhonePriceTanh.create(7 + 1000L * d.rank());
            d.broadcastParameters(model);
            switch (args[0]) {
                case "grad" -> {
                    int lo = GradientReducer.rows(GRAD_ROWS, d.rank(), d.size()), hi = GradientReducer.rows(GRAD_ROWS, d.rank() + 1, d.size());
                    float[] g = localGradient(model, x, y, lo, hi);
                    double[] stats = {0};
                    d.sumGradients(g, (float) (hi - lo) / GRAD_ROWS, stats);
                    if (d.isMain()) writeFloats(Path.of(args[1]), g);
                }
                case "fit" -> {
                    trainer(model, d).fit(Arrays.copyOf(x, FIT_SAMPLES * 20), Arrays.copyOf(y, FIT_SAMPLES), FIT_EPOCHS, FIT_BATCH);
                    if (d.isMain()) Checkpoints.save(Path.of(args[1]), model);
                }
                case "loader" -> {
                    trainer(model, d).fit(loader(data), 2);
                    if (d.isMain()) Checkpoints.save(Path.of(args[1]), model);
                }
                case "save" -> trainer(model, d).checkpoint(Path.of(args[1])).log(System.out).progress(false)
                        .fit(Arrays.copyOf(x, CKPT_SAMPLES * 20), Arrays.copyOf(y, CKPT_SAMPLES), 3, 32);
                case "resume" -> {
                    d.loadCheckpoint(Path.of(args[1]), model);
                    trainer(model, d).fit(Arrays.copyOf(x, CKPT_SAMPLES * 20), Arrays.copyOf(y, CKPT_SAMPLES), 2, 32);
                    if (d.isMain()) Checkpoints.save(Path.of(args[2]), model);
                }
                case "kill", "hang" -> {
                    boolean kill = args[0].equals("kill");
                    GradientReducer stopping = new Stopping(d, kill);
                    model.trainer(Loss.crossEntropy(), Adam.options().lr(1e-3)).shuffleSeed(3).distributed(stopping).log(System.out)
                            .progress(false).fit(x, y, 5, 32);
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        });
    }

    /** The first {@link #FIT_SAMPLES} samples in shuffled batches of {@link #FIT_BATCH}, the same on every rank (seeded). */
    static dev.kiln.data.DataLoader loader(PhonePriceData data) {
        var x = data.trainX().get(dev.kiln.tensor.Index.slice(0, FIT_SAMPLES));
        var y = data.trainY().get(dev.kiln.tensor.Index.slice(0, FIT_SAMPLES));
        return new dev.kiln.data.DataLoader(new dev.kiln.data.TensorDataset(x, y), FIT_BATCH, true, false,
                new dev.kiln.tensor.random.Generator(9));
    }

    /**
     * SGD with momentum: its update is linear in the gradients, so two runs that round differently stay within float
     * tolerance of each other (Adam divides by the gradients' running size, which magnifies rounding where that is small).
     */
    static Trainer trainer(KilnPhonePriceTanh model, GradientReducer d) {
        return model.trainer(Loss.crossEntropy(), dev.kiln.compiled.Optimizer.sgd(0.05, 0.9)).shuffleSeed(5).threads(1).distributed(d).log(null);
    }

    /** The gradient of the mean loss over rows [lo, hi) of x (zero for no rows). */
    static float[] localGradient(KilnPhonePriceTanh model, float[] x, float[] y, int lo, int hi) {
        float[] g = new float[model.gradientBuffer().length];
        int n = hi - lo;
        if (n == 0) return g;
        model.ensureCapacity(n);
        model.train(true);
        float[] out = model.forward(Arrays.copyOfRange(x, lo * 20, hi * 20), n);
        float[] gradOut = new float[n * 4];
        Loss.crossEntropy().forwardBackward(out, Arrays.copyOfRange(y, lo, hi), n, 4, gradOut);
        model.backwardParameters(gradOut, n);
        System.arraycopy(model.gradientBuffer(), 0, g, 0, g.length);
        return g;
    }

    static void writeFloats(Path p, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Files.write(p, b.array());
    }

    static float[] readFloats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    /** Passes everything to the job, but rank 1 dies (or hangs) before its 10th gradient allreduce of epoch 2. */
    private record Stopping(Distributed d, boolean kill, int[] steps) implements GradientReducer {
        Stopping(Distributed d, boolean kill) { this(d, kill, new int[2]); }

        @Override public int part() { return d.part(); }
        @Override public int parts() { return d.parts(); }
        @Override public void sum(double[] values) { d.sum(values); }

        @Override
        public void endEpoch(float[] parameters, float[] state) {
            steps[0]++;
            steps[1] = 0;
            d.endEpoch(parameters, state);
        }

        @Override
        public void sumGradients(float[] gradients, float scale, double[] stats) {
            if (d.rank() == 1 && steps[0] == 1 && ++steps[1] == 10) {
                System.out.println("rank 1: " + (kill ? "kill -9 itself" : "stops") + " at step 10 of epoch 2");
                System.out.flush();
                try {
                    if (kill) new ProcessBuilder("kill", "-9", String.valueOf(ProcessHandle.current().pid())).start().waitFor();
                    Thread.sleep(600_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            d.sumGradients(gradients, scale, stats);
        }
    }
}
