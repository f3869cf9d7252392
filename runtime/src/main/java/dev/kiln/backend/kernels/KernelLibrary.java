package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;
import dev.kiln.compiled.Optimizer;


/**
 * The device kernels a training step needs besides the model compiler's fused element-wise ones: GEMM in the four
 * layouts, column sums, a deterministic sum, the fused losses, accuracy counting, the optimizer updates and fill.
 * Written once in Kiln's kernel dialect (the {@code .kc} resources next to this class), compiled as one program per
 * context with {@link Tiles} chosen for the device, and launched through the typed methods here, which check every
 * buffer range before queueing.
 *
 * <p>Each method takes a float offset per buffer (device buffers cannot be offset on the host). Launches are queued
 * in order on the context's queue and return at once; download or {@link DeviceContext#finish} to wait. Like its
 * context, a library is used from one thread at a time. Semantics follow the CPU code: {@code Gemm.sgemm},
 * {@code Dense.columnSums}, {@code Loss.CrossEntropy}, {@code Loss.Mse}, {@code Trainer.countCorrect} and
 * {@code Optimizer}.
 */
public final class KernelLibrary {
    private static final PerContext<KernelLibrary> LIBRARIES = new PerContext<>();

    private final DeviceContext ctx;
    private final Tiles tiles;
    private final DeviceKernel[] gemm = new DeviceKernel[4];
    private final DeviceKernel sumPartial, sumFinal, columnSums, countCorrect, softmaxCe, msePartial, sgd, adam, fill;
    /** Per-group partial sums of the two-pass reductions, {@code tiles.reduce()} floats, allocated on first use. */
    private DeviceBuffer partials;

    private KernelLibrary(DeviceContext ctx, Tiles tiles) {
        this.ctx = ctx;
        this.tiles = tiles;
        DeviceProgram p = ctx.compile("kiln-kernels", source(tiles));
        for (int i = 0; i < 4; i++) gemm[i] = p.kernel(KernelSource.GEMM_NAMES[i]);
        sumPartial = p.kernel("sum_partial");
        sumFinal = p.kernel("sum_final");
        columnSums = p.kernel("column_sums");
        countCorrect = p.kernel("count_correct");
        softmaxCe = p.kernel("softmax_cross_entropy");
        msePartial = p.kernel("mse_partial");
        sgd = p.kernel("sgd");
        adam = p.kernel("adam");
        fill = p.kernel("fill");
    }

    /** The library of {@code ctx} with {@link Tiles#forDevice} tiles, compiled on first use and then cached. */
    public static KernelLibrary on(DeviceContext ctx) {
        return LIBRARIES.get(ctx, c -> new KernelLibrary(c, Tiles.forDevice(c)));
    }

    /** A new, uncached library with the given tiles (for tests and tuning): compiles the program again. */
    public static KernelLibrary withTiles(DeviceContext ctx, Tiles tiles) {
        return new KernelLibrary(ctx, tiles);
    }

    /** The library's whole source in the kernel dialect, as compiled for {@code tiles} (without the prelude). */
    public static String source(Tiles tiles) {
        return KernelSource.library(tiles);
    }

    public Tiles tiles() { return tiles; }

    public DeviceContext context() { return ctx; }

    /**
     * Row-major {@code C = (accumulate ? C : 0) + op(A) op(B)} as {@code Gemm.sgemm}: op(A) is m x k, op(B) k x n,
     * C m x n, element (i, j) of X at {@code xOff + i * ldx + j}, {@code lda} the stored row length of A (k, or m
     * when transposed) or more. C must not overlap A or B; without accumulate it is not read.
     */
    public void gemm(boolean transA, boolean transB, int m, int n, int k, DeviceBuffer a, int aOff, int lda,
                     DeviceBuffer b, int bOff, int ldb, DeviceBuffer c, int cOff, int ldc, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative GEMM size " + m + "x" + n + "x" + k);
        Checks.matrix("A", a, transA ? k : m, transA ? m : k, aOff, lda);
        Checks.matrix("B", b, transB ? n : k, transB ? k : n, bOff, ldb);
        Checks.matrix("C", c, m, n, cOff, ldc);
        if (m == 0 || n == 0) return;
        int tx = tiles.gemmTx(), ty = tiles.gemmTy();
        // Rows go in dimension 1, whose group count CUDA caps at 65535.
        if (Checks.ceilDiv(m, tiles.tm()) > 65_535) {
            throw new IllegalArgumentException("GEMM of " + m + " rows needs more than 65535 groups of " + tiles.tm());
        }
        int[] global = {Checks.ceilDiv(n, tiles.tn()) * tx, Checks.ceilDiv(m, tiles.tm()) * ty};
        gemm[(transA ? 2 : 0) + (transB ? 1 : 0)].launch(global, new int[] {tx, ty},
                m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate ? 1 : 0);
    }

    /** {@code out[outOff + j] (+)= sum_i x[off + i * cols + j]} over a rows x cols matrix: the bias gradient. */
    public void columnSums(DeviceBuffer x, int off, int rows, int cols, DeviceBuffer out, int outOff,
                           boolean accumulate) {
        Checks.range("x", x, off, (long) rows * cols);
        Checks.range("out", out, outOff, cols);
        if (cols == 0) return;
        int cx = tiles.colsX(), cy = tiles.reduce() / cx;
        columnSums.launch(new int[] {Checks.ceilDiv(cols, cx) * cx, cy}, new int[] {cx, cy},
                x, off, rows, cols, out, outOff, accumulate ? 1 : 0);
    }

    /**
     * {@code out[outOff] = } the sum of {@code x[off .. off + count)}, in float, with a fixed order of additions
     * (the same result every time for the same count and tiles).
     */
    public void sum(DeviceBuffer x, int off, int count, DeviceBuffer out, int outOff) {
        Checks.range("x", x, off, count);
        Checks.range("out", out, outOff, 1);
        int groups = groups(count);
        int red = tiles.reduce();
        if (groups == 1) {
            sumPartial.launch(new int[] {red}, new int[] {red}, x, off, count, out, outOff);
            return;
        }
        sumPartial.launch(new int[] {groups * red}, new int[] {red}, x, off, count, partials(), 0);
        sumFinal.launch(new int[] {red}, new int[] {red}, partials(), groups, out, outOff);
    }

    /**
     * {@code out[outOff] = } the number of rows whose first maximal logit is the label's class, as
     * {@code Trainer.countCorrect}; a label that is not a class id (NaN included) counts as wrong.
     */
    public void countCorrect(DeviceBuffer logits, int lOff, DeviceBuffer labels, int yOff, int rows, int classes,
                             DeviceBuffer out, int outOff) {
        Checks.classes(classes);
        Checks.range("logits", logits, lOff, (long) rows * classes);
        Checks.range("labels", labels, yOff, rows);
        fill(out, outOff, 1, 0f);
        if (rows == 0) return;
        countCorrect.launch1d(rows, tiles.reduce(), logits, lOff, labels, yOff, rows, classes, out, outOff);
    }

    /**
     * Cross-entropy on logits fused with its gradient, as {@code Loss.CrossEntropy} over a slice of a batch of
     * {@code meanOver} rows: {@code gradOut = (softmax - onehot) / meanOver} and {@code rowLoss[rOff + r] =
     * -log softmax[label]}; the slice's loss is the sum of the row losses ({@link #sum}). Labels are float class
     * ids. A row whose label is not a class id gets NaN for its loss and gradient, for the host to report with the
     * row's index. The gradient must not overlap the logits.
     */
    public void softmaxCrossEntropy(DeviceBuffer logits, int lOff, DeviceBuffer labels, int yOff, int rows,
                                    int classes, int meanOver, DeviceBuffer gradOut, int gOff, DeviceBuffer rowLoss,
                                    int rOff) {
        Checks.classes(classes);
        if (meanOver <= 0) throw new IllegalArgumentException("meanOver must be positive, got " + meanOver);
        Checks.range("logits", logits, lOff, (long) rows * classes);
        Checks.range("labels", labels, yOff, rows);
        Checks.range("gradOut", gradOut, gOff, (long) rows * classes);
        Checks.range("rowLoss", rowLoss, rOff, rows);
        if (rows == 0) return;
        // One group per row, at least a warp wide, at most as many items as classes need.
        int red = tiles.reduce();
        int local = Math.min(red, Math.max(Math.min(32, red), Integer.highestOneBit(Math.max(1, classes - 1)) << 1));
        Checks.items((long) rows * local);
        softmaxCe.launch(new int[] {rows * local}, new int[] {local},
                logits, lOff, labels, yOff, classes, meanOver, gradOut, gOff, rowLoss, rOff, Float.NaN);
    }

    /**
     * Mean squared error as {@code Loss.Mse} over a slice of {@code count} elements of a batch of {@code meanOver}
     * elements (rows times outputs): {@code gradOut = 2 (pred - target) / meanOver} and {@code loss[lossOff] = }
     * the slice's sum of squared differences (divide by {@code meanOver} for the mean).
     */
    public void mse(DeviceBuffer pred, int pOff, DeviceBuffer target, int tOff, int count, int meanOver,
                    DeviceBuffer gradOut, int gOff, DeviceBuffer loss, int lossOff) {
        if (meanOver <= 0) throw new IllegalArgumentException("meanOver must be positive, got " + meanOver);
        Checks.range("pred", pred, pOff, count);
        Checks.range("target", target, tOff, count);
        Checks.range("gradOut", gradOut, gOff, count);
        Checks.range("loss", loss, lossOff, 1);
        float scale = 2f / meanOver;
        int groups = groups(count), red = tiles.reduce();
        if (groups == 1) {
            msePartial.launch(new int[] {red}, new int[] {red}, pred, pOff, target, tOff, count, scale,
                    gradOut, gOff, loss, lossOff);
            return;
        }
        msePartial.launch(new int[] {groups * red}, new int[] {red}, pred, pOff, target, tOff, count, scale,
                gradOut, gOff, partials(), 0);
        sumFinal.launch(new int[] {red}, new int[] {red}, partials(), groups, loss, lossOff);
    }

    /**
     * One SGD step over {@code count} parameters as {@code Optimizer.Sgd} ({@code firstStep} starts the velocity
     * at the gradient, as PyTorch does). {@code velocity} is not used, and may be null, without momentum.
     */
    public void sgd(DeviceBuffer params, int pOff, DeviceBuffer grads, int gOff, DeviceBuffer velocity, int vOff,
                    int count, float lr, float momentum, float dampening, float weightDecay, boolean nesterov,
                    boolean firstStep) {
        launchSgd(params, pOff, grads, gOff, velocity, vOff, count, lr, momentum, firstStep ? 0f : momentum,
                firstStep ? 1f : 1f - dampening, weightDecay, nesterov);
    }

    /**
     * One Adam step as {@code Optimizer.Adam}, with the step's bias corrections folded in as its {@code begin()}
     * does: {@code stepSize = lr / (1 - beta1^t)}, {@code invBc2Sqrt = 1 / sqrt(1 - beta2^t)}; each parameter is
     * first multiplied by {@code decay}, AdamW's {@code 1 - lr * weight_decay} (1 for Adam, whose L2
     * {@code weightDecay} goes into the gradient instead).
     */
    public void adam(DeviceBuffer params, int pOff, DeviceBuffer grads, int gOff, DeviceBuffer m, int mOff,
                     DeviceBuffer v, int vOff, int count, float stepSize, double beta1, double beta2,
                     float invBc2Sqrt, float eps, float weightDecay, float decay) {
        Checks.range("params", params, pOff, count);
        Checks.range("grads", grads, gOff, count);
        Checks.range("m", m, mOff, count);
        Checks.range("v", v, vOff, count);
        if (count == 0) return;
        adam.launch1d(count, tiles.reduce(), params, pOff, grads, gOff, m, mOff, v, vOff, count, stepSize,
                (float) beta1, (float) beta2, (float) (1 - beta1), (float) (1 - beta2), invBc2Sqrt, eps, weightDecay, decay);
    }

    /**
     * The update {@code opt.update} would make, with the scalars of the step its {@link Optimizer#begin} last
     * started (call that first, once per step). {@code state} holds {@link #stateFloats} floats from {@code sOff},
     * zeroed before the first step: SGD's velocity, or Adam's first then second moments.
     */
    public void update(Optimizer opt, DeviceBuffer params, int pOff, DeviceBuffer grads, int gOff,
                       DeviceBuffer state, int sOff, int count) {
        switch (opt) {
            case Optimizer.Sgd s -> launchSgd(params, pOff, grads, gOff, state, sOff, count, (float) s.lr(),
                    s.momentum(), s.stepMomentum(), s.stepGradientWeight(), s.weightDecay(), s.nesterov());
            case Optimizer.Adam a -> adam(params, pOff, grads, gOff, state, sOff, state, sOff + count, count,
                    a.stepSize(), a.beta1(), a.beta2(), a.invBc2Sqrt(), a.eps(), a.weightDecay(), a.stepDecay());
        }
    }

    /** Floats of optimizer state {@link #update} needs for {@code count} parameters. */
    public static long stateFloats(Optimizer opt, int count) {
        return switch (opt) {
            case Optimizer.Sgd s -> s.momentum() == 0f ? 0 : count;
            case Optimizer.Adam a -> 2L * count;
        };
    }

    /** {@code x[off .. off + count) = value}. */
    public void fill(DeviceBuffer x, int off, int count, float value) {
        Checks.range("x", x, off, count);
        if (count == 0) return;
        fill.launch1d(count, tiles.reduce(), x, off, count, value);
    }

    private void launchSgd(DeviceBuffer params, int pOff, DeviceBuffer grads, int gOff, DeviceBuffer velocity,
                           int vOff, int count, float lr, float momentum, float mom, float keep, float weightDecay,
                           boolean nesterov) {
        boolean useMomentum = momentum != 0f;
        Checks.range("params", params, pOff, count);
        Checks.range("grads", grads, gOff, count);
        if (useMomentum) Checks.range("velocity", velocity, vOff, count);
        if (count == 0) return;
        // Without momentum the kernel never touches v; any buffer stands in for it.
        sgd.launch1d(count, tiles.reduce(), params, pOff, grads, gOff, useMomentum ? velocity : params,
                useMomentum ? vOff : 0, count, lr, useMomentum ? 1 : 0, momentum, mom, keep, weightDecay,
                nesterov ? 1 : 0);
    }

    /** Groups of a two-pass reduction over {@code count} elements: about 4 per item, at most {@code reduce}. */
    private int groups(int count) {
        int red = tiles.reduce();
        return (int) Math.max(1, Math.min(red, Checks.ceilDiv(count, 4L * red)));
    }

    private DeviceBuffer partials() {
        if (partials == null) partials = ctx.allocate(tiles.reduce());
        return partials;
    }
}
