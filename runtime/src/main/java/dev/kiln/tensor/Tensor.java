package dev.kiln.tensor;

import dev.kiln.autograd.Engine;
import dev.kiln.backend.Device;
import dev.kiln.autograd.GradMode;
import dev.kiln.autograd.Node;

import java.util.Arrays;

/**
 * An n-dimensional array with PyTorch's semantics: a strided view (offset, shape, strides) onto a
 * shared {@link Storage}, with autograd.
 *
 * <p>This class is the API surface; the work is done by {@link Elementwise}, {@link Reductions},
 * {@link Views}, {@link Indexing}, {@link LinAlg} and the derivative rules in {@link Ops}. Method
 * names follow PyTorch in camelCase; in-place ops keep PyTorch's trailing underscore.
 *
 * <p>A tensor lives on the CPU unless moved with {@link #to(Device)}: ops on tensors on a device run
 * there ({@link DeviceOps}), with the same autograd.
 */
public final class Tensor {
    static {
        // Fail with the missing flag's name, not with NoClassDefFoundError in the first kernel.
        dev.kiln.runtime.VectorApi.require();
    }

    /** Not final: {@link #setData} points a tensor at new data in place (how {@code Module.to} moves parameters). */
    Storage storage;
    int offset;
    final int[] shape;
    int[] strides;
    final DType dtype;
    /** A Java number wrapped for an op; ranks lowest in type promotion, like a Python scalar. */
    boolean wrappedNumber;

    boolean requiresGrad;
    Tensor grad;
    Node gradFn;
    private boolean retainsGrad;

    Tensor(Storage storage, int offset, int[] shape, int[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.dtype = storage.dtype;
    }

    /** PyTorch's {@code torch.Tensor(2, 3)}: a float32 tensor of the given shape (zero-filled in Java). */
    public Tensor(int... shape) {
        this(Storage.allocate(DType.FLOAT32, Shapes.numel(shape)), 0, shape.clone(), Shapes.contiguousStrides(shape));
    }

    static Tensor empty(DType dtype, int[] shape) {
        return new Tensor(Storage.allocate(dtype, Shapes.numel(shape)), 0, shape.clone(), Shapes.contiguousStrides(shape));
    }

    /** A zero-filled tensor on the CPU, or an uninitialised one on a device (for results a kernel writes in full). */
    static Tensor empty(DType dtype, int[] shape, Device device) {
        return device.isCpu() ? empty(dtype, shape) : DeviceOps.empty(device, dtype, shape);
    }

    /** A zero-filled tensor on {@code device}. */
    static Tensor zeros(DType dtype, int[] shape, Device device) {
        return device.isCpu() ? empty(dtype, shape) : DeviceOps.filled(device, dtype, shape, 0f);
    }

    static Tensor wrap(double v) {
        Tensor t = empty(DType.FLOAT64, new int[0]);
        t.storage.f64[0] = v;
        t.wrappedNumber = true;
        return t;
    }

    static Tensor wrap(long v) {
        Tensor t = empty(DType.INT64, new int[0]);
        t.storage.i64[0] = v;
        t.wrappedNumber = true;
        return t;
    }

    /** A view sharing this tensor's storage. */
    Tensor view(int offset, int[] shape, int[] strides) {
        return new Tensor(storage, offset, shape, strides);
    }

    // ---------------------------------------------------------------- metadata

    public DType dtype() { return dtype; }

    public Size shape() { return new Size(shape); }

    public Size size() { return new Size(shape); }

    public int size(int dim) { return shape[Shapes.wrapDim(dim, shape.length)]; }

    public int dim() { return shape.length; }

    public int numel() { return Shapes.numel(shape); }

    public int[] stride() { return strides.clone(); }

    public int stride(int dim) { return strides[Shapes.wrapDim(dim, shape.length)]; }

    public int storageOffset() { return offset; }

    public Storage untypedStorage() { return storage; }

    public boolean isFloatingPoint() { return dtype.isFloatingPoint(); }

    /** Where the elements live, as PyTorch's {@code t.device}: {@link Device#CPU} unless moved with {@link #to(Device)}. */
    public Device device() { return storage.device(); }

    /** True when the elements lie in row-major order without gaps (size-1 dims may have any stride). */
    public boolean isContiguous() {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    /** Sets requires_grad on a leaf; PyTorch refuses it for integer tensors and non-leaves. */
    public Tensor requiresGrad_(boolean requires) {
        if (requires && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("only Tensors of floating point dtype can require gradients");
        }
        if (gradFn != null && !requires) {
            throw new IllegalStateException("you can only change requires_grad flags of leaf variables. If you want "
                    + "to use a computed variable in a subgraph that doesn't require differentiation use "
                    + "var_no_grad = var.detach().");
        }
        this.requiresGrad = requires;
        return this;
    }

    public Tensor requiresGrad_() { return requiresGrad_(true); }

    public Tensor grad() { return grad; }

    /** Replaces {@code .grad} (null clears it), as assigning {@code t.grad = None} does. */
    public void setGrad(Tensor grad) {
        if (grad != null && !grad.size().equals(size())) {
            throw new IllegalArgumentException("assigned grad has data of a different size");
        }
        if (grad != null && !grad.device().equals(device())) {
            throw new IllegalArgumentException("assigned grad is on " + grad.device() + " but the tensor is on " + device());
        }
        this.grad = grad;
    }

    public Node gradFn() { return gradFn; }

    /** Leaves are tensors the user created, or any tensor that does not require grad. */
    public boolean isLeaf() { return gradFn == null; }

    /** Asks a non-leaf to keep its gradient in {@code .grad}, as {@code retain_grad()}. */
    public Tensor retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("can't retain_grad on Tensor that has requires_grad=False");
        if (gradFn != null) retainsGrad = true;
        return this;
    }

    public boolean retainsGrad() { return retainsGrad; }

    /** Adds {@code g} into {@code .grad} (the engine's accumulation step). */
    public void accumulateGrad(Tensor g) {
        Tensor incoming = g.dtype == dtype ? g : g.to(dtype);
        if (grad == null) {
            grad = incoming.contiguousCopy();
        } else {
            try (var ignored = GradMode.noGrad()) {
                grad.add_(incoming);
            }
        }
    }

    /** Backpropagates from this scalar, freeing the graph afterwards. */
    public void backward() { Engine.backward(this, null, false); }

    /** Backpropagates with an explicit output gradient (vector-Jacobian product). */
    public void backward(Tensor gradient) { Engine.backward(this, gradient, false); }

    public void backward(Tensor gradient, boolean retainGraph) { Engine.backward(this, gradient, retainGraph); }

    /** A tensor sharing storage but cut from the graph. */
    public Tensor detach() { return view(offset, shape, strides); }

    /** PyTorch's {@code t.data}: the same data, outside autograd ({@link #detach()}). */
    public Tensor data() { return detach(); }

    /**
     * PyTorch's {@code t.data = data}: this tensor now views {@code data}'s elements (same shape and dtype, any
     * device), keeping its identity, autograd flags and {@code .grad}. This is how {@code Module.to} moves
     * parameters in place, so that references held elsewhere see the move.
     */
    public void setData(Tensor data) {
        if (data.dtype != dtype || !Arrays.equals(data.shape, shape)) {
            throw new IllegalArgumentException("setData expects a " + dtype + " tensor of shape " + Shapes.str(shape)
                    + ", got " + data.dtype + " of shape " + Shapes.str(data.shape));
        }
        this.storage = data.storage;
        this.offset = data.offset;
        this.strides = data.strides.clone();
    }

    /** Cuts this tensor from the graph in place and makes it a leaf that does not require grad. */
    public Tensor detach_() {
        gradFn = null;
        requiresGrad = false;
        return this;
    }

    // ---------------------------------------------------------------- values

    /** The value of a one-element tensor, as {@code item()}. */
    public double item() {
        requireOneElement();
        return DeviceOps.on(this) ? DeviceOps.elementAt(this, offset) : storage.getDouble(offset);
    }

    /** The value of a one-element integer tensor without going through double. */
    public long longItem() {
        requireOneElement();
        return DeviceOps.on(this) ? (long) DeviceOps.elementAt(this, offset) : storage.getLong(offset);
    }

    public boolean boolItem() {
        requireOneElement();
        return DeviceOps.on(this) ? DeviceOps.elementAt(this, offset) != 0 : storage.getBool(offset);
    }

    private void requireOneElement() {
        if (numel() != 1) {
            throw new IllegalStateException("a Tensor with " + numel() + " elements cannot be converted to Scalar");
        }
    }

    /** Element at a flat row-major (logical) index, for printing and tests; on a device it is read back to the host. */
    public double doubleAt(int flatIndex) {
        int at = storageIndex(flatIndex);
        return DeviceOps.on(this) ? DeviceOps.elementAt(this, at) : storage.getDouble(at);
    }

    public long longAt(int flatIndex) {
        int at = storageIndex(flatIndex);
        return DeviceOps.on(this) ? (long) DeviceOps.elementAt(this, at) : storage.getLong(at);
    }

    private int storageIndex(int flat) {
        int off = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            int s = shape[d];
            off += (flat % s) * strides[d];
            flat /= s;
        }
        return off;
    }

    /**
     * The backing array, shared: writes through it are seen by the tensor and vice versa (PyTorch's
     * {@code numpy()}). Only for tensors that cover their whole storage contiguously.
     */
    public Object array() {
        if (DeviceOps.on(this)) {
            throw new IllegalStateException("array() shares host memory, and a tensor on " + device()
                    + " has none; use cpu() first, or a to*Array() copy");
        }
        if (offset != 0 || !isContiguous() || numel() != storage.length) {
            throw new IllegalStateException("array() shares memory only with a contiguous tensor that covers its whole "
                    + "storage; call contiguous() or clone() first, or use a to*Array() copy");
        }
        if (requiresGrad) {
            throw new IllegalStateException("Can't call numpy() on Tensor that requires grad. Use "
                    + "tensor.detach().numpy() instead.");
        }
        return storage.array();
    }

    // A tensor on a device is copied to the host first, as numpy() needs in PyTorch.

    public float[] toFloatArray() { return (float[]) host().to(DType.FLOAT32).contiguousCopy().storage.array(); }

    public double[] toDoubleArray() { return (double[]) host().to(DType.FLOAT64).contiguousCopy().storage.array(); }

    public long[] toLongArray() { return (long[]) host().to(DType.INT64).contiguousCopy().storage.array(); }

    public int[] toIntArray() { return (int[]) host().to(DType.INT32).contiguousCopy().storage.array(); }

    public boolean[] toBoolArray() { return (boolean[]) host().to(DType.BOOL).contiguousCopy().storage.array(); }

    /** This tensor's values on the CPU, outside autograd: itself on the CPU, else a copy. */
    private Tensor host() { return DeviceOps.on(this) ? DeviceOps.transfer(this, Device.CPU) : detach(); }

    // ---------------------------------------------------------------- devices

    /**
     * A copy on {@code target} (this tensor itself when it is already there), as PyTorch's {@code t.to(device)}:
     * recorded by autograd, so gradients flow back to this tensor's device. Devices hold float32 tensors, and
     * int64, int32 and bool ones (labels, masks) as exact float32 values up to 2^24; other dtypes throw.
     */
    public Tensor to(Device target) {
        if (target.equals(device())) return this;
        Tensor out = DeviceOps.transfer(this, target);
        Device source = device();
        return Autograd.record("ToCopyBackward0", out, g -> new Tensor[] {g.to(source)}, this);
    }

    /** {@code t.to("opencl:0")}: the device in PyTorch's spelling ({@link Device#of}). */
    public Tensor to(String device) { return to(Device.of(device)); }

    /** A copy on the CPU (this tensor itself when it is there), as {@code t.cpu()}. */
    public Tensor cpu() { return to(Device.CPU); }

    // ---------------------------------------------------------------- dtype conversion and copies

    /** Converts to {@code dtype} (returns this tensor when it already has it, as PyTorch). */
    public Tensor to(DType target) { return target == dtype ? this : Ops.toDtype(this, target); }

    /** PyTorch's {@code t.type(dtype)}. */
    public Tensor type(DType target) { return to(target); }

    public Tensor toDouble() { return to(DType.FLOAT64); }

    public Tensor toFloat() { return to(DType.FLOAT32); }

    public Tensor toHalf() { return to(DType.FLOAT16); }

    public Tensor toLong() { return to(DType.INT64); }

    public Tensor toInt() { return to(DType.INT32); }

    public Tensor toShort() { return to(DType.INT16); }

    /** PyTorch's {@code t.char()}: int8. */
    public Tensor toChar() { return to(DType.INT8); }

    /** PyTorch's {@code t.byte()}: uint8 (values wrap modulo 256, as C++ casts do). */
    public Tensor toByte() { return to(DType.UINT8); }

    /** PyTorch's {@code t.bfloat16()}: rounded to nearest even. */
    public Tensor toBFloat16() { return to(DType.BFLOAT16); }

    public Tensor toBool() { return to(DType.BOOL); }

    public Tensor clone() { return Ops.clone(this); }

    /** This tensor if contiguous, else a contiguous copy (recorded for autograd). */
    public Tensor contiguous() { return isContiguous() ? this : Ops.clone(this); }

    Tensor contiguousRaw() { return isContiguous() ? this : contiguousCopy(); }

    /** A fresh contiguous copy on the same device, not recorded. */
    Tensor contiguousCopy() {
        Tensor out = empty(dtype, shape, device());
        Elementwise.copyInto(out, this);
        return out;
    }

    // ---------------------------------------------------------------- arithmetic

    public Tensor add(Tensor other) { return Ops.binary(BinaryOp.ADD, this, other); }

    public Tensor add(double v) { return Ops.binary(BinaryOp.ADD, this, wrap(v)); }

    public Tensor add(long v) { return Ops.binary(BinaryOp.ADD, this, wrap(v)); }

    /** {@code self + alpha * other}. */
    public Tensor add(Tensor other, double alpha) { return add(other.mul(alpha)); }

    public Tensor sub(Tensor other) { return Ops.binary(BinaryOp.SUB, this, other); }

    public Tensor sub(double v) { return Ops.binary(BinaryOp.SUB, this, wrap(v)); }

    public Tensor sub(long v) { return Ops.binary(BinaryOp.SUB, this, wrap(v)); }

    public Tensor mul(Tensor other) { return Ops.binary(BinaryOp.MUL, this, other); }

    public Tensor mul(double v) { return Ops.binary(BinaryOp.MUL, this, wrap(v)); }

    public Tensor mul(long v) { return Ops.binary(BinaryOp.MUL, this, wrap(v)); }

    /** True division: integer inputs give the default float dtype. */
    public Tensor div(Tensor other) { return Ops.binary(BinaryOp.DIV, this, other); }

    public Tensor div(double v) { return Ops.binary(BinaryOp.DIV, this, wrap(v)); }

    public Tensor div(long v) { return Ops.binary(BinaryOp.DIV, this, wrap(v)); }

    /**
     * PyTorch's {@code div(other, rounding_mode=...)}: {@code "trunc"} rounds the quotient toward zero, {@code "floor"}
     * down (Python's {@code //}); both keep integer dtypes (dividing an integer by zero throws ZeroDivisionError).
     * null is true division. The gradient of a rounded quotient is zero.
     */
    public Tensor div(Tensor other, String roundingMode) { return Ops.div(this, other, roundingMode); }

    public Tensor div(long v, String roundingMode) { return Ops.div(this, wrap(v), roundingMode); }

    public Tensor div(double v, String roundingMode) { return Ops.div(this, wrap(v), roundingMode); }

    public Tensor floorDivide(Tensor other) { return Ops.binary(BinaryOp.FLOOR_DIVIDE, this, other); }

    public Tensor floorDivide(long v) { return Ops.binary(BinaryOp.FLOOR_DIVIDE, this, wrap(v)); }

    public Tensor remainder(Tensor other) { return Ops.binary(BinaryOp.REMAINDER, this, other); }

    public Tensor remainder(long v) { return Ops.binary(BinaryOp.REMAINDER, this, wrap(v)); }

    public Tensor pow(Tensor exponent) { return Ops.binary(BinaryOp.POW, this, exponent); }

    public Tensor pow(double exponent) { return Ops.binary(BinaryOp.POW, this, wrap(exponent)); }

    public Tensor pow(long exponent) { return Ops.binary(BinaryOp.POW, this, wrap(exponent)); }

    public Tensor maximum(Tensor other) { return Ops.binary(BinaryOp.MAXIMUM, this, other); }

    public Tensor minimum(Tensor other) { return Ops.binary(BinaryOp.MINIMUM, this, other); }

    public Tensor neg() { return Ops.unary(UnaryOp.NEG, this); }

    public Tensor abs() { return Ops.unary(UnaryOp.ABS, this); }

    public Tensor sign() { return Ops.unary(UnaryOp.SIGN, this); }

    public Tensor sqrt() { return Ops.unary(UnaryOp.SQRT, this); }

    public Tensor rsqrt() { return Ops.unary(UnaryOp.RSQRT, this); }

    public Tensor exp() { return Ops.unary(UnaryOp.EXP, this); }

    public Tensor log() { return Ops.unary(UnaryOp.LOG, this); }

    public Tensor log1p() { return Ops.unary(UnaryOp.LOG1P, this); }

    public Tensor sin() { return Ops.unary(UnaryOp.SIN, this); }

    public Tensor cos() { return Ops.unary(UnaryOp.COS, this); }

    public Tensor tanh() { return Ops.unary(UnaryOp.TANH, this); }

    public Tensor sigmoid() { return Ops.unary(UnaryOp.SIGMOID, this); }

    public Tensor relu() { return Ops.unary(UnaryOp.RELU, this); }

    public Tensor floor() { return Ops.unary(UnaryOp.FLOOR, this); }

    public Tensor ceil() { return Ops.unary(UnaryOp.CEIL, this); }

    public Tensor round() { return Ops.unary(UnaryOp.ROUND, this); }

    public Tensor reciprocal() { return Ops.unary(UnaryOp.RECIPROCAL, this); }

    /** Limits values to [min, max]; either bound may be null (at least one must be given). */
    public Tensor clamp(Double min, Double max) { return Ops.clamp(floatingForBounds(), min, max); }

    /** Floating bounds: an integer tensor gives the default float dtype, as {@code clamp(0.5, 1.5)} in PyTorch. */
    public Tensor clamp(double min, double max) { return Ops.clamp(floatingForBounds(), min, max); }

    /** Integer bounds keep an integer tensor's dtype, as Python ints do. */
    public Tensor clamp(long min, long max) { return Ops.clamp(this, (double) min, (double) max); }

    public Tensor clampMin(double min) { return Ops.clamp(floatingForBounds(), min, null); }

    public Tensor clampMin(long min) { return Ops.clamp(this, (double) min, null); }

    public Tensor clampMax(double max) { return Ops.clamp(floatingForBounds(), null, max); }

    public Tensor clampMax(long max) { return Ops.clamp(this, null, (double) max); }

    /**
     * {@code clamp(min=Tensor, max=Tensor)}: bounds that broadcast against this tensor (either may be null), in the
     * promoted dtype of all three; where min > max the result is max, as PyTorch. Gradients reach the bounds too.
     */
    public Tensor clamp(Tensor min, Tensor max) { return Ops.clamp(this, min, max); }

    /** PyTorch's alias {@code clip}. */
    public Tensor clip(double min, double max) { return clamp(min, max); }

    public Tensor clip(Tensor min, Tensor max) { return clamp(min, max); }

    /** Type promotion with a Java double: integral and bool tensors compute in the default float dtype. */
    private Tensor floatingForBounds() { return dtype.isFloatingPoint() ? this : to(DType.defaultFloat()); }

    // ---------------------------------------------------------------- comparisons and logic (bool results)

    public Tensor eq(Tensor o) { return Ops.binary(BinaryOp.EQ, this, o); }

    public Tensor eq(double v) { return Ops.binary(BinaryOp.EQ, this, wrap(v)); }

    /** A Java long compares as a Python int: exactly against integer tensors (int64 beyond 2^53 included). */
    public Tensor eq(long v) { return Ops.binary(BinaryOp.EQ, this, wrap(v)); }

    public Tensor ne(Tensor o) { return Ops.binary(BinaryOp.NE, this, o); }

    public Tensor ne(double v) { return Ops.binary(BinaryOp.NE, this, wrap(v)); }

    public Tensor ne(long v) { return Ops.binary(BinaryOp.NE, this, wrap(v)); }

    public Tensor lt(Tensor o) { return Ops.binary(BinaryOp.LT, this, o); }

    public Tensor lt(double v) { return Ops.binary(BinaryOp.LT, this, wrap(v)); }

    public Tensor lt(long v) { return Ops.binary(BinaryOp.LT, this, wrap(v)); }

    public Tensor le(Tensor o) { return Ops.binary(BinaryOp.LE, this, o); }

    public Tensor le(double v) { return Ops.binary(BinaryOp.LE, this, wrap(v)); }

    public Tensor le(long v) { return Ops.binary(BinaryOp.LE, this, wrap(v)); }

    public Tensor gt(Tensor o) { return Ops.binary(BinaryOp.GT, this, o); }

    public Tensor gt(double v) { return Ops.binary(BinaryOp.GT, this, wrap(v)); }

    public Tensor gt(long v) { return Ops.binary(BinaryOp.GT, this, wrap(v)); }

    public Tensor ge(Tensor o) { return Ops.binary(BinaryOp.GE, this, o); }

    public Tensor ge(double v) { return Ops.binary(BinaryOp.GE, this, wrap(v)); }

    public Tensor ge(long v) { return Ops.binary(BinaryOp.GE, this, wrap(v)); }

    public Tensor logicalNot() { return Ops.unaryBool(UnaryOp.LOGICAL_NOT, this); }

    public Tensor logicalAnd(Tensor o) { return Ops.binary(BinaryOp.LOGICAL_AND, this, o); }

    public Tensor logicalOr(Tensor o) { return Ops.binary(BinaryOp.LOGICAL_OR, this, o); }

    /** Where the elements are NaN (never for integer and bool tensors). */
    public Tensor isnan() { return Masking.test(this, Masking.Test.NAN); }

    /** Where the elements are +inf or -inf. */
    public Tensor isinf() { return Masking.test(this, Masking.Test.INF); }

    /** Where the elements are neither NaN nor infinite (everywhere for integer and bool tensors). */
    public Tensor isfinite() { return Masking.test(this, Masking.Test.FINITE); }

    /** True when shapes match and every element is equal, as {@code torch.equal}. */
    public boolean equal(Tensor o) {
        return Arrays.equals(shape, o.shape) && (numel() == 0 || eq(o).all().boolItem());
    }

    public Tensor all() { return Ops.unaryBool(UnaryOp.LOGICAL_NOT, this).sum().eq(0L); }

    public Tensor any() { return toBool().sum().gt(0L); }

    /** Element-wise closeness: |a - b| <= atol + rtol * |b|. */
    public boolean allclose(Tensor other, double rtol, double atol) {
        Tensor a = toDouble(), b = other.toDouble();
        return a.sub(b).abs().le(b.abs().mul(rtol).add(atol)).all().boolItem();
    }

    // ---------------------------------------------------------------- in-place (trailing underscore)

    public Tensor add_(Tensor other) { return Ops.inPlace(BinaryOp.ADD, this, other); }

    public Tensor add_(double v) { return Ops.inPlace(BinaryOp.ADD, this, wrap(v)); }

    public Tensor add_(long v) { return Ops.inPlace(BinaryOp.ADD, this, wrap(v)); }

    public Tensor sub_(Tensor other) { return Ops.inPlace(BinaryOp.SUB, this, other); }

    public Tensor sub_(double v) { return Ops.inPlace(BinaryOp.SUB, this, wrap(v)); }

    public Tensor sub_(long v) { return Ops.inPlace(BinaryOp.SUB, this, wrap(v)); }

    public Tensor mul_(Tensor other) { return Ops.inPlace(BinaryOp.MUL, this, other); }

    public Tensor mul_(double v) { return Ops.inPlace(BinaryOp.MUL, this, wrap(v)); }

    public Tensor mul_(long v) { return Ops.inPlace(BinaryOp.MUL, this, wrap(v)); }

    public Tensor div_(Tensor other) { return Ops.inPlace(BinaryOp.DIV, this, other); }

    public Tensor div_(double v) { return Ops.inPlace(BinaryOp.DIV, this, wrap(v)); }

    public Tensor div_(long v) { return Ops.inPlace(BinaryOp.DIV, this, wrap(v)); }

    public Tensor div_(Tensor other, String roundingMode) { return Ops.divInPlace(this, other, roundingMode); }

    public Tensor div_(long v, String roundingMode) { return Ops.divInPlace(this, wrap(v), roundingMode); }

    public Tensor div_(double v, String roundingMode) { return Ops.divInPlace(this, wrap(v), roundingMode); }

    public Tensor pow_(double v) { return Ops.inPlace(BinaryOp.POW, this, wrap(v)); }

    public Tensor clamp_(double min, double max) {
        Ops.checkInPlaceAllowed(this);
        // Clamp a snapshot that keeps this tensor's history: the clamp's derivative needs the values
        // before they are overwritten.
        Tensor before = Autograd.needed(this) ? detachedCopyKeepingGraph() : this;
        return copy_(before.clamp(min, max));
    }

    public Tensor zero_() { return fill_(0L); }

    public Tensor fill_(double v) { return Ops.fill(this, wrap(v)); }

    public Tensor fill_(long v) { return Ops.fill(this, wrap(v)); }

    /** Copies {@code src} into this tensor (broadcast and converted), as {@code copy_}. */
    public Tensor copy_(Tensor src) { return Ops.fill(this, src); }

    // ---------------------------------------------------------------- reductions

    public Tensor sum() { return Ops.sum(this, null, false); }

    public Tensor sum(int dim) { return Ops.sum(this, new int[] {dim}, false); }

    public Tensor sum(int dim, boolean keepdim) { return Ops.sum(this, new int[] {dim}, keepdim); }

    public Tensor sum(int[] dims, boolean keepdim) { return Ops.sum(this, dims, keepdim); }

    public Tensor mean() { return Ops.mean(this, null, false); }

    public Tensor mean(int dim) { return Ops.mean(this, new int[] {dim}, false); }

    public Tensor mean(int dim, boolean keepdim) { return Ops.mean(this, new int[] {dim}, keepdim); }

    public Tensor mean(int[] dims, boolean keepdim) { return Ops.mean(this, dims, keepdim); }

    public Tensor prod() { return Ops.prod(this, null, false); }

    public Tensor prod(int dim, boolean keepdim) { return Ops.prod(this, new int[] {dim}, keepdim); }

    /** Unbiased (Bessel-corrected) variance, PyTorch's default. */
    public Tensor var() { return Ops.var(this, null, true, false, false); }

    public Tensor var(int dim) { return Ops.var(this, new int[] {dim}, true, false, false); }

    public Tensor var(int dim, boolean unbiased, boolean keepdim) { return Ops.var(this, new int[] {dim}, unbiased, keepdim, false); }

    /** Variance over several dims at once, as {@code var(dim=(0, 2), unbiased=..., keepdim=...)}. */
    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) { return Ops.var(this, dims.clone(), unbiased, keepdim, false); }

    public Tensor var(boolean unbiased) { return Ops.var(this, null, unbiased, false, false); }

    public Tensor std() { return Ops.var(this, null, true, false, true); }

    public Tensor std(int dim) { return Ops.var(this, new int[] {dim}, true, false, true); }

    public Tensor std(int dim, boolean unbiased, boolean keepdim) { return Ops.var(this, new int[] {dim}, unbiased, keepdim, true); }

    public Tensor std(int[] dims, boolean unbiased, boolean keepdim) { return Ops.var(this, dims.clone(), unbiased, keepdim, true); }

    public Tensor std(boolean unbiased) { return Ops.var(this, null, unbiased, false, true); }

    /** The largest element (0-dim). */
    public Tensor max() { return Ops.extremeAll(this, true); }

    /** {@code (values, indices)} of the largest element along {@code dim}. */
    public ValuesIndices max(int dim) { return Ops.extreme(this, dim, false, true); }

    public ValuesIndices max(int dim, boolean keepdim) { return Ops.extreme(this, dim, keepdim, true); }

    public Tensor min() { return Ops.extremeAll(this, false); }

    public ValuesIndices min(int dim) { return Ops.extreme(this, dim, false, false); }

    public ValuesIndices min(int dim, boolean keepdim) { return Ops.extreme(this, dim, keepdim, false); }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() { return Reductions.argExtreme(this, null, false, true); }

    public Tensor argmax(int dim) { return Reductions.argExtreme(this, dim, false, true); }

    public Tensor argmax(int dim, boolean keepdim) { return Reductions.argExtreme(this, dim, keepdim, true); }

    public Tensor argmin() { return Reductions.argExtreme(this, null, false, false); }

    public Tensor argmin(int dim) { return Reductions.argExtreme(this, dim, false, false); }

    public Tensor argmin(int dim, boolean keepdim) { return Reductions.argExtreme(this, dim, keepdim, false); }

    // ---------------------------------------------------------------- sorting and scans

    /** Sorted ascending along the last dim: {@code (values, indices)}, printing as {@code torch.return_types.sort}. */
    public ValuesIndices sort() { return sort(-1, false); }

    public ValuesIndices sort(int dim) { return sort(dim, false); }

    /**
     * Sorted along {@code dim}, descending when asked. NaN sorts as the largest value; equal elements keep their order
     * (the sort is stable, which PyTorch's {@code stable=False} permits).
     */
    public ValuesIndices sort(int dim, boolean descending) { return Sorting.sort(this, dim, descending, "SortBackward0"); }

    /** {@code sort(dim=dim, descending=descending, stable=stable)}: always stable here. */
    public ValuesIndices sort(int dim, boolean descending, boolean stable) {
        return Sorting.sort(this, dim, descending, "SortBackward1");
    }

    /** The indices that sort the last dim ascending. */
    public Tensor argsort() { return argsort(-1, false); }

    public Tensor argsort(int dim) { return argsort(dim, false); }

    public Tensor argsort(int dim, boolean descending) { return Sorting.argsort(this, dim, descending); }

    public Tensor argsort(int dim, boolean descending, boolean stable) { return Sorting.argsort(this, dim, descending); }

    /** The {@code k} largest elements along the last dim, largest first. */
    public ValuesIndices topk(int k) { return topk(k, -1, true, true); }

    public ValuesIndices topk(int k, int dim) { return topk(k, dim, true, true); }

    /**
     * The {@code k} largest (or, with {@code largest} false, smallest) elements along {@code dim}: {@code (values,
     * indices)}. They come sorted whatever {@code sorted} says (PyTorch leaves the order open then); ties go to the
     * earlier element, NaN counts as the largest value.
     */
    public ValuesIndices topk(int k, int dim, boolean largest, boolean sorted) { return Sorting.topk(this, k, dim, largest); }

    /** Running sums along {@code dim}; integer and bool tensors sum in int64. */
    public Tensor cumsum(int dim) { return Scans.cumsum(this, dim, null); }

    /** {@code cumsum(dim, dtype=...)}: converted to {@code dtype} first. */
    public Tensor cumsum(int dim, DType dtype) { return Scans.cumsum(this, dim, dtype); }

    /** Running products along {@code dim}; integer and bool tensors multiply in int64. */
    public Tensor cumprod(int dim) { return Scans.cumprod(this, dim, null); }

    public Tensor cumprod(int dim, DType dtype) { return Scans.cumprod(this, dim, dtype); }

    // ---------------------------------------------------------------- softmax

    /** Softmax along {@code dim}, as {@code t.softmax(dim)} ({@link dev.kiln.nn.Functional#softmax}). */
    public Tensor softmax(int dim) {
        requireSoftmaxInput(dim, false);
        return dev.kiln.nn.Functional.softmax(this, dim);
    }

    /** {@code t.softmax(dim, dtype=...)}: converted to {@code dtype} first. */
    public Tensor softmax(int dim, DType dtype) { return to(dtype).softmax(dim); }

    /** log(softmax) along {@code dim}, computed directly so that it stays finite. */
    public Tensor logSoftmax(int dim) {
        requireSoftmaxInput(dim, true);
        return dev.kiln.nn.Functional.logSoftmax(this, dim);
    }

    public Tensor logSoftmax(int dim, DType dtype) { return to(dtype).logSoftmax(dim); }

    /** PyTorch's refusal of integer inputs, naming the kernel as its CPU dispatch does. */
    private void requireSoftmaxInput(int dim, boolean log) {
        int d = Shapes.wrapDim(dim, shape.length);
        if (dtype.isFloatingPoint()) return;
        boolean last = shape.length == 0 || d == shape.length - 1;
        String kernel = last ? (log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl") : "softmax_kernel_impl";
        throw new UnsupportedOperationException("\"" + kernel + "\" not implemented for '" + dtype.scalarTypeName() + "'");
    }

    // ---------------------------------------------------------------- linear algebra

    /** PyTorch's {@code @}: dot, matrix-vector, matrix-matrix or batched with broadcasting. */
    public Tensor matmul(Tensor other) { return LinAlg.matmul(this, other); }

    /** 2-D matrix product only. */
    public Tensor mm(Tensor other) { return LinAlg.mm(this, other); }

    /** Inner product of two 1-D tensors. */
    public Tensor dot(Tensor other) { return LinAlg.dot(this, other); }

    // ---------------------------------------------------------------- shape (views where PyTorch views)

    /** A view when the strides allow it, else a copy; one size may be -1. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }

    /** A view with a new shape; an error when the strides do not allow one (use reshape). */
    public Tensor view(int... newShape) { return Views.view(this, newShape); }

    public Tensor viewAs(Tensor other) { return view(other.shape); }

    public Tensor reshapeAs(Tensor other) { return reshape(other.shape); }

    public Tensor transpose(int dim0, int dim1) { return Views.transpose(this, dim0, dim1); }

    /** Transpose of a tensor with at most 2 dims. */
    public Tensor t() {
        if (dim() > 2) throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is " + dim() + "D");
        if (dim() < 2) return this;
        Tensor out = Views.permuteRaw(this, new int[] {1, 0});
        return Autograd.record("TBackward0", out, g -> new Tensor[] {g.t()}, this);
    }

    public Tensor permute(int... dims) { return Views.permute(this, dims); }

    Tensor permuteRaw(int[] dims) { return Views.permuteRaw(this, dims); }

    /** Removes every dimension of size 1. */
    public Tensor squeeze() { return Views.squeeze(this, null); }

    /** Removes {@code dim} if its size is 1 (otherwise returns a same-shaped view). */
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }

    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    /** A broadcast view; -1 keeps a size. No memory is copied (stride 0). */
    public Tensor expand(int... sizes) { return Views.expand(this, sizes); }

    public Tensor expandAs(Tensor other) { return expand(other.shape); }

    public Tensor flatten() { return flatten(0, -1); }

    public Tensor flatten(int startDim, int endDim) { return Views.flatten(this, startDim, endDim); }

    /** The sub-tensor {@code [start, start+length)} along {@code dim}, as a view. */
    public Tensor narrow(int dim, int start, int length) {
        int size = shape[Shapes.wrapDim(dim, shape.length)];
        // PyTorch wraps a negative start like a dim (and words its error so), then checks the end.
        int s = Shapes.wrapDim(start, size);
        if (length < 0 || s + length > size) {
            throw new IndexOutOfBoundsException("start (" + s + ") + length (" + length + ") exceeds dimension size (" + size + ").");
        }
        return Views.slice(this, dim, s, s + length, 1);
    }

    /** The slice at {@code index} along {@code dim}, dropping that dim, as a view. */
    public Tensor select(int dim, int index) { return Views.select(this, dim, index); }

    /** Views of {@code splitSize} elements along dim 0 (the last one shorter), as {@code torch.split}. */
    public java.util.List<Tensor> split(int splitSize) { return Splitting.split(this, splitSize, 0); }

    public java.util.List<Tensor> split(int splitSize, int dim) { return Splitting.split(this, splitSize, dim); }

    /** Views of the given sizes along dim 0, which must add up to its size. */
    public java.util.List<Tensor> split(int[] sizes) { return Splitting.splitWithSizes(this, sizes, 0); }

    public java.util.List<Tensor> split(int[] sizes, int dim) { return Splitting.splitWithSizes(this, sizes, dim); }

    /** At most {@code chunks} views of ceil(size / chunks) elements along dim 0. */
    public java.util.List<Tensor> chunk(int chunks) { return Splitting.chunk(this, chunks, 0); }

    public java.util.List<Tensor> chunk(int chunks, int dim) { return Splitting.chunk(this, chunks, dim); }

    /** Every slice along dim 0, without it. */
    public java.util.List<Tensor> unbind() { return Splitting.unbind(this, 0); }

    public java.util.List<Tensor> unbind(int dim) { return Splitting.unbind(this, dim); }

    // ---------------------------------------------------------------- indexing

    /**
     * PyTorch's {@code t[...]}. Each index is an {@code int}/{@code long} (selects), a {@link Slice}
     * ({@code Index.slice(1, null, 2)} is {@code 1::2}), {@link Index#all()} ({@code :}),
     * {@link Index#ellipsis()} ({@code ...}), {@link Index#newAxis()} ({@code None}), an index
     * list ({@code int[]}/{@code long[]} or an integer tensor) or a bool mask tensor.
     */
    public Tensor get(Object... indices) { return Indexing.get(this, indices); }

    /** PyTorch's {@code t[...] = value}: value is a number or a tensor broadcast to the target. */
    public Tensor set(Object value, Object... indices) {
        Indexing.set(this, value, indices);
        return this;
    }

    /** {@code out[i][j] = self[i][index[i][j]]} for dim 1, and so on: picks along {@code dim} (int64 index). */
    public Tensor gather(int dim, Tensor index) { return Scatter.gather(this, dim, index); }

    /** A copy with {@code src}'s elements written along {@code dim} at {@code index} (the inverse of gather). */
    public Tensor scatter(int dim, Tensor index, Tensor src) { return Scatter.scatter(this, dim, index, src); }

    public Tensor scatter(int dim, Tensor index, double value) { return Scatter.scatterValue(this, dim, index, wrap(value)); }

    public Tensor scatter(int dim, Tensor index, long value) { return Scatter.scatterValue(this, dim, index, wrap(value)); }

    /** A copy with {@code src}'s elements added along {@code dim} at {@code index}; repeated indices accumulate. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return Scatter.scatterAdd(this, dim, index, src); }

    public Tensor scatter_(int dim, Tensor index, Tensor src) { return replaceWith(before -> before.scatter(dim, index, src), src); }

    public Tensor scatter_(int dim, Tensor index, double value) { return replaceWith(before -> before.scatter(dim, index, value)); }

    public Tensor scatter_(int dim, Tensor index, long value) { return replaceWith(before -> before.scatter(dim, index, value)); }

    public Tensor scatterAdd_(int dim, Tensor index, Tensor src) { return replaceWith(before -> before.scatterAdd(dim, index, src), src); }

    /** This tensor with {@code value} where {@code mask} (bool, broadcast) holds, as {@code masked_fill}. */
    public Tensor maskedFill(Tensor mask, double value) { return Masking.maskedFill(this, mask, wrap(value)); }

    public Tensor maskedFill(Tensor mask, long value) { return Masking.maskedFill(this, mask, wrap(value)); }

    /** The value as a 0-dim tensor, which may require grad. */
    public Tensor maskedFill(Tensor mask, Tensor value) { return Masking.maskedFill(this, mask, value); }

    public Tensor maskedFill_(Tensor mask, double value) { return replaceWith(before -> before.maskedFill(mask, value)); }

    public Tensor maskedFill_(Tensor mask, long value) { return replaceWith(before -> before.maskedFill(mask, value)); }

    public Tensor maskedFill_(Tensor mask, Tensor value) { return replaceWith(before -> before.maskedFill(mask, value), value); }

    /** {@code self.where(condition, other)}: this tensor where {@code condition} holds, else {@code other}. */
    public Tensor where(Tensor condition, Tensor other) { return Torch.where(condition, this, other); }

    public Tensor where(Tensor condition, double other) { return Torch.where(condition, this, wrap(other)); }

    public Tensor where(Tensor condition, long other) { return Torch.where(condition, this, wrap(other)); }

    /** NaN to 0, +inf and -inf to the dtype's largest and lowest finite values, as {@code nan_to_num()}. */
    public Tensor nanToNum() { return Masking.nanToNum(this, null, null, null); }

    public Tensor nanToNum(double nan) { return Masking.nanToNum(this, nan, null, null); }

    /** Each replacement null for its default (0, the dtype's max, the dtype's lowest). */
    public Tensor nanToNum(Double nan, Double posinf, Double neginf) { return Masking.nanToNum(this, nan, posinf, neginf); }

    public Tensor nanToNum_() { return replaceWith(before -> before.nanToNum()); }

    public Tensor nanToNum_(Double nan, Double posinf, Double neginf) {
        return replaceWith(before -> before.nanToNum(nan, posinf, neginf));
    }

    /**
     * An in-place op as its out-of-place form written back: the op sees a snapshot that keeps this tensor's history
     * (its derivative may need the values before they are overwritten), and this tensor takes the op's node, as
     * PyTorch's {@code masked_fill_} shows {@code MaskedFillBackward0}.
     */
    private Tensor replaceWith(java.util.function.UnaryOperator<Tensor> op, Tensor... others) {
        Ops.checkInPlaceAllowed(this);
        Tensor[] all = java.util.Arrays.copyOf(others, others.length + 1);
        all[others.length] = this;
        Tensor before = Autograd.needed(all) ? detachedCopyKeepingGraph() : this;
        Tensor result = op.apply(before);
        if (!java.util.Arrays.equals(result.shape, shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(shape)
                    + " doesn't match the broadcast shape " + Shapes.str(result.shape));
        }
        Elementwise.copyInto(this, result);
        if (result.requiresGrad) {  // this tensor now stands for the op's result, under the op's own node
            requiresGrad = true;
            gradFn = result.gradFn;
        } else if (gradFn != null) {
            gradFn = null;  // the old value's history no longer matters
        }
        return this;
    }

    /**
     * PyTorch's {@code tolist()}: nested {@link java.util.List}s of {@code Long} (integer dtypes, exactly),
     * {@code Double} (floating) or {@code Boolean}; a 0-dim tensor gives the number itself. Copies to the host.
     */
    public Object tolist() {
        Tensor h = (DeviceOps.on(this) ? DeviceOps.transfer(this, Device.CPU) : this).contiguousCopy();
        return listOf(h, 0, 0);
    }

    private static Object listOf(Tensor h, int dim, int offset) {
        if (dim == h.shape.length) {
            if (h.dtype.isBool()) return h.storage.getBool(offset);
            if (h.dtype.isFloatingPoint()) return h.storage.getDouble(offset);
            return h.storage.getLong(offset);
        }
        java.util.List<Object> out = new java.util.ArrayList<>(h.shape[dim]);
        for (int i = 0; i < h.shape[dim]; i++) out.add(listOf(h, dim + 1, offset + i * h.strides[dim]));
        return out;
    }

    // ---------------------------------------------------------------- misc

    /** Zeros of the same shape, dtype and device. */
    public static Tensor zerosLike(Tensor t) { return zeros(t.dtype, t.shape, t.device()); }

    public static Tensor onesLike(Tensor t) { return empty(t.dtype, t.shape, t.device()).fill_(1L); }

    /** PyTorch's repr; a tensor on a device is copied to the host to print, and says where it lives. */
    @Override
    public String toString() {
        Tensor values = DeviceOps.on(this) ? DeviceOps.transfer(this, Device.CPU) : contiguousCopy();
        double[] v = new double[values.numel()];
        for (int i = 0; i < v.length; i++) v[i] = values.storage.getDouble(i);
        long[] exact = null;
        if (dtype.isIntegral()) {  // int64 above 2^53 has no exact double: print from the longs
            exact = new long[v.length];
            for (int i = 0; i < exact.length; i++) exact[i] = values.storage.getLong(i);
        }
        return TensorFormatter.repr(new PrintInput(shape.clone(), dtype, v, requiresGrad && gradFn == null,
                gradFn == null ? null : gradFn.name(), device().isCpu() ? null : device().toString(), exact));
    }

    /** A copy of the current value that still carries this tensor's history (for in-place ops). */
    Tensor detachedCopyKeepingGraph() {
        Tensor c = contiguousCopy();
        c.requiresGrad = requiresGrad;
        c.gradFn = gradFn;
        return c;
    }
}
