package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;

import java.util.List;

/**
 * The device kernels of a compiled CNN: Conv2d forward and backward (groups = 1), max and average pooling forward
 * and backward, and dropout with the CPU's mask stream. Semantics follow {@code backend/cpu/Conv2dKernel},
 * {@code Pool2dKernel} and {@code DropoutMask}. Written once in the kernel dialect ({@code conv.kc}, {@code pool.kc},
 * {@code dropout.kc} next to this class), compiled as one program per context, and launched through the typed
 * methods here, which check every buffer range before queueing; the matrix products are the {@link KernelLibrary}'s
 * GEMM.
 *
 * <p>Convolutions unfold all n images of a batch into one column matrix {@code [c*kh*kw, n*oh*ow]} so one GEMM
 * serves the batch: forward is im2col, GEMM, reorder to NCHW with the bias (3 launches); backward is im2col, the
 * gradient's reorder fused with the bias gradient, the weight-gradient GEMM (3 launches), and for the input
 * gradient a second GEMM and a col2im gather (5 in all). Input gradients, of convolutions and pooling alike, are
 * gathers (one work item per input element, its contributions added in the CPU's order): deterministic, without
 * atomics. Launches are queued in order and return at once; like its context, an instance is used from one thread
 * at a time.
 */
public final class ImageKernels {
    private static final PerContext<ImageKernels> CACHE = new PerContext<>();

    /** The source files, in program order: the library's shared macros, then the image kernels. */
    static final List<String> FILES = List.of("common.kc", "conv.kc", "pool.kc", "dropout.kc");

    /** Every entry point of the program. */
    public static final List<String> KERNELS = List.of("conv_im2col", "conv_out_nchw", "conv_grad_rows",
            "conv_col2im", "pool_forward", "pool_backward", "dropout_forward", "dropout_backward");

    /** In-plane argmax indices are stored as floats: exact below 2^24. */
    private static final int MAX_PLANE = 1 << 24;

    private final DeviceContext ctx;
    private final KernelLibrary lib;
    private final int local;
    private final DeviceKernel im2col, outNchw, gradRows, col2im, poolForward, poolBackward, dropoutForward,
            dropoutBackward;

    private ImageKernels(KernelLibrary lib) {
        this.lib = lib;
        this.ctx = lib.context();
        this.local = lib.tiles().reduce();
        DeviceProgram p = ctx.compile("kiln-image", source(lib.tiles()));
        im2col = p.kernel("conv_im2col");
        outNchw = p.kernel("conv_out_nchw");
        gradRows = p.kernel("conv_grad_rows");
        col2im = p.kernel("conv_col2im");
        poolForward = p.kernel("pool_forward");
        poolBackward = p.kernel("pool_backward");
        dropoutForward = p.kernel("dropout_forward");
        dropoutBackward = p.kernel("dropout_backward");
    }

    /** The image kernels of {@code ctx}, over {@link KernelLibrary#on}, compiled on first use and then cached. */
    public static ImageKernels on(DeviceContext ctx) {
        return CACHE.get(ctx, c -> new ImageKernels(KernelLibrary.on(c)));
    }

    /** New, uncached image kernels over {@code lib} and its tiles (for tests and tuning): compiles the program. */
    public static ImageKernels over(KernelLibrary lib) {
        return new ImageKernels(lib);
    }

    /** The program's whole source in the kernel dialect, as compiled for {@code tiles} (without the prelude). */
    public static String source(Tiles tiles) {
        return KernelSource.assemble("Kiln image kernels", tiles, FILES);
    }

    public KernelLibrary library() { return lib; }

    /**
     * The geometry of a Conv2d with groups = 1 on NCHW images of c x h x w, weights [o, c, kh, kw] (then the bias
     * [o]), as {@code Conv2dKernel}'s constructor takes it.
     */
    public record ConvShape(int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        public ConvShape {
            if (c <= 0 || h <= 0 || w <= 0 || o <= 0 || kh <= 0 || kw <= 0) {
                throw new IllegalArgumentException("conv sizes must be positive: " + this);
            }
            if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 || ph < 0 || pw < 0) {
                throw new IllegalArgumentException("conv strides and dilations must be positive, padding not negative: " + this);
            }
            long ohL = ((long) h + 2L * ph - (long) dh * (kh - 1) - 1), owL = ((long) w + 2L * pw - (long) dw * (kw - 1) - 1);
            if (ohL < 0 || owL < 0) throw new IllegalArgumentException("the kernel does not fit the padded input: " + this);
            if ((long) c * kh * kw > Integer.MAX_VALUE || (long) c * h * w > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("conv sizes exceed int indexing: " + this);
            }
        }

        /** {@code Conv2dKernel}'s arguments; groups other than 1 are refused (the device kernels have none). */
        public static ConvShape of(int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
                                   int dw, int groups) {
            if (groups != 1) {
                throw new IllegalArgumentException("groups = " + groups
                        + ": the device convolution kernels support groups = 1 only");
            }
            return new ConvShape(c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw);
        }

        /** Output rows, as Conv2dKernel computes them. */
        public int oh() { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }

        /** Output columns, as Conv2dKernel computes them. */
        public int ow() { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }

        /** Rows of the column matrix: c * kh * kw, also the weight's row length. */
        public int columnRows() { return c * kh * kw; }

        /** Weight floats, o * c * kh * kw. */
        public int weights() { return o * columnRows(); }

        /** Floats per input image, c * h * w. */
        public int inputSize() { return c * h * w; }

        /** Floats per output image, o * oh * ow. */
        public int outputSize() { return o * oh() * ow(); }

        /**
         * Device scratch one forward or backward of n images needs: the columns [c*kh*kw, n*oh*ow] then an
         * [o, n*oh*ow] product (forward) or reordered output gradient (backward).
         */
        public long scratchFloats(int n) {
            return ((long) columnRows() + o) * n * oh() * ow();
        }

        /** A 1x1, stride-1, unpadded conv: one image already is its column matrix. */
        boolean identityColumns() {
            return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
        }
    }

    /**
     * {@code out = conv2d(x, W, b)} for n NCHW images: x at {@code xOff} (n * c*h*w floats), W at {@code wOff} of
     * {@code params} ([o, c, kh, kw]), the bias at {@code bOff} ([o]; -1: no bias), out at {@code outOff}
     * (n * o*oh*ow). {@code scratch} holds {@link ConvShape#scratchFloats} floats from 0; out must not overlap x,
     * params or scratch.
     */
    public void conv2dForward(ConvShape g, int n, DeviceBuffer x, int xOff, DeviceBuffer params, int wOff, int bOff,
                              DeviceBuffer out, int outOff, DeviceBuffer scratch) {
        int l = checkConv(g, n, scratch), ckk = g.columnRows(), nl = n * l;
        Checks.range("x", x, xOff, (long) n * g.inputSize());
        Checks.range("weights", params, wOff, g.weights());
        if (bOff >= 0) Checks.range("bias", params, bOff, g.o());
        Checks.range("out", out, outOff, (long) n * g.outputSize());
        if (n == 0) return;
        boolean direct = n == 1 && g.identityColumns();
        if (!direct) launchIm2col(g, n, x, xOff, scratch);
        DeviceBuffer col = direct ? x : scratch;
        int colOff = direct ? xOff : 0;
        if (n == 1 && bOff < 0) {
            // One image's product [o, L] already is its NCHW output.
            lib.gemm(false, false, g.o(), l, ckk, params, wOff, ckk, col, colOff, l, out, outOff, l, false);
            return;
        }
        int prodOff = ckk * nl;
        lib.gemm(false, false, g.o(), nl, ckk, params, wOff, ckk, col, colOff, nl, scratch, prodOff, nl, false);
        outNchw.launch1d((long) n * g.outputSize(), local, scratch, prodOff, params, bOff, out, outOff, n, g.o(), l);
    }

    /**
     * The gradients of {@link #conv2dForward}, as {@code Conv2dKernel.backward}: {@code dW (+)= dOut col^T} into
     * {@code grads} at {@code gwOff} and, when {@code gbOff >= 0}, {@code db (+)=} the sums of dOut over images and
     * positions at {@code gbOff} (both added to when {@code accumulateParams}); when {@code gIn} is not null, the
     * input gradient {@code col2im(W^T dOut)} at {@code gInOff} (added to when {@code accumulateIn}). gOut holds
     * n * o*oh*ow floats at {@code gOff}; {@code scratch} as for the forward. The gradients must not overlap the
     * inputs or scratch.
     */
    public void conv2dBackward(ConvShape g, int n, DeviceBuffer gOut, int gOff, DeviceBuffer x, int xOff,
                               DeviceBuffer params, int wOff, DeviceBuffer grads, int gwOff, int gbOff,
                               boolean accumulateParams, DeviceBuffer gIn, int gInOff, boolean accumulateIn,
                               DeviceBuffer scratch) {
        int l = checkConv(g, n, scratch), ckk = g.columnRows(), o = g.o(), nl = n * l;
        Checks.range("gOut", gOut, gOff, (long) n * g.outputSize());
        Checks.range("x", x, xOff, (long) n * g.inputSize());
        Checks.range("weights", params, wOff, g.weights());
        Checks.range("weight gradient", grads, gwOff, g.weights());
        if (gbOff >= 0) Checks.range("bias gradient", grads, gbOff, o);
        if (gIn != null) Checks.range("gIn", gIn, gInOff, (long) n * g.inputSize());
        if (n == 0) {
            // Sums over no images: zero, or unchanged when accumulating.
            if (!accumulateParams) {
                lib.fill(grads, gwOff, g.weights(), 0f);
                if (gbOff >= 0) lib.fill(grads, gbOff, o, 0f);
            }
            return;
        }
        boolean direct = n == 1 && g.identityColumns();
        if (!direct) launchIm2col(g, n, x, xOff, scratch);
        DeviceBuffer col = direct ? x : scratch;
        int colOff = direct ? xOff : 0;
        // dOut as [o, n*L]: one image's gradient already is; more are copied, the bias gradient summed on the way.
        DeviceBuffer dOut = n == 1 ? gOut : scratch;
        int dOff = n == 1 ? gOff : ckk * nl;
        if (n > 1 || gbOff >= 0) {
            gradRows.launch(new int[] {o * local}, new int[] {local}, gOut, gOff, scratch, n == 1 ? -1 : dOff,
                    grads, gbOff, accumulateParams ? 1 : 0, n, o, l);
        }
        lib.gemm(false, true, o, ckk, nl, dOut, dOff, nl, col, colOff, nl, grads, gwOff, ckk, accumulateParams);
        if (gIn == null) return;
        if (direct) {
            // The columns are the image: W^T dOut is the input gradient.
            lib.gemm(true, false, ckk, l, o, params, wOff, ckk, dOut, dOff, l, gIn, gInOff, l, accumulateIn);
            return;
        }
        // dcol = W^T dOut over the columns, which the weight gradient (queued before) has finished reading.
        lib.gemm(true, false, ckk, nl, o, params, wOff, ckk, dOut, dOff, nl, scratch, 0, nl, false);
        col2im.launch1d((long) n * g.inputSize(), local, scratch, 0, gIn, gInOff, accumulateIn ? 1 : 0, n, g.c(),
                g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw(), g.oh(), g.ow());
    }

    /** Checks n and scratch; returns oh * ow. */
    private static int checkConv(ConvShape g, int n, DeviceBuffer scratch) {
        if (g == null) throw new NullPointerException("conv shape is null");
        if (n < 0) throw new IllegalArgumentException("negative batch " + n);
        long l = (long) g.oh() * g.ow();
        if (l * n * Math.max(g.columnRows(), g.o()) > Integer.MAX_VALUE
                || (long) n * Math.max(g.inputSize(), g.outputSize()) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + n + " exceeds the kernels' int indexing: " + g);
        }
        Checks.range("scratch", scratch, 0, g.scratchFloats(n));
        return (int) l;
    }

    private void launchIm2col(ConvShape g, int n, DeviceBuffer x, int xOff, DeviceBuffer scratch) {
        im2col.launch1d((long) g.columnRows() * n * g.oh() * g.ow(), local, x, xOff, scratch, 0, n, g.c(), g.h(),
                g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw(), g.oh(), g.ow());
    }

    /**
     * MaxPool2d ({@code max}) or AvgPool2d over c planes of h x w into oh x ow, as {@code Pool2dKernel}'s
     * constructor takes it: ceil mode only changes oh and ow; dilation applies to max pooling only; average pooling
     * divides by the padded window ({@code countIncludePad}) or its in-image part.
     */
    public record PoolShape(boolean max, int c, int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int ph,
                            int pw, int dh, int dw, boolean countIncludePad) {
        public PoolShape {
            if (c <= 0 || h <= 0 || w <= 0 || oh <= 0 || ow <= 0 || kh <= 0 || kw <= 0) {
                throw new IllegalArgumentException("pooling sizes must be positive: " + this);
            }
            if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 || ph < 0 || pw < 0) {
                throw new IllegalArgumentException("pooling strides and dilations must be positive, padding not negative: " + this);
            }
            if ((long) h * w >= MAX_PLANE) {
                throw new IllegalArgumentException("planes of " + h + "x" + w + " exceed the argmax's exact float indices");
            }
        }

        /** Floats per input image, c * h * w. */
        public int inputSize() { return c * h * w; }

        /** Floats per output image, c * oh * ow (also the argmax per image). */
        public int outputSize() { return c * oh * ow; }
    }

    /**
     * Pooling of n NCHW images: x at {@code xOff}, out at {@code outOff}; max pooling also writes {@code argmax}
     * (from 0, n * c*oh*ow floats: each output's in-plane index of its first maximum), which average pooling does
     * not use (it may be null).
     */
    public void poolForward(PoolShape s, int n, DeviceBuffer x, int xOff, DeviceBuffer out, int outOff,
                            DeviceBuffer argmax) {
        checkPool(s, n);
        Checks.range("x", x, xOff, (long) n * s.inputSize());
        Checks.range("out", out, outOff, (long) n * s.outputSize());
        if (s.max()) Checks.range("argmax", argmax, 0, (long) n * s.outputSize());
        if (n == 0) return;
        poolForward.launch1d((long) n * s.outputSize(), local, x, xOff, out, outOff, s.max() ? argmax : out, n * s.c(),
                s.h(), s.w(), s.oh(), s.ow(), s.kh(), s.kw(), s.sh(), s.sw(), s.ph(), s.pw(), s.max() ? s.dh() : 1,
                s.max() ? s.dw() : 1, s.max() ? 1 : 0, s.countIncludePad() ? 1 : 0, Float.NEGATIVE_INFINITY);
    }

    /**
     * The input gradient of {@link #poolForward} at {@code gInOff} (added to when {@code accumulate}): max pooling
     * routes each output's gradient to its {@code argmax}, average pooling spreads it over its window.
     */
    public void poolBackward(PoolShape s, int n, DeviceBuffer gOut, int gOff, DeviceBuffer argmax, DeviceBuffer gIn,
                             int gInOff, boolean accumulate) {
        checkPool(s, n);
        Checks.range("gOut", gOut, gOff, (long) n * s.outputSize());
        if (s.max()) Checks.range("argmax", argmax, 0, (long) n * s.outputSize());
        Checks.range("gIn", gIn, gInOff, (long) n * s.inputSize());
        if (n == 0) return;
        poolBackward.launch1d((long) n * s.inputSize(), local, gOut, gOff, s.max() ? argmax : gOut, gIn, gInOff,
                accumulate ? 1 : 0, n * s.c(), s.h(), s.w(), s.oh(), s.ow(), s.kh(), s.kw(), s.sh(), s.sw(), s.ph(),
                s.pw(), s.max() ? s.dh() : 1, s.max() ? s.dw() : 1, s.max() ? 1 : 0, s.countIncludePad() ? 1 : 0);
    }

    private static void checkPool(PoolShape s, int n) {
        if (s == null) throw new NullPointerException("pool shape is null");
        if (n < 0) throw new IllegalArgumentException("negative batch " + n);
        if ((long) n * Math.max(s.inputSize(), s.outputSize()) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + n + " exceeds the kernels' int indexing: " + s);
        }
    }

    /**
     * Inverted dropout of {@code count} values: {@code mask[i]} (from 0) is what {@code DropoutMask.fill} writes
     * from a stream whose {@code state()} is {@code streamState} (0 with probability p, else {@code 1/(1-p)}), and
     * {@code out = x * mask}. The host then advances its stream with {@code skip(count)}. x and out may coincide.
     */
    public void dropoutForward(int count, DeviceBuffer x, int xOff, DeviceBuffer out, int outOff, DeviceBuffer mask,
                               long streamState, float p) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout probability " + p + " is not in [0, 1]");
        Checks.range("x", x, xOff, count);
        Checks.range("out", out, outOff, count);
        Checks.range("mask", mask, 0, count);
        if (count == 0) return;
        float scale = 1f / (1f - p);
        dropoutForward.launch1d(count, local, x, xOff, out, outOff, mask, count, (int) streamState,
                (int) (streamState >>> 32), p, scale);
    }

    /** {@code gIn (+)= gOut * mask} over {@code count} values (mask from 0); gOut and gIn may coincide. */
    public void dropoutBackward(int count, DeviceBuffer gOut, int gOff, DeviceBuffer mask, DeviceBuffer gIn,
                                int gInOff, boolean accumulate) {
        Checks.range("gOut", gOut, gOff, count);
        Checks.range("mask", mask, 0, count);
        Checks.range("gIn", gIn, gInOff, count);
        if (count == 0) return;
        dropoutBackward.launch1d(count, local, gOut, gOff, mask, gIn, gInOff, count, accumulate ? 1 : 0);
    }

}
