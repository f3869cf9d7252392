package dev.kiln.nn;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * Moves tensor values in and out of plain double arrays for the kernels of this package. The
 * kernels compute in float64 whatever the input dtype and round once at the end: for float32
 * inputs that is as accurate as PyTorch's float kernels (usually more), which is why parity tests
 * compare float32 results with a tolerance of a few ulps rather than bit for bit.
 */
final class TensorData {
    private TensorData() {}

    /**
     * A row-major copy of the values; detached first so that the copy is not recorded. The host kernels of this
     * package call it, so a device tensor is refused here (the ops with a device form dispatch before).
     */
    static double[] values(Tensor t) {
        DeviceFunctional.requireCpu("this nn operation", t);
        return t.detach().toDoubleArray();
    }

    /** A new tensor of {@code dtype} and {@code shape} holding {@code v} (which it may share). */
    static Tensor tensor(double[] v, int[] shape, DType dtype) {
        Tensor t = Torch.fromArray(v, v.length).reshape(shape);
        return dtype == DType.FLOAT64 ? t : t.to(dtype);
    }

    static void requireFloating(Tensor t, String op) {
        if (!t.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating point tensor, got " + t.dtype());
        }
    }

    /** Number of elements in dims {@code [from, to)} of {@code shape}. */
    static int product(int[] shape, int from, int to) {
        int p = 1;
        for (int d = from; d < to; d++) p *= shape[d];
        return p;
    }
}
