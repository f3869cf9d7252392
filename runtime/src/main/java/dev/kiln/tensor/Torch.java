package dev.kiln.tensor;

import dev.kiln.tensor.random.Generator;

import java.util.List;

/**
 * The {@code torch.*} functions: creation, random numbers, joining. {@code import static
 * dev.kiln.tensor.Torch.*} and write {@code tensor(...)}, {@code zeros(2, 3)}, {@code cat(...)}.
 */
public final class Torch {
    static {
        // Fail with the missing flag's name, not with NoClassDefFoundError in the first kernel.
        dev.kiln.runtime.VectorApi.require();
    }

    private Torch() {}

    // ------------------------------------------------------------ from Java data (copies)

    /**
     * {@code torch.tensor(data)}: copies a number or a nested Java array. As with Python lists,
     * integral data becomes int64, floating data the default float32, booleans bool.
     */
    public static Tensor tensor(Object data) {
        JavaArrays.Flat flat = JavaArrays.flatten(data);
        DType dtype = switch (flat.kind()) {
            case BOOL -> DType.BOOL;
            case INTEGRAL -> DType.INT64;
            case FLOATING -> DType.defaultFloat();
        };
        return tensor(data, dtype);
    }

    /** {@code torch.tensor(data, dtype=...)}. */
    public static Tensor tensor(Object data, DType dtype) {
        JavaArrays.Flat flat = JavaArrays.flatten(data);
        Tensor out = Tensor.empty(dtype, flat.shape());
        for (int i = 0; i < flat.size(); i++) {
            if (flat.kind() == DType.Category.FLOATING) out.storage.setDouble(i, flat.doubleAt(i));
            else out.storage.setLong(i, flat.longAt(i));
        }
        return out;
    }

    /** A 0-dim tensor (PyTorch's {@code torch.tensor(3.5)}). */
    public static Tensor scalarTensor(double v) { return tensor(v); }

    // ------------------------------------------------------------ sharing Java arrays (like from_numpy)

    /** Wraps {@code data} without copying: writes to either are seen by both. */
    public static Tensor fromArray(float[] data, int... shape) { return share(DType.FLOAT32, data, data.length, shape); }

    public static Tensor fromArray(double[] data, int... shape) { return share(DType.FLOAT64, data, data.length, shape); }

    public static Tensor fromArray(long[] data, int... shape) { return share(DType.INT64, data, data.length, shape); }

    public static Tensor fromArray(int[] data, int... shape) { return share(DType.INT32, data, data.length, shape); }

    public static Tensor fromArray(boolean[] data, int... shape) { return share(DType.BOOL, data, data.length, shape); }

    /** Wraps a byte[] as uint8 (read unsigned) or int8, as {@code dtype} says. */
    public static Tensor fromArray(byte[] data, DType dtype, int... shape) { return share(dtype, data, data.length, shape); }

    /** Wraps a short[] as int16, or as float16 or bfloat16 bit patterns when {@code dtype} is FLOAT16 or BFLOAT16. */
    public static Tensor fromArray(short[] data, DType dtype, int... shape) { return share(dtype, data, data.length, shape); }

    /** Wraps any primitive array of the type {@code dtype} is stored in (short[] for float16 bits). */
    public static Tensor fromArray(Object data, DType dtype, int... shape) {
        return share(dtype, data, java.lang.reflect.Array.getLength(data), shape);
    }

    private static Tensor share(DType dtype, Object data, int length, int[] shape) {
        int[] s = shape.length == 0 ? new int[] {length} : shape;
        if (Shapes.numel(s) != length) {
            throw new IllegalArgumentException("shape " + Shapes.str(s) + " needs " + Shapes.numel(s)
                    + " elements but the array has " + length);
        }
        return new Tensor(Storage.wrap(dtype, data), 0, s.clone(), Shapes.contiguousStrides(s));
    }

    // ------------------------------------------------------------ filled

    public static Tensor empty(int... shape) { return Tensor.empty(DType.defaultFloat(), shape); }

    public static Tensor empty(int[] shape, DType dtype) { return Tensor.empty(dtype, shape); }

    public static Tensor zeros(int... shape) { return Tensor.empty(DType.defaultFloat(), shape); }

    public static Tensor zeros(int[] shape, DType dtype) { return Tensor.empty(dtype, shape); }

    public static Tensor ones(int... shape) { return full(shape, 1.0); }

    public static Tensor ones(int[] shape, DType dtype) { return full(shape, 1L, dtype); }

    /** {@code torch.full}: a floating fill value gives the default float dtype. */
    public static Tensor full(int[] shape, double value) { return Tensor.empty(DType.defaultFloat(), shape).fill_(value); }

    /** {@code torch.full} with an integral fill value gives int64, as {@code full((2, 3), 255)}. */
    public static Tensor full(int[] shape, long value) { return Tensor.empty(DType.INT64, shape).fill_(value); }

    public static Tensor full(int[] shape, double value, DType dtype) { return Tensor.empty(dtype, shape).fill_(value); }

    public static Tensor full(int[] shape, long value, DType dtype) { return Tensor.empty(dtype, shape).fill_(value); }

    public static Tensor zerosLike(Tensor t) { return Tensor.zerosLike(t); }

    public static Tensor onesLike(Tensor t) { return Tensor.onesLike(t); }

    public static Tensor emptyLike(Tensor t) { return Tensor.zerosLike(t); }

    public static Tensor fullLike(Tensor t, double value) { return Tensor.empty(t.dtype, t.shape, t.device()).fill_(value); }

    /** Identity matrix. */
    public static Tensor eye(int n) { return eye(n, n); }

    public static Tensor eye(int n, int m) {
        Tensor t = zeros(n, m);
        for (int i = 0; i < Math.min(n, m); i++) t.storage.f32[i * m + i] = 1;
        return t;
    }

    // ------------------------------------------------------------ ranges

    /** {@code arange(end)} with integers: int64. */
    public static Tensor arange(long end) { return arange(0, end, 1); }

    public static Tensor arange(long start, long end) { return arange(start, end, 1); }

    public static Tensor arange(long start, long end, long step) {
        int n = rangeLength(start, end, step);
        Tensor t = Tensor.empty(DType.INT64, new int[] {n});
        for (int i = 0; i < n; i++) t.storage.i64[i] = start + i * step;
        return t;
    }

    /** {@code arange} with a floating bound: float32 values {@code start + i * step}. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0) throw new IllegalArgumentException("step must be nonzero");
        if ((step > 0 && start > end) || (step < 0 && start < end)) {
            throw new IllegalArgumentException("upper bound and larger bound inconsistent with step sign");
        }
        int n = (int) Math.ceil((end - start) / step);
        Tensor t = Tensor.empty(DType.defaultFloat(), new int[] {n});
        for (int i = 0; i < n; i++) t.storage.f32[i] = (float) (start + i * step);
        return t;
    }

    private static int rangeLength(long start, long end, long step) {
        if (step == 0) throw new IllegalArgumentException("step must be nonzero");
        if ((step > 0 && start > end) || (step < 0 && start < end)) {
            throw new IllegalArgumentException("upper bound and larger bound inconsistent with step sign");
        }
        return (int) ((end - start + step + (step > 0 ? -1 : 1)) / step);
    }

    /**
     * {@code steps} evenly spaced values from start to end, float32. Like PyTorch, the first half is
     * computed from the start and the second half from the end, so both ends are exact.
     */
    public static Tensor linspace(double start, double end, int steps) {
        if (steps < 0) throw new IllegalArgumentException("number of steps must be non-negative");
        Tensor t = Tensor.empty(DType.defaultFloat(), new int[] {steps});
        if (steps == 1) t.storage.f32[0] = (float) start;
        if (steps > 1) {
            float s = (float) start, e = (float) end;
            float step = (e - s) / (steps - 1);
            int half = steps / 2;
            for (int i = 0; i < steps; i++) {
                t.storage.f32[i] = i < half ? s + step * i : e - step * (steps - i - 1);
            }
        }
        return t;
    }

    // ------------------------------------------------------------ random (PyTorch's CPU generator)

    /** Seeds the default generator, as {@code torch.manual_seed}. */
    public static void manualSeed(long seed) { Generator.defaultGenerator().manualSeed(seed); }

    public static long initialSeed() { return Generator.defaultGenerator().initialSeed(); }

    /** Uniform [0, 1) float32, identical to PyTorch's draws for the same seed. */
    public static Tensor rand(int... shape) { return uniform(Tensor.empty(DType.defaultFloat(), shape), 0, 1); }

    public static Tensor rand(int[] shape, DType dtype) { return uniform(Tensor.empty(dtype, shape), 0, 1); }

    /** Standard normal float32, identical to PyTorch's draws for the same seed. */
    public static Tensor randn(int... shape) { return normal(Tensor.empty(DType.defaultFloat(), shape), 0, 1); }

    public static Tensor randn(int[] shape, DType dtype) { return normal(Tensor.empty(dtype, shape), 0, 1); }

    /** Integers uniform in [low, high), int64. */
    public static Tensor randint(long low, long high, int... shape) {
        if (low >= high) {
            throw new IllegalArgumentException("random_ expects 'from' to be less than 'to', but got from=" + low
                    + " >= to=" + high);
        }
        Tensor t = Tensor.empty(DType.INT64, shape);
        Generator.defaultGenerator().fillRandint(t.storage.i64, 0, t.numel(), low, high);
        return t;
    }

    /** A random permutation of 0..n-1, int64. */
    public static Tensor randperm(int n) { return fromArray(Generator.defaultGenerator().randperm(n), n); }

    public static Tensor randLike(Tensor t) { return rand(t.shape.clone(), t.dtype); }

    /** Drawn on the CPU from the default generator (the same numbers as there), then moved to {@code t}'s device. */
    public static Tensor randnLike(Tensor t) { return randn(t.shape.clone(), t.dtype).to(t.device()); }

    /** Fills {@code t} in place from U(from, to), as {@code t.uniform_(from, to)}. */
    public static Tensor uniform(Tensor t, double from, double to) {
        Generator g = Generator.defaultGenerator();
        fillFloating(t, (arr, off, n) -> g.fillUniform(arr, off, n, from, to), (arr, off, n) -> g.fillUniform(arr, off, n, from, to));
        return t;
    }

    /** Fills {@code t} in place from N(mean, std²), as {@code t.normal_(mean, std)}. */
    public static Tensor normal(Tensor t, double mean, double std) {
        if (std < 0) {
            // C++ prints the double as -1, not -1.0
            String shown = std == Math.rint(std) && !Double.isInfinite(std) ? String.valueOf((long) std) : String.valueOf(std);
            throw new IllegalArgumentException("normal expects std >= 0.0, but found std " + shown);
        }
        Generator g = Generator.defaultGenerator();
        fillFloating(t, (arr, off, n) -> g.fillNormal(arr, off, n, mean, std), (arr, off, n) -> g.fillNormal(arr, off, n, mean, std));
        return t;
    }

    private interface FloatFill { void fill(float[] a, int off, int n); }

    private interface DoubleFill { void fill(double[] a, int off, int n); }

    /** Random fills draw into a contiguous buffer of the tensor's dtype, then copy into place. */
    private static void fillFloating(Tensor t, FloatFill f, DoubleFill d) {
        if (!t.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("expected a floating point tensor, got " + t.dtype);
        }
        boolean direct = t.isContiguous() && t.dtype != DType.FLOAT16;
        Tensor target = direct ? t : Tensor.empty(t.dtype == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32, t.shape);
        if (target.dtype == DType.FLOAT64) d.fill(target.storage.f64, target.offset, target.numel());
        else f.fill(target.storage.f32, target.offset, target.numel());
        if (!direct) Elementwise.copyInto(t, target);
    }

    // ------------------------------------------------------------ joining and selection

    /** Concatenates along an existing dim; all other sizes must match. */
    public static Tensor cat(List<Tensor> tensors, int dim) { return Joining.cat(tensors, dim); }

    public static Tensor cat(List<Tensor> tensors) { return Joining.cat(tensors, 0); }

    /** Joins along a new dim; all shapes must be equal. */
    public static Tensor stack(List<Tensor> tensors, int dim) { return Joining.stack(tensors, dim); }

    public static Tensor stack(List<Tensor> tensors) { return Joining.stack(tensors, 0); }

    /**
     * Picks from {@code a} where {@code condition} holds, else from {@code b}, all three broadcast; the result has
     * their promoted dtype. A uint8 condition is accepted, as PyTorch 1.13 does (with a deprecation warning there).
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        if (!condition.dtype.isBool() && condition.dtype != DType.UINT8) {
            throw new IllegalArgumentException("where expected condition to be a boolean tensor, but got a tensor with dtype "
                    + condition.dtype.scalarTypeName());
        }
        DType outType = TypePromotion.resultType(a, b);
        Tensor out = Elementwise.where(condition, a, b, outType);
        int[] sa = a.shape, sb = b.shape;
        return Autograd.record("WhereBackward0", out, g -> new Tensor[] {
                Autograd.sumToShape(where(condition, g, Tensor.zerosLike(g)), sa),
                Autograd.sumToShape(where(condition, Tensor.zerosLike(g), g), sb)}, a, b);
    }

    /** {@code torch.where(condition, x, 0.0)}: a Java number takes part in promotion as a Python scalar. */
    public static Tensor where(Tensor condition, Tensor a, double b) { return where(condition, a, Tensor.wrap(b)); }

    public static Tensor where(Tensor condition, Tensor a, long b) { return where(condition, a, Tensor.wrap(b)); }

    public static Tensor where(Tensor condition, double a, Tensor b) { return where(condition, Tensor.wrap(a), b); }

    public static Tensor where(Tensor condition, long a, Tensor b) { return where(condition, Tensor.wrap(a), b); }

    public static Tensor where(Tensor condition, double a, double b) { return where(condition, Tensor.wrap(a), Tensor.wrap(b)); }

    public static Tensor where(Tensor condition, long a, long b) { return where(condition, Tensor.wrap(a), Tensor.wrap(b)); }

    /** {@code torch.where(condition)}: {@code nonzero(condition, as_tuple=True)}. */
    public static Tensor[] where(Tensor condition) { return Indexing.nonzero(condition); }

    // ------------------------------------------------------------ the torch.X forms of tensor methods

    public static java.util.List<Tensor> split(Tensor t, int splitSize, int dim) { return t.split(splitSize, dim); }

    public static java.util.List<Tensor> split(Tensor t, int[] sizes, int dim) { return t.split(sizes, dim); }

    public static java.util.List<Tensor> chunk(Tensor t, int chunks, int dim) { return t.chunk(chunks, dim); }

    public static java.util.List<Tensor> unbind(Tensor t, int dim) { return t.unbind(dim); }

    public static ValuesIndices sort(Tensor t, int dim, boolean descending) { return t.sort(dim, descending); }

    public static ValuesIndices sort(Tensor t, int dim, boolean descending, boolean stable) { return t.sort(dim, descending, stable); }

    public static Tensor argsort(Tensor t, int dim, boolean descending) { return t.argsort(dim, descending); }

    public static ValuesIndices topk(Tensor t, int k, int dim, boolean largest, boolean sorted) { return t.topk(k, dim, largest, sorted); }

    public static Tensor cumsum(Tensor t, int dim) { return t.cumsum(dim); }

    public static Tensor cumprod(Tensor t, int dim) { return t.cumprod(dim); }

    public static Tensor gather(Tensor t, int dim, Tensor index) { return t.gather(dim, index); }

    public static Tensor scatter(Tensor t, int dim, Tensor index, Tensor src) { return t.scatter(dim, index, src); }

    public static Tensor scatter(Tensor t, int dim, Tensor index, double value) { return t.scatter(dim, index, value); }

    public static Tensor scatterAdd(Tensor t, int dim, Tensor index, Tensor src) { return t.scatterAdd(dim, index, src); }

    public static Tensor maskedFill(Tensor t, Tensor mask, double value) { return t.maskedFill(mask, value); }

    public static Tensor maskedFill(Tensor t, Tensor mask, long value) { return t.maskedFill(mask, value); }

    public static Tensor maskedFill(Tensor t, Tensor mask, Tensor value) { return t.maskedFill(mask, value); }

    public static Tensor isnan(Tensor t) { return t.isnan(); }

    public static Tensor isinf(Tensor t) { return t.isinf(); }

    public static Tensor isfinite(Tensor t) { return t.isfinite(); }

    public static Tensor nanToNum(Tensor t) { return t.nanToNum(); }

    public static Tensor nanToNum(Tensor t, Double nan, Double posinf, Double neginf) { return t.nanToNum(nan, posinf, neginf); }

    public static Tensor clamp(Tensor t, double min, double max) { return t.clamp(min, max); }

    public static Tensor clamp(Tensor t, Tensor min, Tensor max) { return t.clamp(min, max); }

    public static Tensor softmax(Tensor t, int dim) { return t.softmax(dim); }

    public static Tensor logSoftmax(Tensor t, int dim) { return t.logSoftmax(dim); }

    /** {@code torch.div(a, b, rounding_mode=...)}. */
    public static Tensor div(Tensor a, Tensor b, String roundingMode) { return a.div(b, roundingMode); }

    public static Tensor matmul(Tensor a, Tensor b) { return a.matmul(b); }

    public static Tensor sqrt(Tensor t) { return t.sqrt(); }

    public static Tensor exp(Tensor t) { return t.exp(); }

    public static Tensor log(Tensor t) { return t.log(); }

    public static Tensor abs(Tensor t) { return t.abs(); }

    public static Tensor pow(Tensor t, double exponent) { return t.pow(exponent); }

    /** Indices of the non-zero elements, one row per element: shape [count, dims]. */
    public static Tensor nonzero(Tensor t) { return stack(List.of(Indexing.nonzero(t)), 1); }

    /** {@code nonzero(as_tuple=True)}: one index tensor per dimension. */
    public static Tensor[] nonzeroTuple(Tensor t) { return Indexing.nonzero(t); }
}
