package dev.kiln.tensor;

import dev.kiln.backend.Device;
import dev.kiln.backend.kernels.KernelLibrary;

import java.util.Arrays;

/**
 * The device forms of the {@code nn} and {@code loss} ops whose CPU kernels live outside this package: softmax and
 * log-softmax, and the cross-entropy and MSE losses, which run the {@link KernelLibrary}'s fused loss kernels. Each
 * states the derivative rule its CPU twin uses. {@link #requireCpu} is how the other ops of those packages refuse a
 * device tensor, naming themselves.
 */
public final class DeviceFunctional {
    private DeviceFunctional() {}

    /** Whether any of {@code tensors} (nulls skipped) lives on a device. */
    public static boolean onDevice(Tensor... tensors) {
        for (Tensor t : tensors) if (t != null && DeviceOps.on(t)) return true;
        return false;
    }

    /** Throws an {@link UnsupportedOperationException} naming {@code op} and the device when an input is on one. */
    public static void requireCpu(String op, Tensor... tensors) { DeviceOps.requireCpu(op, tensors); }

    /** The error for {@code op} on {@code device}, for a caller that refuses only some of an op's options. */
    public static UnsupportedOperationException unsupported(String op, Device device) {
        return DeviceOps.unsupported(op, device);
    }

    /**
     * Softmax ({@code log} false) or log-softmax along {@code dim} of a float32 tensor on a device, with the CPU's
     * rules: {@code y (g - sum(g y))} and {@code g - exp(y) sum(g)}, written as tensor ops on the device.
     */
    public static Tensor softmax(Tensor x, int dim, boolean log) {
        Tensor y = DeviceOps.softmax(x, dim, log);
        Tensor saved = y.detach();
        int d = Shapes.wrapDim(dim, x.dim());
        return Autograd.record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", y, g -> new Tensor[] {log
                ? g.sub(saved.exp().mul(g.sum(d, true)))
                : saved.mul(g.sub(g.mul(saved).sum(d, true)))}, x);
    }

    /**
     * Cross-entropy of {@code [N, C]} float32 logits against {@code [N]} int64 class ids on the same device, summed
     * or averaged over the rows: the library's fused kernel computes the loss and its gradient
     * {@code (softmax - onehot) / N} in one pass (the composition of the CPU's LogSoftmax and NLL rules), kept for
     * the backward. A label that is not a class id (an ignored target among them) gives NaN there, not an error.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, boolean mean) {
        Device device = DeviceOps.common(logits, target);
        if (logits.dim() != 2 || target.dim() != 1 || target.shape[0] != logits.shape[0]) {
            throw new IllegalArgumentException("cross_entropy on " + device + " expects [N, C] logits and [N] class "
                    + "ids, got " + Shapes.str(logits.shape) + " and " + Shapes.str(target.shape));
        }
        if (target.dtype != DType.INT64) {
            throw new IllegalArgumentException("expected scalar type Long but found " + target.dtype.scalarTypeName());
        }
        if (logits.dtype != DType.FLOAT32) {
            throw new UnsupportedOperationException("float32 only on devices for now: cross_entropy of " + logits.dtype);
        }
        int rows = logits.shape[0], classes = logits.shape[1];
        Tensor x = logits.contiguousRaw(), y = target.contiguousRaw();
        Tensor grad = DeviceOps.empty(device, DType.FLOAT32, logits.shape);
        Tensor rowLoss = DeviceOps.empty(device, DType.FLOAT32, new int[] {rows});
        Tensor loss = DeviceOps.empty(device, DType.FLOAT32, new int[0]);
        KernelLibrary lib = KernelLibrary.on(DeviceOps.context(x));
        // meanOver must be positive: an empty batch takes 1 here, and its mean 0 / 0 = NaN below, as PyTorch.
        lib.softmaxCrossEntropy(DeviceOps.buffer(x), x.offset, DeviceOps.buffer(y), y.offset, rows, classes,
                mean ? Math.max(1, rows) : 1, DeviceOps.buffer(grad), 0, DeviceOps.buffer(rowLoss), 0);
        lib.sum(DeviceOps.buffer(rowLoss), 0, rows, DeviceOps.buffer(loss), 0);
        if (mean) loss = Elementwise.binary(BinaryOp.DIV, loss, Tensor.wrap((double) rows), DType.FLOAT32);
        return Autograd.record("NllLossBackward0", loss, g -> new Tensor[] {grad.mul(g), null}, logits, target);
    }

    /**
     * Mean (or summed) squared error of two float32 tensors of one shape on one device: the library's fused kernel
     * computes the loss and the gradient {@code 2 (input - target) / count}, as the CPU's rule for
     * {@code (input - target)^2} reduced.
     */
    public static Tensor mseLoss(Tensor input, Tensor target, boolean mean) {
        Device device = DeviceOps.common(input, target);
        if (!Arrays.equals(input.shape, target.shape)) {
            throw new IllegalArgumentException("mse_loss on " + device + " expects one shape, got "
                    + Shapes.str(input.shape) + " and " + Shapes.str(target.shape));
        }
        if (input.dtype != DType.FLOAT32 || target.dtype != DType.FLOAT32) {
            throw new UnsupportedOperationException("float32 only on devices for now: mse_loss of " + input.dtype
                    + " and " + target.dtype);
        }
        int count = input.numel();
        Tensor x = input.contiguousRaw(), t = target.contiguousRaw();
        Tensor grad = DeviceOps.empty(device, DType.FLOAT32, input.shape);
        Tensor loss = DeviceOps.empty(device, DType.FLOAT32, new int[0]);
        KernelLibrary.on(DeviceOps.context(x)).mse(DeviceOps.buffer(x), x.offset, DeviceOps.buffer(t), t.offset,
                count, mean ? Math.max(1, count) : 1, DeviceOps.buffer(grad), 0, DeviceOps.buffer(loss), 0);
        if (mean) loss = Elementwise.binary(BinaryOp.DIV, loss, Tensor.wrap((double) count), DType.FLOAT32);
        return Autograd.record("MseLossBackward0", loss, g -> {
            Tensor gi = grad.mul(g);
            return new Tensor[] {gi, target.requiresGrad ? gi.neg() : null};
        }, input, target);
    }
}
