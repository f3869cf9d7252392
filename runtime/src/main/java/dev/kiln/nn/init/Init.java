package dev.kiln.nn.init;

import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * {@code torch.nn.init}: in-place initialisers that draw from the default generator exactly as
 * PyTorch 1.13 does (one {@code uniform_} or {@code normal_} call over the whole tensor, with the
 * bound computed in the same order of double operations), so that the same seed gives the same
 * weights bit for bit. Each runs without recording, like PyTorch's {@code torch.no_grad()} wrapper,
 * so that it can overwrite parameters that require grad.
 */
public final class Init {
    private Init() {}

    /** {@code _calculate_fan_in_and_fan_out}: dim 1 times the receptive field, dim 0 times it. */
    public record Fans(int fanIn, int fanOut) {}

    public static Fans calculateFanInAndFanOut(Tensor t) {
        if (t.dim() < 2) {
            throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        }
        int receptiveField = 1;
        for (int d = 2; d < t.dim(); d++) receptiveField *= t.size(d);
        return new Fans(t.size(1) * receptiveField, t.size(0) * receptiveField);
    }

    /** The recommended gain for a nonlinearity; leaky_relu uses PyTorch's default slope 0.01. */
    public static double calculateGain(Nonlinearity nonlinearity) { return calculateGain(nonlinearity, 0.01); }

    /** As {@link #calculateGain(Nonlinearity)}; {@code param} is leaky_relu's negative slope (ignored otherwise). */
    public static double calculateGain(Nonlinearity nonlinearity, double param) {
        return switch (nonlinearity) {
            case LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D, SIGMOID -> 1;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> Math.sqrt(2.0 / (1 + param * param));
            case SELU -> 3.0 / 4;
        };
    }

    // ------------------------------------------------------------ constant fills

    public static Tensor zeros_(Tensor t) { return constant_(t, 0.0); }

    public static Tensor ones_(Tensor t) { return constant_(t, 1.0); }

    public static Tensor constant_(Tensor t, double value) {
        try (var ignored = GradMode.noGrad()) {
            return t.fill_(value);
        }
    }

    // ------------------------------------------------------------ plain distributions

    /** U(a, b), default U(0, 1). */
    public static Tensor uniform_(Tensor t, double a, double b) {
        try (var ignored = GradMode.noGrad()) {
            return Torch.uniform(t, a, b);
        }
    }

    public static Tensor uniform_(Tensor t) { return uniform_(t, 0.0, 1.0); }

    /** N(mean, std^2), default N(0, 1). */
    public static Tensor normal_(Tensor t, double mean, double std) {
        try (var ignored = GradMode.noGrad()) {
            return Torch.normal(t, mean, std);
        }
    }

    public static Tensor normal_(Tensor t) { return normal_(t, 0.0, 1.0); }

    // ------------------------------------------------------------ Glorot and He

    /** Glorot: U(-a, a) with {@code a = gain * sqrt(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform_(Tensor t, double gain) {
        Fans f = calculateFanInAndFanOut(t);
        double std = gain * Math.sqrt(2.0 / (double) (f.fanIn() + f.fanOut()));
        double a = Math.sqrt(3.0) * std;
        return uniform_(t, -a, a);
    }

    public static Tensor xavierUniform_(Tensor t) { return xavierUniform_(t, 1.0); }

    /** Glorot: N(0, std^2) with {@code std = gain * sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal_(Tensor t, double gain) {
        Fans f = calculateFanInAndFanOut(t);
        double std = gain * Math.sqrt(2.0 / (double) (f.fanIn() + f.fanOut()));
        return normal_(t, 0.0, std);
    }

    public static Tensor xavierNormal_(Tensor t) { return xavierNormal_(t, 1.0); }

    /**
     * He: U(-bound, bound) with {@code bound = sqrt(3) * gain / sqrt(fan)}. PyTorch's defaults are
     * a = 0, fan_in, leaky_relu (whose gain with slope 0 is that of relu).
     */
    public static Tensor kaimingUniform_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        if (t.numel() == 0) return t; // PyTorch warns "Initializing zero-element tensors is a no-op"
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
        double bound = Math.sqrt(3.0) * std;
        return uniform_(t, -bound, bound);
    }

    public static Tensor kaimingUniform_(Tensor t, double a) { return kaimingUniform_(t, a, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU); }

    public static Tensor kaimingUniform_(Tensor t) { return kaimingUniform_(t, 0.0); }

    /** He: N(0, std^2) with {@code std = gain / sqrt(fan)}. */
    public static Tensor kaimingNormal_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        if (t.numel() == 0) return t;
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
        return normal_(t, 0.0, std);
    }

    public static Tensor kaimingNormal_(Tensor t, double a) { return kaimingNormal_(t, a, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU); }

    public static Tensor kaimingNormal_(Tensor t) { return kaimingNormal_(t, 0.0); }

    private static int fan(Tensor t, FanMode mode) {
        Fans f = calculateFanInAndFanOut(t);
        return mode == FanMode.FAN_IN ? f.fanIn() : f.fanOut();
    }
}
