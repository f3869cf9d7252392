package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.DeviceContext;
import dev.kiln.backend.kernels.EagerKernels;
import dev.kiln.backend.kernels.EagerKernels.Operand;
import dev.kiln.backend.kernels.KernelLibrary;

import java.util.Arrays;

/**
 * The device half of the tensor kernels. {@link Elementwise}, {@link Reductions} and {@link LinAlg} hand a call
 * here when an operand lives on a device, so the differentiable ops in {@link Ops} (and their derivative rules)
 * are the same on every device: only the kernels differ. Element-wise work goes to {@link EagerKernels}; GEMM,
 * whole-tensor and column sums and fills to the {@link KernelLibrary}.
 *
 * <p>All operands of one op must be on one device, except a number: a Java number, or a 0-dim CPU tensor that
 * does not require grad, joins a device op as a scalar, as in PyTorch. An op with no device kernel throws an
 * {@link UnsupportedOperationException} naming it and the device; nothing is copied to the host behind the
 * caller's back.
 */
final class DeviceOps {
    private DeviceOps() {}

    static boolean on(Tensor t) { return t.storage.onDevice != null; }

    static boolean any(Tensor a, Tensor b) { return on(a) || on(b); }

    static Device device(Tensor t) { return t.storage.device(); }

    // ------------------------------------------------------------ checks and errors

    /** The device every tensor is on; mixing two throws PyTorch's error naming both. Nulls are skipped. */
    static Device common(Tensor... tensors) {
        Device found = null;
        for (Tensor t : tensors) {
            if (t == null) continue;
            Device d = device(t);
            if (found == null) found = d;
            else if (!found.equals(d)) throw mixed(found, d);
        }
        return found == null ? Device.CPU : found;
    }

    static IllegalArgumentException mixed(Device first, Device second) {
        return new IllegalArgumentException("expected all tensors on the same device, got " + first + " and " + second);
    }

    static UnsupportedOperationException unsupported(String op, Device device) {
        return new UnsupportedOperationException(op + " is not implemented on " + device
                + " yet; move the tensors to the CPU with .cpu() to run it there");
    }

    /** Refuses {@code op} when any input is on a device: it has no device kernel. */
    static void requireCpu(String op, Tensor... tensors) {
        for (Tensor t : tensors) if (t != null && on(t)) throw unsupported(op, device(t));
    }

    private static void requireFloat(String op, DType dtype, Device device) {
        if (dtype != DType.FLOAT32) {
            throw new UnsupportedOperationException("float32 only on devices for now: " + op + " would compute in "
                    + dtype + " on " + device);
        }
    }

    /** A CPU number that may join a device op by value: a Java number or a 0-dim tensor outside autograd. */
    private static boolean isScalar(Tensor t) {
        return !on(t) && t.dim() == 0 && (t.wrappedNumber || !t.requiresGrad);
    }

    /** The device of a binary op: the operands', where a CPU scalar goes with the other operand. */
    private static Device binaryDevice(Tensor a, Tensor b) {
        if (isScalar(a) && on(b)) return device(b);
        if (isScalar(b) && on(a)) return device(a);
        return common(a, b);
    }

    // ------------------------------------------------------------ allocation and transfer

    static DeviceContext context(Tensor t) { return t.storage.onDevice.context; }

    static DeviceBuffer buffer(Tensor t) { return t.storage.onDevice.buffer; }

    private static EagerKernels kernels(Tensor t) { return EagerKernels.on(context(t)); }

    private static KernelLibrary library(Tensor t) { return KernelLibrary.on(context(t)); }

    /** An uninitialised contiguous tensor on {@code device}: only for results a kernel writes in full. */
    static Tensor empty(Device device, DType dtype, int[] shape) {
        return new Tensor(DeviceStorage.allocate(device, dtype, Shapes.numel(shape)), 0, shape.clone(),
                Shapes.contiguousStrides(shape));
    }

    /** A zero-filled contiguous tensor on {@code device}. */
    static Tensor filled(Device device, DType dtype, int[] shape, float value) {
        Tensor t = empty(device, dtype, shape);
        int n = t.numel();
        if (n > 0) library(t).fill(buffer(t), 0, n, value);
        return t;
    }

    /** A copy of {@code t} on {@code target} (contiguous), with its dtype; not recorded by autograd. */
    static Tensor transfer(Tensor t, Device target) {
        Device source = device(t);
        if (source.equals(target)) return t;
        if (!source.isCpu() && !target.isCpu()) return transfer(transfer(t, Device.CPU), target);
        return target.isCpu() ? DeviceStorage.download(t) : DeviceStorage.upload(t, target);
    }

    /** The element at storage index {@code at} of a device tensor, read back to the host (as {@code item()}). */
    static double elementAt(Tensor t, int at) {
        float[] one = new float[1];
        context(t).download(buffer(t), at, one, 0, 1);
        return one[0];
    }

    // ------------------------------------------------------------ element-wise

    private static Operand operand(Tensor t, int[] shape) {
        if (!on(t)) return Operand.scalar((float) t.storage.getDouble(t.offset));
        return Operand.of(buffer(t), t.offset, Shapes.broadcastStrides(t.shape, t.strides, shape));
    }

    private static Operand output(Tensor t) { return Operand.of(buffer(t), t.offset, t.strides); }

    static Tensor binary(BinaryOp op, Tensor a, Tensor b, DType compute) {
        Device device = binaryDevice(a, b);
        EagerKernels.Op kernel = kernelOp(op, device);
        if (!op.producesBool) requireFloat(name(op), compute, device);
        int[] shape = Arrays.equals(a.shape, b.shape) ? a.shape : Shapes.broadcast(a.shape, b.shape);
        Tensor out = empty(device, op.producesBool ? DType.BOOL : compute, shape);
        map(kernel, out, a, b);
        return out;
    }

    static void binaryInto(BinaryOp op, Tensor out, Tensor a, Tensor b, DType compute) {
        Device device = binaryDevice(a, b);
        if (!device.equals(device(out))) throw mixed(device(out), device);
        EagerKernels.Op kernel = kernelOp(op, device);
        requireFloat(name(op) + "_", op.producesBool ? out.dtype : compute, device);
        map(kernel, out, a, b);
    }

    private static void map(EagerKernels.Op op, Tensor out, Tensor a, Tensor b) {
        kernels(out).map(op, out.shape, output(out), operand(a, out.shape), operand(b, out.shape));
    }

    private static EagerKernels.Op kernelOp(BinaryOp op, Device device) {
        return switch (op) {
            case ADD -> EagerKernels.Op.ADD;
            case SUB -> EagerKernels.Op.SUB;
            case MUL -> EagerKernels.Op.MUL;
            case DIV -> EagerKernels.Op.DIV;
            case POW -> EagerKernels.Op.POW;
            case MAXIMUM -> EagerKernels.Op.MAXIMUM;
            case MINIMUM -> EagerKernels.Op.MINIMUM;
            case EQ -> EagerKernels.Op.EQ;
            case NE -> EagerKernels.Op.NE;
            case LT -> EagerKernels.Op.LT;
            case LE -> EagerKernels.Op.LE;
            case GT -> EagerKernels.Op.GT;
            case GE -> EagerKernels.Op.GE;
            case LOGICAL_AND -> EagerKernels.Op.LOGICAL_AND;
            case LOGICAL_OR -> EagerKernels.Op.LOGICAL_OR;
            case FLOOR_DIVIDE, REMAINDER, DIV_TRUNC -> throw unsupported(name(op), device);
        };
    }

    private static String name(Enum<?> op) { return op.name().toLowerCase(java.util.Locale.ROOT); }

    static Tensor unary(UnaryOp op, Tensor a, DType outType) {
        Tensor out = empty(device(a), outType, a.shape);
        unaryInto(op, out, a);
        return out;
    }

    static void unaryInto(UnaryOp op, Tensor out, Tensor a) {
        Device device = common(out, a);
        EagerKernels.Op kernel = switch (op) {
            case NEG -> EagerKernels.Op.NEG;
            case ABS -> EagerKernels.Op.ABS;
            case SIGN -> EagerKernels.Op.SIGN;
            case SQRT -> EagerKernels.Op.SQRT;
            case RSQRT -> EagerKernels.Op.RSQRT;
            case EXP -> EagerKernels.Op.EXP;
            case LOG -> EagerKernels.Op.LOG;
            case TANH -> EagerKernels.Op.TANH;
            case SIGMOID -> EagerKernels.Op.SIGMOID;
            case RELU -> EagerKernels.Op.RELU;
            case FLOOR -> EagerKernels.Op.FLOOR;
            case CEIL -> EagerKernels.Op.CEIL;
            case ROUND -> EagerKernels.Op.ROUND;
            case RECIPROCAL -> EagerKernels.Op.RECIPROCAL;
            case LOGICAL_NOT -> EagerKernels.Op.LOGICAL_NOT;
            // The kernel dialect has no sine, cosine or log1p yet.
            case LOG1P, SIN, COS -> throw unsupported(name(op), device);
        };
        if (op != UnaryOp.LOGICAL_NOT) requireFloat(name(op), out.dtype, device);
        kernels(out).map(kernel, out.shape, output(out), operand(a, out.shape), Operand.scalar(0f));
    }

    /** ReLU's derivative {@code g * (out > 0)} in one pass, as {@link FloatFastPath#reluBackward}; null if it does not apply. */
    static Tensor reluBackward(Tensor g, Tensor out) {
        if (g.dtype != DType.FLOAT32 || !Arrays.equals(g.shape, out.shape)) return null;
        Tensor r = empty(common(g, out), DType.FLOAT32, g.shape);
        map(EagerKernels.Op.RELU_BACKWARD, r, g, out);
        return r;
    }

    /**
     * {@code dst[...] = src} with broadcasting and dtype conversion. Across devices it copies through the host, as
     * PyTorch's {@code copy_} does; a CPU scalar fills.
     */
    static void copyInto(Tensor dst, Tensor src) {
        if (!on(dst)) {
            Elementwise.copyInto(dst, transfer(src, Device.CPU));
            return;
        }
        Device device = device(dst);
        if (!isScalar(src) && !device(src).equals(device)) {
            Tensor s = src;
            if (!DeviceStorage.supports(s.dtype)) {
                s = Tensor.empty(dst.dtype, s.shape);  // convert on the host: float64 cannot be uploaded
                Elementwise.copyInto(s, src);
            }
            copyInto(dst, transfer(s, device));
            return;
        }
        int[] broadcast = Shapes.broadcast(src.shape, dst.shape);
        if (src.dim() > dst.dim() || !Arrays.equals(broadcast, dst.shape)) {
            throw new IllegalArgumentException("shape mismatch: value tensor of shape " + Shapes.str(src.shape)
                    + " cannot be broadcast to indexing result of shape " + Shapes.str(dst.shape));
        }
        EagerKernels.Op convert = switch (dst.dtype) {
            case BOOL -> EagerKernels.Op.TO_BOOL;
            case INT64, INT32 -> src.dtype.isFloatingPoint() ? EagerKernels.Op.TO_INT : EagerKernels.Op.COPY;
            default -> EagerKernels.Op.COPY;
        };
        kernels(dst).map(convert, dst.shape, output(dst), operand(src, dst.shape), Operand.scalar(0f));
    }

    // ------------------------------------------------------------ reductions

    /**
     * Sum over {@code dims} (all when null or empty): the library's deterministic sum for all elements and its
     * column sums for leading dimensions (the bias gradient), a line kernel for one run of dimensions, and for
     * scattered dimensions the reduced ones moved last first. int64, int32 and bool sum to int64, as on the CPU.
     */
    static Tensor sum(Tensor t, int[] dims, boolean keepdim) {
        Device device = device(t);
        int nd = t.dim();
        boolean[] reduced = new boolean[nd];
        if (dims == null || dims.length == 0) {
            Arrays.fill(reduced, true);
        } else {
            for (int d : dims) {
                int w = Shapes.wrapDim(d, nd);
                if (nd > 0 && reduced[w]) {
                    throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
                }
                if (nd > 0) reduced[w] = true;
            }
        }
        DType outType = t.dtype == DType.FLOAT32 ? DType.FLOAT32 : DType.INT64;
        int[] outShape = reducedShape(t.shape, reduced, keepdim);
        Tensor out = empty(device, outType, outShape);
        int lo = 0;
        while (lo < nd && !reduced[lo]) lo++;
        int hi = lo;
        while (hi < nd && reduced[hi]) hi++;
        boolean oneRun = true;
        for (int d = hi; d < nd; d++) oneRun &= !reduced[d];
        if (lo == nd) {  // nothing reduced (a 0-dim input, or no dims): a copy
            copyInto(out, t);
            return out;
        }
        if (oneRun) {
            Tensor x = t.contiguousRaw();
            int outer = product(t.shape, 0, lo), n = product(t.shape, lo, hi), inner = product(t.shape, hi, nd);
            if (outer * inner == 1) {
                library(x).sum(buffer(x), x.offset, n, buffer(out), 0);
            } else if (outer == 1) {
                library(x).columnSums(buffer(x), x.offset, n, inner, buffer(out), 0, false);
            } else {
                kernels(x).reduceLines(EagerKernels.LineOp.SUM, outer, n, inner, buffer(x), x.offset, buffer(out), 0,
                        null, 0);
            }
            return out;
        }
        Reductions.Plan p = Reductions.plan(t, dims, keepdim);  // kept dims first, reduced last, contiguous
        kernels(p.grouped()).reduceLines(EagerKernels.LineOp.SUM, p.outer(), p.inner(), 1, buffer(p.grouped()),
                p.grouped().offset, buffer(out), 0, null, 0);
        return out;
    }

    /** argmax / argmin over the flattened tensor ({@code dim} null) or along {@code dim}, as int64 indices. */
    static Tensor argExtreme(Tensor t, Integer dim, boolean keepdim, boolean max) {
        Tensor src = (dim == null ? t.reshape(-1) : t).contiguousRaw();
        int nd = src.dim();
        int d = Shapes.wrapDim(dim == null ? 0 : dim, nd);
        int n = nd == 0 ? 1 : src.shape[d];
        if (n == 0) {
            String name = max ? "argmax" : "argmin";
            throw new IndexOutOfBoundsException(dim == null
                    ? name + "(): Expected reduction dim to be specified for input.numel() == 0."
                    : name + "(): Expected reduction dim " + dim + " to have non-zero size.");
        }
        boolean[] reduced = new boolean[nd];
        if (nd > 0) reduced[d] = true;
        int[] outShape = reducedShape(src.shape, reduced, dim != null && keepdim);
        Device device = device(t);
        Tensor indices = empty(device, DType.INT64, outShape);
        Tensor values = empty(device, DType.FLOAT32, outShape);
        int outer = nd == 0 ? 1 : product(src.shape, 0, d), inner = nd == 0 ? 1 : product(src.shape, d + 1, nd);
        kernels(src).reduceLines(max ? EagerKernels.LineOp.ARGMAX : EagerKernels.LineOp.ARGMIN, outer, n, inner,
                buffer(src), src.offset, buffer(values), 0, buffer(indices), 0);
        return indices;
    }

    /** Softmax or log-softmax along {@code dim} (not recorded). */
    static Tensor softmax(Tensor x, int dim, boolean log) {
        requireFloat(log ? "log_softmax" : "softmax", x.dtype, device(x));
        Tensor src = x.contiguousRaw();
        int nd = src.dim();
        int d = Shapes.wrapDim(dim, nd);
        int n = nd == 0 ? 1 : src.shape[d];
        int outer = nd == 0 ? 1 : product(src.shape, 0, d), inner = nd == 0 ? 1 : product(src.shape, d + 1, nd);
        Tensor out = empty(device(x), DType.FLOAT32, src.shape);
        kernels(src).softmaxLines(log, outer, n, inner, buffer(src), src.offset, buffer(out), 0);
        return out;
    }

    private static int[] reducedShape(int[] shape, boolean[] reduced, boolean keepdim) {
        int kept = 0;
        for (boolean r : reduced) if (!r) kept++;
        int[] out = new int[keepdim ? shape.length : kept];
        for (int d = 0, k = 0; d < shape.length; d++) {
            if (keepdim) out[d] = reduced[d] ? 1 : shape[d];
            else if (!reduced[d]) out[k++] = shape[d];
        }
        return out;
    }

    private static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int d = from; d < to; d++) p *= shape[d];
        return p;
    }

    // ------------------------------------------------------------ linear algebra

    /**
     * {@code out = op(a) op(b)} for 2-D float32 operands already laid out as GEMM reads them (row-major, or
     * transposed with {@code transA} / {@code transB}), into a contiguous {@code out}.
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, Tensor a, int lda, Tensor b, int ldb,
                     Tensor out) {
        Device device = common(out, a, b);
        requireFloat("mm", a.dtype, device);
        if (k == 0) {  // an empty product is zeros; the GEMM's layout checks expect at least one column
            if (out.numel() > 0) library(out).fill(buffer(out), out.offset, out.numel(), 0f);
            return;
        }
        library(out).gemm(transA, transB, m, n, k, buffer(a), a.offset, lda, buffer(b), b.offset, ldb,
                buffer(out), out.offset, n, false);
    }
}
