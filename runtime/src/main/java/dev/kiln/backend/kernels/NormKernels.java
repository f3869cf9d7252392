package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;

import java.util.List;

/**
 * The device kernels of the remaining compiled layers: BatchNorm (1d and 2d: training statistics with the running
 * statistics, normalisation, eval, backward), LayerNorm, Embedding, row-wise softmax and log-softmax, and the
 * residual sum. Semantics follow {@code backend/cpu/BatchNormKernel} with the passes {@code BatchNormWriter} generates
 * around it, {@code LayerNormKernel}, {@code EmbeddingKernel} and {@code RowOps}. Written once in the kernel dialect
 * ({@code norm.kc}, {@code rows.kc}, {@code embedding.kc}, {@code residual.kc} next to this class), compiled as one
 * program per context, and launched through the typed methods here, which check every buffer range before queueing.
 * Every buffer comes with an int float offset; launches are queued in order and return at once; like its context, an
 * instance is used from one thread at a time.
 *
 * <p><b>BatchNorm</b> works on {@code [n, channels, spatial]} ({@code spatial} = 1 for BatchNorm1d over [N, C], L
 * over [N, C, L], H*W for BatchNorm2d). Its statistics live in a {@code stats} buffer of
 * {@link #statisticsFloats}{@code (channels)}: the means, then the invStds. Training runs
 * {@link #batchNormStatistics} (one work-group per channel; it also moves the running statistics and counts the
 * batch) and {@link #batchNormForward}; eval runs {@link #batchNormEval} alone, which reads the running statistics;
 * a BatchNorm without running statistics uses the batch's in both modes (statistics with {@code track} false, then
 * the forward), as PyTorch does. Sums are float in fixed trees, the mean and variance corrected in a second pass, so
 * results repeat bit for bit and stay within float rounding of the CPU's double sums.
 *
 * <p><b>A fused activation</b> ({@code BatchNorm + GELU} in the generated code) is not applied here: the caller
 * passes its pre-activation buffer as {@code y}, so {@link #batchNormForward} (or {@link #batchNormEval}) writes
 * {@code xhat * gamma + beta} there, and then launches its own element-wise activation kernel from that buffer into
 * the layer's output. Backward, the caller first runs the activation's backward (reading the pre-activation or the
 * output, as its rule needs) into a gradient buffer, which is then {@code dy} of {@link #batchNormBackward}: the
 * gradient with respect to the BatchNorm's own output, {@code d} in the generated code. Without an activation, y is
 * the layer's output and dy its gradient.
 *
 * <p><b>Embedding</b> indices are floats holding whole numbers, as the CPU's batch arrays hold them. The forward
 * writes NaN rows for an invalid index, which the host reports ({@link #invalidIndex} finds it in the host batch
 * before upload, with {@code EmbeddingKernel}'s rule). The backward is deterministic without float atomics or a
 * sort: a first pass links the positions holding the same index, and each chain's head adds its rows in increasing
 * position order, the CPU's sums in the CPU's order (bit for bit).
 *
 * <p>Launches per call: batchNormStatistics 1, batchNormForward 1, batchNormEval 1, batchNormBackward 1; layerNorm
 * forward 1, layerNormBackward 1 (+1 for the affine parameters' gradients); softmax, logSoftmax and their backwards
 * 1; embeddingForward 1, embeddingBackward 2; residualAdd, accumulateInto, residualBackward 1. None depends on the
 * batch size.
 */
public final class NormKernels {
    private static final PerContext<NormKernels> CACHE = new PerContext<>();

    /** The source files, in program order: the library's shared macros, then these kernels. */
    static final List<String> FILES = List.of("common.kc", "norm.kc", "rows.kc", "embedding.kc", "residual.kc");

    /** Every entry point of the program. */
    public static final List<String> KERNELS = List.of("bn_statistics", "bn_normalize", "bn_backward", "ln_forward",
            "ln_param_grads", "ln_input_grad", "row_softmax", "row_softmax_backward", "embedding_forward",
            "embedding_link", "embedding_gather", "residual_add", "accumulate_into", "residual_backward");

    /** Counts and positions stored as floats: exact below 2^24. */
    private static final int MAX_EXACT = 1 << 24;

    private final DeviceContext ctx;
    private final KernelLibrary lib;
    private final int local;
    private final DeviceKernel bnStatistics, bnNormalize, bnBackward, lnForward, lnParamGrads, lnInputGrad, softmax,
            softmaxBackward, embeddingForward, embeddingLink, embeddingGather, residualAdd, accumulateInto,
            residualBackward;

    private NormKernels(KernelLibrary lib) {
        this.lib = lib;
        this.ctx = lib.context();
        this.local = lib.tiles().reduce();
        DeviceProgram p = ctx.compile("kiln-norm", source(lib.tiles()));
        bnStatistics = p.kernel("bn_statistics");
        bnNormalize = p.kernel("bn_normalize");
        bnBackward = p.kernel("bn_backward");
        lnForward = p.kernel("ln_forward");
        lnParamGrads = p.kernel("ln_param_grads");
        lnInputGrad = p.kernel("ln_input_grad");
        softmax = p.kernel("row_softmax");
        softmaxBackward = p.kernel("row_softmax_backward");
        embeddingForward = p.kernel("embedding_forward");
        embeddingLink = p.kernel("embedding_link");
        embeddingGather = p.kernel("embedding_gather");
        residualAdd = p.kernel("residual_add");
        accumulateInto = p.kernel("accumulate_into");
        residualBackward = p.kernel("residual_backward");
    }

    /** The norm kernels of {@code ctx}, over {@link KernelLibrary#on}, compiled on first use and then cached. */
    public static NormKernels on(DeviceContext ctx) {
        return CACHE.get(ctx, c -> new NormKernels(KernelLibrary.on(c)));
    }

    /** New, uncached norm kernels over {@code lib} and its tiles (for tests and tuning): compiles the program. */
    public static NormKernels over(KernelLibrary lib) {
        return new NormKernels(lib);
    }

    /** The program's whole source in the kernel dialect, as compiled for {@code tiles} (without the prelude). */
    public static String source(Tiles tiles) {
        return KernelSource.assemble("Kiln norm kernels", tiles, FILES);
    }

    public KernelLibrary library() { return lib; }

    // ---------------------------------------------------------------------------------------------- BatchNorm

    /** Floats of a BatchNorm's statistics buffer: the {@code channels} means, then the invStds. */
    public static int statisticsFloats(int channels) {
        return 2 * channels;
    }

    /**
     * Training statistics, as {@code BatchNormKernel.batchStatistics}: each channel's mean over its n*spatial values
     * at {@code stats[statsOff + j]} and {@code 1 / sqrt(biased variance + eps)} at
     * {@code stats[statsOff + channels + j]}. With {@code track}, the running mean and variance at
     * {@code state[runMeanOff ..]} and {@code state[runVarOff ..]} move by {@code momentum} towards the batch's (the
     * variance unbiased); with {@code countOff >= 0}, {@code state[countOff]} (num_batches_tracked) gains 1. One
     * launch, one work-group per channel. {@code state} is not read without track and countOff < 0 (it may be null).
     */
    public void batchNormStatistics(int n, int channels, int spatial, DeviceBuffer x, int xOff, DeviceBuffer stats,
                                    int statsOff, DeviceBuffer state, int runMeanOff, int runVarOff, int countOff,
                                    boolean track, float momentum, float eps) {
        long total = checkBatchNorm(n, channels, spatial);
        if (n == 0) throw new IllegalArgumentException("BatchNorm statistics of an empty batch");
        if ((long) n * spatial >= MAX_EXACT) {
            throw new IllegalArgumentException("BatchNorm channels of " + (long) n * spatial + " values exceed float's exact counts");
        }
        Checks.range("x", x, xOff, total);
        Checks.range("stats", stats, statsOff, statisticsFloats(channels));
        boolean usesState = track || countOff >= 0;
        if (track) {
            Checks.range("running mean", state, runMeanOff, channels);
            Checks.range("running variance", state, runVarOff, channels);
        }
        if (countOff >= 0) Checks.range("batch count", state, countOff, 1);
        bnStatistics.launch(new int[] {channels * local}, new int[] {local}, x, xOff, n, channels, spatial, stats,
                statsOff, usesState ? state : stats, track ? runMeanOff : 0, track ? runVarOff : 0, countOff,
                track ? 1 : 0, momentum, eps);
    }

    /**
     * Training normalisation with the statistics of {@link #batchNormStatistics}: {@code xhat = (x - mean) * invStd}
     * at {@code xhat[xhatOff ..]} (not kept when {@code xhat} is null) and {@code y = xhat * gamma + beta} at
     * {@code y[yOff ..]}, gamma from {@code params[gammaOff + j]} (1 when gammaOff < 0) and beta from
     * {@code params[betaOff + j]} (0 when betaOff < 0; params may be null without either). With a fused activation
     * y is the pre-activation (see the class comment). x, y and xhat may coincide. One launch.
     */
    public void batchNormForward(int n, int channels, int spatial, DeviceBuffer x, int xOff, DeviceBuffer stats,
                                 int statsOff, DeviceBuffer params, int gammaOff, int betaOff, DeviceBuffer y,
                                 int yOff, DeviceBuffer xhat, int xhatOff) {
        long total = checkBatchNorm(n, channels, spatial);
        Checks.range("stats", stats, statsOff, statisticsFloats(channels));
        normalize(total, channels, spatial, x, xOff, stats, statsOff, statsOff + channels, false, 0f, params,
                gammaOff, betaOff, y, yOff, xhat, xhatOff);
    }

    /**
     * Eval with the running statistics, as {@code BatchNormKernel.runningStatistics} then the normalisation:
     * {@code xhat = (x - runMean) / sqrt(runVar + eps)} (kept when {@code xhat} is not null) and
     * {@code y = xhat * gamma + beta}, the rest as {@link #batchNormForward}. One launch.
     */
    public void batchNormEval(int n, int channels, int spatial, DeviceBuffer x, int xOff, DeviceBuffer state,
                              int runMeanOff, int runVarOff, float eps, DeviceBuffer params, int gammaOff, int betaOff,
                              DeviceBuffer y, int yOff, DeviceBuffer xhat, int xhatOff) {
        long total = checkBatchNorm(n, channels, spatial);
        Checks.range("running mean", state, runMeanOff, channels);
        Checks.range("running variance", state, runVarOff, channels);
        normalize(total, channels, spatial, x, xOff, state, runMeanOff, runVarOff, true, eps, params, gammaOff,
                betaOff, y, yOff, xhat, xhatOff);
    }

    private void normalize(long total, int channels, int spatial, DeviceBuffer x, int xOff, DeviceBuffer st, int mOff,
                           int vOff, boolean fromRunning, float eps, DeviceBuffer params, int gammaOff, int betaOff,
                           DeviceBuffer y, int yOff, DeviceBuffer xhat, int xhatOff) {
        Checks.range("x", x, xOff, total);
        Checks.range("y", y, yOff, total);
        if (xhat != null) Checks.range("xhat", xhat, xhatOff, total);
        if (gammaOff >= 0) Checks.range("gamma", params, gammaOff, channels);
        if (betaOff >= 0) Checks.range("beta", params, betaOff, channels);
        if (total == 0) return;
        bnNormalize.launch1d(total, local, x, xOff, st, mOff, vOff, fromRunning ? 1 : 0, eps,
                gammaOff >= 0 || betaOff >= 0 ? params : st, gammaOff, betaOff, y, yOff, xhat != null ? xhat : y,
                xhat != null ? xhatOff : 0, xhat != null ? 1 : 0, (int) total, channels, spatial);
    }

    /**
     * The backward of a training-mode BatchNorm, the generated code's two passes: with {@code dy} the gradient at the
     * BatchNorm's output (after the caller's activation backward, if one is fused), per channel
     * {@code sumD = sum dy} and {@code sumDX = sum dy * xhat}; {@code dgamma = sumDX} at {@code grads[dGammaOff ..]}
     * and {@code dbeta = sumD} at {@code grads[dBetaOff ..]} (each skipped when its offset is < 0, added to when
     * {@code accumulateParams}); and, when {@code dx} is not null,
     * {@code dx = gamma * invStd / M * (M * dy - sumD - xhat * sumDX)} over a channel's M = n*spatial values (gamma 1
     * when gammaOff < 0), added to when {@code accumulateInput}. dx may be dy. One launch, one work-group per channel.
     */
    public void batchNormBackward(int n, int channels, int spatial, DeviceBuffer dy, int dyOff, DeviceBuffer xhat,
                                  int xhatOff, DeviceBuffer stats, int statsOff, DeviceBuffer params, int gammaOff,
                                  DeviceBuffer grads, int dGammaOff, int dBetaOff, boolean accumulateParams,
                                  DeviceBuffer dx, int dxOff, boolean accumulateInput) {
        long total = checkBatchNorm(n, channels, spatial);
        if ((long) n * spatial >= MAX_EXACT) {
            throw new IllegalArgumentException("BatchNorm channels of " + (long) n * spatial + " values exceed float's exact counts");
        }
        Checks.range("dy", dy, dyOff, total);
        Checks.range("xhat", xhat, xhatOff, total);
        Checks.range("stats", stats, statsOff, statisticsFloats(channels));
        if (gammaOff >= 0) Checks.range("gamma", params, gammaOff, channels);
        if (dGammaOff >= 0) Checks.range("gamma gradient", grads, dGammaOff, channels);
        if (dBetaOff >= 0) Checks.range("beta gradient", grads, dBetaOff, channels);
        if (dx != null) Checks.range("dx", dx, dxOff, total);
        boolean paramGrads = dGammaOff >= 0 || dBetaOff >= 0;
        if (!paramGrads && dx == null) return;
        if (n == 0) {
            // Sums over no samples: zero, or unchanged when accumulating.
            if (!accumulateParams) {
                if (dGammaOff >= 0) lib.fill(grads, dGammaOff, channels, 0f);
                if (dBetaOff >= 0) lib.fill(grads, dBetaOff, channels, 0f);
            }
            return;
        }
        bnBackward.launch(new int[] {channels * local}, new int[] {local}, dy, dyOff, xhat, xhatOff, stats, statsOff,
                gammaOff >= 0 ? params : stats, gammaOff, paramGrads ? grads : stats, dGammaOff, dBetaOff,
                accumulateParams ? 1 : 0, dx != null ? dx : dy, dx != null ? dxOff : 0, accumulateInput ? 1 : 0,
                dx != null ? 1 : 0, n, channels, spatial);
    }

    /** Checks the sizes; returns n * channels * spatial. */
    private long checkBatchNorm(int n, int channels, int spatial) {
        if (n < 0) throw new IllegalArgumentException("negative batch " + n);
        if (channels <= 0 || spatial <= 0) {
            throw new IllegalArgumentException("BatchNorm channels and spatial size must be positive: " + channels + ", " + spatial);
        }
        long total = (long) n * channels * spatial;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BatchNorm over " + total + " values exceeds the kernels' int indexing");
        }
        Checks.items((long) channels * local);
        return total;
    }

    // ---------------------------------------------------------------------------------------------- LayerNorm

    /**
     * LayerNorm over {@code rows} rows of {@code cols}, as {@code LayerNormKernel.forward}: each row's
     * {@code 1 / sqrt(biased variance + eps)} at {@code invStd[invOff + row]}, {@code xhat} kept at
     * {@code xhat[xhatOff ..]}, and {@code y = xhat * gamma + beta} (gamma at {@code params[gammaOff ..]}, 1 when
     * gammaOff < 0; beta at {@code params[betaOff ..]}, 0 when betaOff < 0). y must not overlap x. One launch.
     */
    public void layerNormForward(int rows, int cols, DeviceBuffer x, int xOff, DeviceBuffer params, int gammaOff,
                                 int betaOff, float eps, DeviceBuffer y, int yOff, DeviceBuffer xhat, int xhatOff,
                                 DeviceBuffer invStd, int invOff) {
        long total = checkRows(rows, cols);
        Checks.range("x", x, xOff, total);
        Checks.range("y", y, yOff, total);
        Checks.range("xhat", xhat, xhatOff, total);
        Checks.range("invStd", invStd, invOff, rows);
        if (gammaOff >= 0) Checks.range("gamma", params, gammaOff, cols);
        if (betaOff >= 0) Checks.range("beta", params, betaOff, cols);
        if (rows == 0) return;
        int lanes = lanes(cols);
        lnForward.launch(rowGlobal(rows, lanes), new int[] {local}, x, xOff, y, yOff, xhat, xhatOff, invStd, invOff,
                gammaOff >= 0 || betaOff >= 0 ? params : x, gammaOff, betaOff, eps, rows, cols, lanes);
    }

    /**
     * The backward of {@link #layerNormForward}, as {@code LayerNormKernel.backward}: {@code dgamma = sum_rows dy*xhat}
     * at {@code grads[dGammaOff ..]} and {@code dbeta = sum_rows dy} at {@code grads[dBetaOff ..]} (each skipped when
     * its offset is < 0, added to when {@code accumulateParams}); when {@code dx} is not null, with
     * {@code dh = dy * gamma} (gamma 1 when gammaOff < 0), {@code dx = invStd / D * (D*dh - sum dh - xhat * sum dh*xhat)}
     * per row, added to when {@code accumulateInput}. dx may be dy. One launch for dx, one for the parameters'.
     */
    public void layerNormBackward(int rows, int cols, DeviceBuffer dy, int dyOff, DeviceBuffer xhat, int xhatOff,
                                  DeviceBuffer invStd, int invOff, DeviceBuffer params, int gammaOff, DeviceBuffer grads,
                                  int dGammaOff, int dBetaOff, boolean accumulateParams, DeviceBuffer dx, int dxOff,
                                  boolean accumulateInput) {
        long total = checkRows(rows, cols);
        Checks.range("dy", dy, dyOff, total);
        Checks.range("xhat", xhat, xhatOff, total);
        if (gammaOff >= 0) Checks.range("gamma", params, gammaOff, cols);
        if (dGammaOff >= 0) Checks.range("gamma gradient", grads, dGammaOff, cols);
        if (dBetaOff >= 0) Checks.range("beta gradient", grads, dBetaOff, cols);
        if (dx != null) {
            Checks.range("invStd", invStd, invOff, rows);
            Checks.range("dx", dx, dxOff, total);
        }
        if (dGammaOff >= 0 || dBetaOff >= 0) {
            // Before dx, which may overwrite dy.
            int cx = lib.tiles().colsX(), cy = local / cx;
            lnParamGrads.launch(new int[] {Checks.ceilDiv(cols, cx) * cx, cy}, new int[] {cx, cy}, dy, dyOff, xhat,
                    xhatOff, rows, cols, grads, dGammaOff, dBetaOff, accumulateParams ? 1 : 0);
        }
        if (dx == null || rows == 0) return;
        int lanes = lanes(cols);
        lnInputGrad.launch(rowGlobal(rows, lanes), new int[] {local}, dy, dyOff, xhat, xhatOff, invStd, invOff,
                gammaOff >= 0 ? params : dy, gammaOff, dx, dxOff, accumulateInput ? 1 : 0, rows, cols, lanes);
    }

    // ---------------------------------------------------------------------------------------------- softmax

    /** Row-wise softmax of {@code rows} rows of {@code cols}, as {@code RowOps.softmax}; y must not overlap x. One launch. */
    public void softmax(int rows, int cols, DeviceBuffer x, int xOff, DeviceBuffer y, int yOff) {
        rowSoftmax(rows, cols, x, xOff, y, yOff, false);
    }

    /** Row-wise log-softmax, as {@code RowOps.logSoftmax}; y must not overlap x. One launch. */
    public void logSoftmax(int rows, int cols, DeviceBuffer x, int xOff, DeviceBuffer y, int yOff) {
        rowSoftmax(rows, cols, x, xOff, y, yOff, true);
    }

    /** {@code dx (+)= y * (dy - sum(dy * y))} per row from softmax's output y, as {@code RowOps.softmaxBackward}; dx may be dy. One launch. */
    public void softmaxBackward(int rows, int cols, DeviceBuffer y, int yOff, DeviceBuffer dy, int dyOff,
                                DeviceBuffer dx, int dxOff, boolean accumulate) {
        rowBackward(rows, cols, y, yOff, dy, dyOff, dx, dxOff, accumulate, false);
    }

    /** {@code dx (+)= dy - exp(y) * sum(dy)} per row from log-softmax's output y, as {@code RowOps.logSoftmaxBackward}; dx may be dy. One launch. */
    public void logSoftmaxBackward(int rows, int cols, DeviceBuffer y, int yOff, DeviceBuffer dy, int dyOff,
                                   DeviceBuffer dx, int dxOff, boolean accumulate) {
        rowBackward(rows, cols, y, yOff, dy, dyOff, dx, dxOff, accumulate, true);
    }

    private void rowSoftmax(int rows, int cols, DeviceBuffer x, int xOff, DeviceBuffer y, int yOff, boolean log) {
        long total = checkRows(rows, cols);
        Checks.range("x", x, xOff, total);
        Checks.range("y", y, yOff, total);
        if (rows == 0) return;
        int lanes = lanes(cols);
        softmax.launch(rowGlobal(rows, lanes), new int[] {local}, x, xOff, y, yOff, rows, cols, lanes, log ? 1 : 0);
    }

    private void rowBackward(int rows, int cols, DeviceBuffer y, int yOff, DeviceBuffer dy, int dyOff,
                             DeviceBuffer dx, int dxOff, boolean accumulate, boolean log) {
        long total = checkRows(rows, cols);
        Checks.range("y", y, yOff, total);
        Checks.range("dy", dy, dyOff, total);
        Checks.range("dx", dx, dxOff, total);
        if (rows == 0) return;
        int lanes = lanes(cols);
        softmaxBackward.launch(rowGlobal(rows, lanes), new int[] {local}, y, yOff, dy, dyOff, dx, dxOff, rows, cols,
                lanes, log ? 1 : 0, accumulate ? 1 : 0);
    }

    /** Checks the sizes; returns rows * cols. */
    private static long checkRows(int rows, int cols) {
        if (rows < 0) throw new IllegalArgumentException("negative row count " + rows);
        if (cols <= 0) throw new IllegalArgumentException("rows must have a positive length, got " + cols);
        long total = (long) rows * cols;
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException(total + " values exceed the kernels' int indexing");
        return total;
    }

    /** Items per row: the smallest power of two holding the row, at most the group size (a function of cols alone). */
    int lanes(int cols) {
        return Math.min(local, cols <= 1 ? 1 : Integer.highestOneBit(cols - 1) << 1);
    }

    /** One group of {@code local} items per {@code local / lanes} rows. */
    private int[] rowGlobal(int rows, int lanes) {
        long groups = Checks.ceilDiv(rows, local / lanes);
        Checks.items(groups * local);
        return new int[] {(int) (groups * local)};
    }

    // ---------------------------------------------------------------------------------------------- Embedding

    /**
     * {@code out[i, :] = W[indices[i], :]} for {@code count} indices (floats holding whole numbers) at
     * {@code indices[idxOff ..]}, W the {@code [num, dim]} weight at {@code params[weightOff ..]}, out at
     * {@code out[outOff ..]}; a row whose index is not a whole number in [0, num) is NaN (see {@link #invalidIndex}).
     * One launch.
     */
    public void embeddingForward(int count, int num, int dim, DeviceBuffer indices, int idxOff, DeviceBuffer params,
                                 int weightOff, DeviceBuffer out, int outOff) {
        long total = checkEmbedding(count, num, dim);
        Checks.range("indices", indices, idxOff, count);
        Checks.range("weight", params, weightOff, (long) num * dim);
        Checks.range("out", out, outOff, total);
        if (count == 0) return;
        embeddingForward.launch1d(total, local, indices, idxOff, count, params, weightOff, num, dim, out, outOff,
                Float.NaN);
    }

    /**
     * {@code dW[indices[i], :] += dy[i, :]} for every i whose index is not {@code paddingIdx} (-1 for none), as
     * {@code EmbeddingKernel.backward}: dW ({@code [num, dim]} at {@code grads[weightOff ..]}) is cleared first
     * unless {@code accumulate}. Each row's sum is added in increasing i, as on the CPU, so the result is the CPU's bit
     * for bit and never depends on scheduling. {@code scratch} holds {@code count} floats at {@code scratchOff} (the
     * positions' links). Invalid indices (which the forward poisons) add nothing. Two launches.
     */
    public void embeddingBackward(int count, int num, int dim, int paddingIdx, DeviceBuffer dy, int dyOff,
                                  DeviceBuffer indices, int idxOff, DeviceBuffer grads, int weightOff,
                                  boolean accumulate, DeviceBuffer scratch, int scratchOff) {
        long total = checkEmbedding(count, num, dim);
        if (count >= MAX_EXACT) throw new IllegalArgumentException(count + " indices exceed the links' exact floats");
        Checks.range("dy", dy, dyOff, total);
        Checks.range("indices", indices, idxOff, count);
        long weights = (long) num * dim;
        Checks.range("weight gradient", grads, weightOff, weights);
        Checks.range("scratch", scratch, scratchOff, count);
        if (count == 0) {
            if (!accumulate) lib.fill(grads, weightOff, (int) weights, 0f);
            return;
        }
        embeddingLink.launch1d(Math.max(count, accumulate ? 0 : weights), local, indices, idxOff, count, scratch,
                scratchOff, grads, weightOff, (int) weights, accumulate ? 1 : 0);
        embeddingGather.launch1d(total, local, dy, dyOff, indices, idxOff, scratch, scratchOff, count, num, dim,
                paddingIdx, grads, weightOff);
    }

    /**
     * The first of {@code count} host indices at {@code indices[off ..]} that is not a whole number in [0, num), as
     * {@code EmbeddingKernel.forward} refuses it, or -1: the host's check of a batch before its upload.
     */
    public static int invalidIndex(float[] indices, int off, int count, int num) {
        for (int i = 0; i < count; i++) {
            float v = indices[off + i];
            if (!(v >= 0 && v < num && v == (int) v)) return i;
        }
        return -1;
    }

    private static long checkEmbedding(int count, int num, int dim) {
        if (count < 0) throw new IllegalArgumentException("negative index count " + count);
        if (num <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding sizes must be positive: " + num + " x " + dim);
        if (num >= MAX_EXACT) throw new IllegalArgumentException(num + " embeddings exceed float's exact indices");
        long total = Math.max((long) count * dim, (long) num * dim);
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException(total + " values exceed the kernels' int indexing");
        return (long) count * dim;
    }

    // ---------------------------------------------------------------------------------------------- residual

    /** {@code out = a + b} over {@code count} values; any of them may coincide. One launch. */
    public void residualAdd(int count, DeviceBuffer a, int aOff, DeviceBuffer b, int bOff, DeviceBuffer out, int outOff) {
        Checks.range("a", a, aOff, count);
        Checks.range("b", b, bOff, count);
        Checks.range("out", out, outOff, count);
        if (count == 0) return;
        residualAdd.launch1d(count, local, a, aOff, b, bOff, out, outOff, count);
    }

    /**
     * {@code dst (+)= g} over {@code count} values: the residual's backward hands its gradient to each input, so it
     * runs once per input (or see {@link #residualBackward}). One launch.
     */
    public void accumulateInto(int count, DeviceBuffer g, int gOff, DeviceBuffer dst, int dstOff, boolean accumulate) {
        Checks.range("g", g, gOff, count);
        Checks.range("dst", dst, dstOff, count);
        if (count == 0) return;
        accumulateInto.launch1d(count, local, g, gOff, dst, dstOff, count, accumulate ? 1 : 0);
    }

    /** The residual's backward in one launch: {@code da (+)= g} and {@code db (+)= g}, each with its own flag. */
    public void residualBackward(int count, DeviceBuffer g, int gOff, DeviceBuffer da, int daOff, boolean accumulateA,
                                 DeviceBuffer db, int dbOff, boolean accumulateB) {
        Checks.range("g", g, gOff, count);
        Checks.range("da", da, daOff, count);
        Checks.range("db", db, dbOff, count);
        if (count == 0) return;
        residualBackward.launch1d(count, local, g, gOff, da, daOff, accumulateA ? 1 : 0, db, dbOff,
                accumulateB ? 1 : 0, count);
    }

}
