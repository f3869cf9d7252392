package dev.kiln.tensor;

import java.util.Objects;

/**
 * What {@link TensorFormatter} needs to print a tensor, detached from any storage: the printer only
 * reads values, so it takes them already widened to {@code double} rather than depending on how a
 * tensor stores each dtype.
 *
 * @param shape        the sizes; an empty array is a 0-dim tensor
 * @param dtype        the element type, which decides integer/bool/float formatting and suffixes
 * @param values       the elements in row-major (logical) order; bool as 1/0, float16, bfloat16 and
 *                     float32 as their exact double value
 * @param integers     the same elements as exact {@code long}s, for integer dtypes (an int64 beyond 2^53
 *                     has no exact double); null to print integers from {@code values}
 * @param requiresGrad whether the tensor requires grad (printed only for leaves)
 * @param gradFnName   the autograd node's class name, e.g. {@code AddBackward0}, or null for none
 * @param device       where the tensor lives when not on the CPU, e.g. {@code opencl:0}, printed as
 *                     {@code device='opencl:0'}; null for the CPU
 */
public record PrintInput(int[] shape, DType dtype, double[] values, boolean requiresGrad, String gradFnName,
                         String device, long[] integers) {

    public PrintInput {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(values, "values");
        long numel = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative size in shape " + shapeString(shape));
            numel *= d;
        }
        if (numel != values.length) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " holds " + numel
                    + " elements but " + values.length + " values were given");
        }
        if (integers != null && integers.length != values.length) {
            throw new IllegalArgumentException(integers.length + " exact integers were given for " + values.length + " values");
        }
    }

    /** Values as doubles only. */
    public PrintInput(int[] shape, DType dtype, double[] values, boolean requiresGrad, String gradFnName,
                      String device) {
        this(shape, dtype, values, requiresGrad, gradFnName, device, null);
    }

    /** A CPU tensor. */
    public PrintInput(int[] shape, DType dtype, double[] values, boolean requiresGrad, String gradFnName) {
        this(shape, dtype, values, requiresGrad, gradFnName, null, null);
    }

    /** A tensor outside autograd: no grad required, no grad_fn. */
    public static PrintInput of(int[] shape, DType dtype, double... values) {
        return new PrintInput(shape, dtype, values, false, null);
    }

    /** The number of elements. */
    public int numel() { return values.length; }

    /** The number of dimensions. */
    public int dim() { return shape.length; }

    private static String shapeString(int[] shape) { return java.util.Arrays.toString(shape); }
}
