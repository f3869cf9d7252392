package dev.kiln.processor.validation;

import dev.kiln.processor.Diagnostic;
import dev.kiln.processor.Reporter;
import dev.kiln.processor.model.ActivationKind;
import dev.kiln.processor.model.LayerOp;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import javax.lang.model.element.VariableElement;

/**
 * Turns one layer or activation annotation into its {@link LayerOp}, checking each value against
 * PyTorch's constraints (positive sizes, 0 <= p < 1, ...). A bad value is reported and the op is still
 * returned, so shape inference can find further problems in the same compile.
 */
final class LayerReader {
    private final Reporter reporter;
    private final ShapeReader shapes;

    LayerReader(Reporter reporter, ShapeReader shapes) {
        this.reporter = reporter;
        this.shapes = shapes;
    }

    LayerOp layer(String simpleName, AnnotationValues v, VariableElement field) {
        VariableElement name = field;
        return switch (simpleName) {
            case "Linear" -> new LayerOp.Linear(positive(name, v, "value (out_features)", v.integer("value")), v.bool("bias"),
                    optionalPositive(name, v, "inFeatures", v.ints("inFeatures")));
            case "Conv2d" -> new LayerOp.Conv2d(positive(name, v, "value (out_channels)", v.integer("value")),
                    pair(name, v, "kernelSize", 1), pair(name, v, "stride", 1), pair(name, v, "padding", 0),
                    pair(name, v, "dilation", 1), positive(name, v, "groups", v.integer("groups")), v.bool("bias"),
                    optionalPositive(name, v, "inChannels", v.ints("inChannels")));
            case "MaxPool2d", "AvgPool2d" -> pool(simpleName.equals("MaxPool2d"), field, v);
            case "Flatten" -> new LayerOp.Flatten(v.integer("startDim"), v.integer("endDim"));
            case "MatMul" -> new LayerOp.MatMul();
            case "Dropout" -> {
                double p = v.real("p");
                if (!(p >= 0 && p < 1)) bad(name, v, "p", "in [0, 1)", p);
                yield new LayerOp.Dropout(p);
            }
            case "BatchNorm" -> {
                double eps = v.real("eps"), momentum = v.real("momentum");
                if (!(eps > 0)) bad(name, v, "eps", "positive", eps);
                if (!(momentum > 0 && momentum <= 1)) bad(name, v, "momentum", "in (0, 1]", momentum);
                yield new LayerOp.BatchNorm(eps, momentum, v.bool("affine"), v.bool("trackRunningStats"),
                        optionalPositive(name, v, "numFeatures", v.ints("numFeatures")));
            }
            case "LayerNorm" -> {
                int[] shape = v.ints("normalizedShape");
                for (int s : shape) positive(name, v, "normalizedShape", s);
                double eps = v.real("eps");
                if (!(eps > 0)) bad(name, v, "eps", "positive", eps);
                yield new LayerOp.LayerNorm(IntStream.of(shape).boxed().toList(), eps, v.bool("elementwiseAffine"));
            }
            case "Embedding" -> embedding(name, v);
            case "Block" -> new LayerOp.Block(v.type("value"), 1);
            case "Input" -> new LayerOp.Input(shapes.read(field, v.mirror(), v.annotation("value")));
            default -> throw new IllegalArgumentException("not a layer annotation: " + simpleName);
        };
    }

    LayerOp.Activation activation(String simpleName, AnnotationValues v, VariableElement field) {
        VariableElement name = field;
        return switch (simpleName) {
            case "ReLU" -> new LayerOp.Activation(ActivationKind.RELU, 0, -1);
            case "Sigmoid" -> new LayerOp.Activation(ActivationKind.SIGMOID, 0, -1);
            case "Tanh" -> new LayerOp.Activation(ActivationKind.TANH, 0, -1);
            case "GELU" -> new LayerOp.Activation(ActivationKind.GELU, v.bool("tanh") ? 1 : 0, -1);
            case "LeakyReLU" -> {
                double slope = v.real("negativeSlope");
                // The compiled backward reads the sign of the output, which equals the input's only for slope >= 0.
                if (!(slope >= 0)) bad(name, v, "negativeSlope", ">= 0", slope);
                yield new LayerOp.Activation(ActivationKind.LEAKY_RELU, slope, -1);
            }
            case "Softmax" -> new LayerOp.Activation(ActivationKind.SOFTMAX, 0, v.integer("dim"));
            case "LogSoftmax" -> new LayerOp.Activation(ActivationKind.LOG_SOFTMAX, 0, v.integer("dim"));
            default -> throw new IllegalArgumentException("not an activation: " + simpleName);
        };
    }

    private LayerOp.Pool2d pool(boolean max, VariableElement name, AnnotationValues v) {
        int[] kernel = pair(name, v, "value", 1);
        int[] stride = v.ints("stride").length == 0 ? kernel : pair(name, v, "stride", 1);
        int[] padding = pair(name, v, "padding", 0);
        int[] dilation = max ? pair(name, v, "dilation", 1) : new int[] {1, 1};
        for (int i = 0; i < 2; i++) {
            // PyTorch: "pad should be at most half of effective kernel size".
            if (padding[i] * 2 > kernel[i]) bad(name, v, "padding", "at most half the kernel " + Arrays.toString(kernel),
                    Arrays.toString(padding));
        }
        return new LayerOp.Pool2d(max, kernel, stride, padding, dilation, v.bool("ceilMode"),
                !max && v.bool("countIncludePad"));
    }

    private LayerOp.Embedding embedding(VariableElement name, AnnotationValues v) {
        int num = positive(name, v, "numEmbeddings", v.integer("numEmbeddings"));
        int[] pad = v.ints("paddingIdx");
        OptionalInt padding = OptionalInt.empty();
        if (pad.length > 1) bad(name, v, "paddingIdx", "one number or empty", Arrays.toString(pad));
        else if (pad.length == 1 && (pad[0] >= num || pad[0] < -num)) bad(name, v, "paddingIdx", "in [-" + num + ", " + num + ")", pad[0]);
        else if (pad.length == 1) padding = OptionalInt.of(pad[0] < 0 ? pad[0] + num : pad[0]);
        return new LayerOp.Embedding(num, positive(name, v, "embeddingDim", v.integer("embeddingDim")), padding);
    }

    /** A PyTorch int-or-tuple for height and width: one element stands for both. */
    private int[] pair(VariableElement name, AnnotationValues v, String member, int min) {
        int[] raw = v.ints(member);
        if (raw.length != 1 && raw.length != 2) {
            bad(name, v, member, "one or two numbers", Arrays.toString(raw));
            return new int[] {Math.max(min, 1), Math.max(min, 1)};
        }
        int[] hw = raw.length == 1 ? new int[] {raw[0], raw[0]} : raw;
        for (int x : hw) if (x < min) bad(name, v, member, ">= " + min, Arrays.toString(raw));
        return hw;
    }

    private int positive(VariableElement name, AnnotationValues v, String member, int value) {
        if (value <= 0) bad(name, v, member, "positive", value);
        return value;
    }

    private OptionalInt optionalPositive(VariableElement name, AnnotationValues v, String member, int[] values) {
        if (values.length == 0) return OptionalInt.empty();
        if (values.length > 1) bad(name, v, member, "one number or empty", Arrays.toString(values));
        return OptionalInt.of(positive(name, v, member, values[0]));
    }

    private void bad(VariableElement field, AnnotationValues v, String member, String rule, Object actual) {
        reporter.error(field, v.mirror(), Diagnostic.BAD_VALUE, field.getSimpleName(), member, rule, actual);
    }

    static final List<String> LAYERS = List.of("Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Dropout",
            "BatchNorm", "LayerNorm", "Embedding", "Block", "Input", "MatMul");
    static final List<String> ACTIVATIONS = List.of("ReLU", "Sigmoid", "Tanh", "LeakyReLU", "GELU", "Softmax", "LogSoftmax");
}
