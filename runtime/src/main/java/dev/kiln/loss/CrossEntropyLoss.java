package dev.kiln.loss;

import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.Torch;

/**
 * Cross entropy between logits and a target: PyTorch 1.13's {@code CrossEntropyLoss}.
 *
 * <p>Input is {@code [N, C]}, {@code [C]} or {@code [N, C, d1, ...]}. A target of the same shape
 * holds class probabilities; otherwise it holds int64 class indices, where {@code ignoreIndex}
 * targets are skipped and {@code MEAN} divides by the summed weights of the others. Label
 * smoothing mixes in a uniform distribution with weight {@code labelSmoothing}. The log-softmax
 * is one stable op ({@link LogSoftmax}), followed by {@link NLLLoss}.
 */
public final class CrossEntropyLoss extends Loss {
    private final Tensor weight;
    private final long ignoreIndex;
    private final double labelSmoothing;

    public CrossEntropyLoss() { this(null, NLLLoss.DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0.0); }

    public CrossEntropyLoss(Reduction reduction) { this(null, NLLLoss.DEFAULT_IGNORE_INDEX, reduction, 0.0); }

    /** {@code weight} (one per class) may be null. */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, Reduction reduction, double labelSmoothing) {
        super(reduction);
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return crossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, NLLLoss.DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0.0);
    }

    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex,
                                      Reduction reduction, double labelSmoothing) {
        if (!(labelSmoothing >= 0.0 && labelSmoothing <= 1.0)) {
            throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0. Got: " + labelSmoothing);
        }
        if (DeviceFunctional.onDevice(input, target, weight)) {
            return onDevice(input, target, weight, ignoreIndex, reduction, labelSmoothing);
        }
        int classDim = input.dim() == 1 ? 0 : 1;
        if (input.dim() >= 1 && input.shape().equals(target.shape())) {
            return probabilityTarget(input, target, weight, reduction, labelSmoothing, classDim);
        }
        Tensor logp = LogSoftmax.apply(input, classDim);
        Tensor nll = NLLLoss.nllLoss(logp, target, weight, ignoreIndex, reduction);
        if (labelSmoothing == 0) return nll;
        int classes = input.size(classDim);
        Tensor smooth = (weight == null ? logp : logp.mul(broadcastable(weight, input.dim(), classDim)))
                .sum(classDim).neg();
        Tensor ignored = target.eq((double) ignoreIndex);
        smooth = Torch.where(ignored, Tensor.zerosLike(smooth), smooth);
        Tensor ret = switch (reduction) {
            case NONE -> smooth;
            case SUM -> smooth.sum();
            // Normalised like the NLL term: by the (weighted) count of non-ignored targets.
            case MEAN -> smooth.sum().div(keptWeight(target, weight, ignoreIndex, input));
        };
        return nll.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / classes));
    }

    /**
     * Class ids against [N, C] logits on a device, summed or averaged: the library's fused kernel. The other
     * forms (class weights, label smoothing, no reduction, probability targets, an ignore_index that is a class)
     * are not implemented on devices yet and say so.
     */
    private static Tensor onDevice(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction,
                                   double labelSmoothing) {
        boolean fused = weight == null && labelSmoothing == 0 && reduction != Reduction.NONE && input.dim() == 2
                && target.dim() == 1 && !(ignoreIndex >= 0 && ignoreIndex < input.size(1));
        if (!fused) {
            throw DeviceFunctional.unsupported("cross_entropy with class weights, label smoothing, reduction NONE, "
                    + "probability targets, more than 2 dims or an ignore_index inside the classes", input.device());
        }
        return DeviceFunctional.crossEntropy(input, target, reduction == Reduction.MEAN);
    }

    /** Soft targets: {@code -sum(target * log_softmax(input))}, mean over the non-class positions. */
    private static Tensor probabilityTarget(Tensor input, Tensor target, Tensor weight, Reduction reduction,
                                            double labelSmoothing, int classDim) {
        if (!target.isFloatingPoint()) {
            throw new IllegalArgumentException("Expected floating point type for target with class probabilities, got "
                    + target.dtype().scalarTypeName());
        }
        int classes = input.size(classDim);
        if (weight != null && (weight.dim() != 1 || weight.numel() != classes)) {
            throw new IllegalArgumentException("cross_entropy: weight tensor should be defined either for all "
                    + classes + " classes or no classes but got weight tensor of shape: " + sizes(weight));
        }
        Tensor logp = LogSoftmax.apply(input, classDim);
        Tensor t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
        Tensor terms = logp.mul(t);
        if (weight != null) terms = terms.mul(broadcastable(weight, input.dim(), classDim));
        return switch (reduction) {
            case NONE -> terms.sum(classDim).neg();
            case SUM -> terms.sum().neg();
            case MEAN -> terms.sum().neg().div((double) (input.numel() / classes));
        };
    }

    /** The per-class weight shaped {@code [1, C, 1, ...]} to broadcast against the input. */
    private static Tensor broadcastable(Tensor weight, int dims, int classDim) {
        int[] shape = new int[dims];
        java.util.Arrays.fill(shape, 1);
        shape[classDim] = weight.numel();
        return weight.reshape(shape);
    }

    /** Sum of the class weights (1 without weights) of the non-ignored targets: the mean's divisor. */
    private static Tensor keptWeight(Tensor target, Tensor weight, long ignoreIndex, Tensor input) {
        long[] t = target.toLongArray();
        double[] w = weight == null ? null : weight.toDoubleArray();
        double sum = 0;
        for (long c : t) if (c != ignoreIndex) sum += w == null ? 1 : w[(int) c];
        return Torch.full(new int[0], sum, input.dtype());
    }
}
