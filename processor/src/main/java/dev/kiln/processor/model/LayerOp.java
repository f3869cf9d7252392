package dev.kiln.processor.model;

import java.util.List;
import java.util.OptionalInt;
import javax.lang.model.element.TypeElement;

/** What one layer field computes, read from its annotation; one record per layer kind. */
public sealed interface LayerOp {
    /** The PyTorch module name, for messages and the generated summary. */
    String torchName();

    record Linear(int outFeatures, boolean bias, OptionalInt inFeatures) implements LayerOp {
        public String torchName() { return "Linear"; }
    }

    record Conv2d(int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  OptionalInt inChannels) implements LayerOp {
        public String torchName() { return "Conv2d"; }
    }

    record Pool2d(boolean max, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode,
                  boolean countIncludePad) implements LayerOp {
        public String torchName() { return max ? "MaxPool2d" : "AvgPool2d"; }
    }

    record Flatten(int startDim, int endDim) implements LayerOp {
        public String torchName() { return "Flatten"; }
    }

    /** Per-sample matrix product of its two {@code @From} sources. */
    record MatMul() implements LayerOp {
        public String torchName() { return "matmul"; }
    }

    record Dropout(double p) implements LayerOp {
        public String torchName() { return "Dropout"; }
    }

    record BatchNorm(double eps, double momentum, boolean affine, boolean trackRunningStats, OptionalInt numFeatures)
            implements LayerOp {
        public String torchName() { return "BatchNorm"; }
    }

    record LayerNorm(List<Integer> normalizedShape, double eps, boolean elementwiseAffine) implements LayerOp {
        public String torchName() { return "LayerNorm"; }
    }

    /** {@code paddingIdx} is already wrapped into {@code [0, numEmbeddings)}. */
    record Embedding(int numEmbeddings, int embeddingDim, OptionalInt paddingIdx) implements LayerOp {
        public String torchName() { return "Embedding"; }
    }

    /** {@code param} is LeakyReLU's slope or GELU's tanh switch (1); {@code dim} is Softmax's. */
    record Activation(ActivationKind kind, double param, int dim) implements LayerOp {
        public String torchName() { return kind.torchName(); }
    }

    record Block(TypeElement model, int repeat) implements LayerOp {
        public String torchName() { return model.getSimpleName().toString(); }
    }

    /** An {@code @Input} field: a second named input of the model, not a computation. */
    record Input(TensorShape shape) implements LayerOp {
        public String torchName() { return "Input"; }
    }
}
