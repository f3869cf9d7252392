package dev.kiln.backend.kernels;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.DeviceKernel;
import dev.kiln.backend.DeviceProgram;


/**
 * The kernels the eager tensor API needs beside the {@link KernelLibrary}: one strided element-wise kernel for every
 * binary, unary and conversion op ({@code eager/elementwise.kc}), and reductions and softmax along one dimension
 * ({@code eager/lines.kc}). Each family is one small program, compiled once per context on first use and cached
 * with it. As in the library, every buffer range is checked on the host before a launch, and launches are queued
 * and return at once. Used from one thread at a time, like its context.
 */
public final class EagerKernels {
    /** The element-wise ops of {@link #map}; the kernel's {@code OP_*} codes are generated from this enum. */
    public enum Op {
        ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
        EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR,
        NEG, ABS, SIGN, SQRT, RSQRT, EXP, LOG, TANH, SIGMOID, RELU, FLOOR, CEIL, ROUND, RECIPROCAL, LOGICAL_NOT,
        /** Identity: a copy, a fill from a scalar, or a conversion to float32. */
        COPY,
        /** Truncation toward zero: a conversion to int64 or int32. */
        TO_INT,
        /** {@code x != 0}: a conversion to bool. */
        TO_BOOL,
        /** {@code a * (b > 0)} without a temporary: ReLU's derivative, a the gradient and b the ReLU's output. */
        RELU_BACKWARD
    }

    /** The reductions of {@link #reduceLines}. */
    public enum LineOp { SUM, ARGMAX, ARGMIN }

    /** Dimensions of the element-wise kernel's index space; more are merged where the strides allow it. */
    public static final int MAX_DIMS = 4;

    /**
     * One operand of {@link #map}: {@code buffer} read or written at {@code offset + sum(i[d] * strides[d])}, the
     * strides given over the launch's shape (0 where it broadcasts); or, with a null buffer, a scalar.
     */
    public record Operand(DeviceBuffer buffer, int offset, int[] strides, float scalar) {
        public static Operand of(DeviceBuffer buffer, int offset, int[] strides) {
            if (buffer == null) throw new NullPointerException("operand buffer is null");
            return new Operand(buffer, offset, strides.clone(), 0f);
        }

        /** A value passed to the kernel by value, as if broadcast over the whole shape. */
        public static Operand scalar(float value) { return new Operand(null, 0, null, value); }

        boolean isScalar() { return buffer == null; }
    }

    private static final PerContext<EagerKernels> CACHE = new PerContext<>();

    private final DeviceContext ctx;
    private final int local;
    private DeviceKernel map, reduceLines, softmaxLines;

    private EagerKernels(DeviceContext ctx) {
        this.ctx = ctx;
        this.local = Tiles.forDevice(ctx).reduce();
    }

    /** The kernels of {@code ctx}, cached with it; each family compiles on its first launch. */
    public static EagerKernels on(DeviceContext ctx) {
        return CACHE.get(ctx, EagerKernels::new);
    }

    /** The element-wise program's source (dialect, without the prelude): the {@code OP_*} codes, then the file. */
    public static String elementwiseSource() {
        StringBuilder s = new StringBuilder("/* Kiln eager element-wise kernels */\n");
        for (Op op : Op.values()) s.append("#define OP_").append(op.name()).append(' ').append(op.ordinal()).append('\n');
        return s.append("#line 1 \"eager/elementwise.kc\"\n").append(KernelSource.read("eager/elementwise.kc"))
                .toString();
    }

    /** The line program's source (dialect, without the prelude). */
    public static String linesSource() {
        StringBuilder s = new StringBuilder("/* Kiln eager line kernels */\n");
        for (LineOp op : LineOp.values()) {
            s.append("#define LINE_").append(op.name()).append(' ').append(op.ordinal()).append('\n');
        }
        return s.append("#line 1 \"eager/lines.kc\"\n").append(KernelSource.read("eager/lines.kc")).toString();
    }

    /**
     * {@code out = op(a, b)} element by element over {@code shape} (unary ops ignore {@code b}, which may then be
     * any scalar). {@code out} must not be a scalar; it may be {@code a} itself (in-place ops), but must not
     * otherwise overlap an input.
     */
    public void map(Op op, int[] shape, Operand out, Operand a, Operand b) {
        if (out.isScalar()) throw new IllegalArgumentException("the output of " + op + " cannot be a scalar");
        long count = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative size in shape " + java.util.Arrays.toString(shape));
            count *= s;
        }
        Checks.items(count);
        check("out", out, shape);
        check("a", a, shape);
        check("b", b, shape);
        if (count == 0) return;
        Operand[] ops = {out, a, b};
        int[][] merged = merge(shape, ops);
        int[] dims = merged[0];
        int[] os = merged[1], as = merged[2], bs = merged[3];
        if (map == null) map = ctx.compile("kiln-eager-elementwise", elementwiseSource()).kernel("map");
        map.launch1d(count, local, op.ordinal(), (int) count, dims[1], dims[2], dims[3],
                out.buffer(), out.offset(), os[0], os[1], os[2], os[3],
                bufferOr(a, out), a.offset(), as[0], as[1], as[2], as[3], a.isScalar() ? 1 : 0, a.scalar(),
                bufferOr(b, out), b.offset(), bs[0], bs[1], bs[2], bs[3], b.isScalar() ? 1 : 0, b.scalar());
    }

    /**
     * Reduces each line of a contiguous {@code outer x n x inner} block at {@code x[xOff..]} (see
     * {@code lines.kc}): {@code values[vOff + line]} gets the sum or the extreme, and for ARGMAX / ARGMIN
     * {@code indices[iOff + line]} its position along the line, as a float. {@code indices} may be null for SUM.
     */
    public void reduceLines(LineOp op, int outer, int n, int inner, DeviceBuffer x, int xOff, DeviceBuffer values,
                            int vOff, DeviceBuffer indices, int iOff) {
        long lines = (long) outer * inner;
        Checks.range("x", x, xOff, lines * n);
        Checks.range("values", values, vOff, lines);
        if (op != LineOp.SUM) Checks.range("indices", indices, iOff, lines);
        if (op != LineOp.SUM && n == 0 && lines > 0) {
            throw new IllegalArgumentException(op + " of empty lines has no result");
        }
        Checks.items(lines);
        if (lines == 0) return;
        if (reduceLines == null) compileLines();
        reduceLines.launch1d(lines, local, op.ordinal(), (int) lines, n, inner, x, xOff, values, vOff,
                indices == null ? values : indices, indices == null ? 0 : iOff);
    }

    /** Softmax, or log-softmax, of each line of a contiguous {@code outer x n x inner} block into the same layout. */
    public void softmaxLines(boolean logarithm, int outer, int n, int inner, DeviceBuffer x, int xOff,
                             DeviceBuffer out, int oOff) {
        long lines = (long) outer * inner;
        Checks.range("x", x, xOff, lines * n);
        Checks.range("out", out, oOff, lines * n);
        Checks.items(lines);
        if (lines == 0 || n == 0) return;
        if (softmaxLines == null) compileLines();
        softmaxLines.launch1d(lines, local, logarithm ? 1 : 0, (int) lines, n, inner, x, xOff, out, oOff);
    }

    private void compileLines() {
        DeviceProgram p = ctx.compile("kiln-eager-lines", linesSource());
        reduceLines = p.kernel("reduce_lines");
        softmaxLines = p.kernel("softmax_lines");
    }

    private static DeviceBuffer bufferOr(Operand o, Operand fallback) {
        // A scalar operand is never read; any buffer of the context fills its parameter.
        return o.isScalar() ? fallback.buffer() : o.buffer();
    }

    /** The operand's strides fit the shape, and every element it reaches lies in its buffer. */
    private static void check(String name, Operand o, int[] shape) {
        if (o.isScalar()) return;
        if (o.strides().length != shape.length) {
            throw new IllegalArgumentException(name + ": " + o.strides().length + " strides for a shape of "
                    + shape.length + " dimensions");
        }
        long last = 0;
        boolean empty = false;
        for (int d = 0; d < shape.length; d++) {
            if (o.strides()[d] < 0) throw new IllegalArgumentException(name + ": negative stride " + o.strides()[d]);
            if (shape[d] == 0) empty = true;
            else last += (long) (shape[d] - 1) * o.strides()[d];
        }
        Checks.range(name, o.buffer(), o.offset(), empty ? 0 : last + 1);
    }

    /**
     * The index space as exactly {@link #MAX_DIMS} dimensions, with each operand's strides: size-1 dimensions are
     * dropped, neighbours that every operand walks as one run are merged, and the front is padded with size 1.
     * Returns {dims, out strides, a strides, b strides}.
     */
    static int[][] merge(int[] shape, Operand[] operands) {
        int nd = shape.length;
        int[] dims = new int[nd];
        int[][] strides = new int[operands.length][nd];
        int k = 0;
        for (int d = 0; d < nd; d++) {
            if (shape[d] == 1) continue;
            boolean joins = k > 0;
            for (int j = 0; j < operands.length && joins; j++) {
                if (operands[j].isScalar()) continue;
                // The previous kept dimension steps over this one's whole extent in one run.
                joins = strides[j][k - 1] == operands[j].strides()[d] * shape[d];
            }
            if (joins) {
                dims[k - 1] *= shape[d];
                for (int j = 0; j < operands.length; j++) {
                    if (!operands[j].isScalar()) strides[j][k - 1] = operands[j].strides()[d];
                }
            } else {
                dims[k] = shape[d];
                for (int j = 0; j < operands.length; j++) {
                    if (!operands[j].isScalar()) strides[j][k] = operands[j].strides()[d];
                }
                k++;
            }
        }
        if (k > MAX_DIMS) {
            throw new UnsupportedOperationException("element-wise op over " + k + " dimensions that cannot be merged "
                    + "(at most " + MAX_DIMS + " on a device); call contiguous() first");
        }
        int[][] out = new int[1 + operands.length][MAX_DIMS];
        int pad = MAX_DIMS - k;
        for (int d = 0; d < MAX_DIMS; d++) out[0][d] = d < pad ? 1 : dims[d - pad];
        for (int j = 0; j < operands.length; j++) {
            for (int d = pad; d < MAX_DIMS; d++) out[1 + j][d] = strides[j][d - pad];
        }
        return out;
    }

}
