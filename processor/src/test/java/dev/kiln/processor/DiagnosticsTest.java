package dev.kiln.processor;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One negative compile per diagnostic: the exact message (code and the values at fault), the file and
 * the line of the annotated element. Body line k of a source is file line k + 2 (see {@link Sources}).
 */
class DiagnosticsTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                c(Diagnostic.SHAPE_MISMATCH, "fc2 expects 128 input features but fc1 produces 64", 3,
                        "@Model(input = @Shape(20)) abstract class M {",
                        "  @Linear(64) @ReLU Layer fc1;",
                        "  @Linear(value = 10, inFeatures = 128) Layer fc2;",
                        "}"),
                c(Diagnostic.KERNEL_TOO_LARGE, "conv: kernel 5x5 is larger than its padded input 4x4", 2,
                        "@Model(input = @Shape({1, 4, 4})) abstract class M {",
                        "  @Conv2d(value = 8, kernelSize = 5) Layer conv;",
                        "}"),
                c(Diagnostic.POOL_TOO_SMALL, "p2: MaxPool2d with kernel 2x2 on a 1x1 input gives 0x0, below 1x1", 3,
                        "@Model(input = @Shape({1, 3, 3})) abstract class M {",
                        "  @MaxPool2d(2) Layer p1;",
                        "  @MaxPool2d(2) Layer p2;",
                        "}"),
                c(Diagnostic.BLOCK_CYCLE, "inner uses block B, which leads back to M: M -> B -> M", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Block(B.class) Layer inner;",
                        "}",
                        "@Model(input = @Shape(4)) abstract class B {",
                        "  @Block(M.class) Layer outer;",
                        "}"),
                c(Diagnostic.UNKNOWN_ANNOTATION, "fc1 carries @Swish, which is no Kiln layer, activation or initialiser", 3,
                        "@interface Swish {}",
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) @Swish Layer fc1;",
                        "}"),
                // A name javac cannot find (it reports "cannot find symbol" too) that is close to a Kiln annotation.
                c(Diagnostic.MISSPELLED, "fc1 carries @Relu, which is no Kiln annotation: did you mean @ReLU?", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(8) @Relu Layer fc1;",
                        "  @Linear(4) Layer out;",
                        "}"),
                c(Diagnostic.MISSPELLED, "fc carries @Init.Zeroes, which is no Kiln annotation: did you mean @Init.Zeros?", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(8) @Init.Zeroes Layer fc;",
                        "}"),
                // An annotation of the user's that is close to a Kiln one.
                c(Diagnostic.MISSPELLED, "fc carries @Tahn, which is no Kiln annotation: did you mean @Tanh?", 3,
                        "@interface Tahn {}",
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(8) @Tahn Layer fc;",
                        "}"),
                c(Diagnostic.STATIC_LAYER, "out is static, but each model instance has its own layers: remove static", 3,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(8) @ReLU Layer fc;",
                        "  @Linear(4) static Layer out;",
                        "}"),
                c(Diagnostic.TWO_LAYERS, "fc carries both @Linear and @Dropout; declare one layer per field", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) @Dropout Layer fc;",
                        "}"),
                c(Diagnostic.TWO_ACTIVATIONS, "fc carries both @ReLU and @Tanh; one activation follows a layer", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) @ReLU @Tanh Layer fc;",
                        "}"),
                c(Diagnostic.TWO_INITS, "fc carries both @Init.XavierUniform and @Init.Zeros; choose one initialiser", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) @Init.XavierUniform @Init.Zeros Layer fc;",
                        "}"),
                c(Diagnostic.MISSING_LAYER, "fc is a Layer field without a layer or activation annotation", 3,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) Layer ok;",
                        "  Layer fc;",
                        "}"),
                c(Diagnostic.NOT_A_LAYER, "fc carries @Linear but its type is java.lang.Object, not dev.kiln.annotations.Layer", 3,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) Layer ok;",
                        "  @Linear(4) Object fc;",
                        "}"),
                c(Diagnostic.BAD_VALUE, "drop: p must be in [0, 1) but is 1.5", 3,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) Layer fc;",
                        "  @Dropout(p = 1.5) Layer drop;",
                        "}"),
                c(Diagnostic.RANK_MISMATCH, "conv needs an input of [N, C, H, W] but input produces [N, 20]", 2,
                        "@Model(input = @Shape(20)) abstract class M {",
                        "  @Conv2d(value = 4, kernelSize = 3) Layer conv;",
                        "}"),
                c(Diagnostic.SYMBOLIC_FEATURES, "fc needs a fixed size in dimension 1 but input produces [N, T]", 2,
                        "@Model(input = @Shape(value = {}, symbolic = \"T\")) abstract class M {",
                        "  @Linear(4) Layer fc;",
                        "}"),
                c(Diagnostic.BAD_DIM, "flat: dim 0 is out of range for input [N, 4]", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Flatten(startDim = 0) Layer flat;",
                        "}"),
                c(Diagnostic.NOT_A_MODEL, "b: @Block(String.class) names a class without @Model", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Block(String.class) Layer b;",
                        "}"),
                c(Diagnostic.BLOCK_INPUT, "enc expects input [N, 8] (the @Model input of Enc) but fc produces [N, 16]", 3,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(16) Layer fc;",
                        "  @Block(Enc.class) Layer enc;",
                        "}",
                        "@Model(input = @Shape(8)) abstract class Enc {",
                        "  @Linear(2) Layer fc;",
                        "}"),
                c(Diagnostic.RESIDUAL_SHAPE, "fc: a residual connection needs its output [N, 8] to equal its input [N, 4]", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(8) @Residual Layer fc;",
                        "}"),
                c(Diagnostic.REPEAT_WITHOUT_BLOCK, "fc: @Repeat repeats a @Block, but this field has @Linear", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) @Repeat(2) Layer fc;",
                        "}"),
                c(Diagnostic.INIT_WITHOUT_WEIGHT, "d: @Init.Zeros initialises a weight but @Dropout has none", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Dropout @Init.Zeros Layer d;",
                        "}"),
                c(Diagnostic.UNKNOWN_INPUT, "fc: @From names 'adj', which is neither the model input, an @Input nor a layer declared before it", 2,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) @From(\"adj\") Layer fc;",
                        "  @Input(@Shape(4)) Layer adj;",
                        "}"),
                c(Diagnostic.ARITY, "fc2: Linear takes 1 input(s) but @From names 2", 4,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Input(@Shape(4)) Layer adj;",
                        "  @Linear(4) Layer fc1;",
                        "  @Linear(4) @From({\"fc1\", \"adj\"}) Layer fc2;",
                        "}"),
                // A two-input layer: the columns of the first source must be the rows of the second.
                c(Diagnostic.SHAPE_MISMATCH, "mm expects 4 input rows but input produces 3", 3,
                        "@Model(input = @Shape({3, 2})) abstract class M {",
                        "  @Input(@Shape({5, 4})) Layer adj;",
                        "  @MatMul @From({\"adj\", \"input\"}) Layer mm;",
                        "}"),
                c(Diagnostic.ARITY, "mm: matmul takes 2 input(s) but @From names 1", 2,
                        "@Model(input = @Shape({3, 3})) abstract class M {",
                        "  @MatMul Layer mm;",
                        "}"),
                c(Diagnostic.NO_LAYERS, "M declares no Layer fields", 1,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "}"),
                // A sequence model is planned per step, so a softmax across the steps is refused.
                c(Diagnostic.NOT_GENERATED, "M validates, but code generation for Softmax(dim=1) in a sequence model (only over the last "
                                + "dimension) is not implemented yet, so no KilnM is written", 1,
                        "@Model(input = @Shape(value = 8, symbolic = \"T\")) abstract class M {",
                        "  @Linear(4) @Softmax(dim = 1) Layer fc;",
                        "}"),
                // Only the last dimension is generated; another would silently normalise the wrong one.
                c(Diagnostic.NOT_GENERATED, "M validates, but code generation for Softmax(dim=1) over [N, 5, 3] (only over the last "
                                + "dimension) is not implemented yet, so no KilnM is written", 1,
                        "@Model(input = @Shape({5, 3})) abstract class M {",
                        "  @Softmax(dim = 1) Layer sm;",
                        "}"),
                c(Diagnostic.NOT_GENERATED, "M validates, but code generation for Embedding emb over a computed value or an @Input (token "
                                + "indices come from the model input) is not implemented yet, so no KilnM is written", 1,
                        "@Model(input = @Shape(4)) abstract class M {",
                        "  @Linear(4) Layer fc;",
                        "  @Embedding(numEmbeddings = 10, embeddingDim = 3) Layer emb;",
                        "}"),
                c(Diagnostic.BAD_VALUE, "emb: paddingIdx must be in [-10, 10) but is 10", 2,
                        "@Model(input = @Shape(value = {}, symbolic = \"T\")) abstract class M {",
                        "  @Embedding(numEmbeddings = 10, embeddingDim = 3, paddingIdx = 10) Layer emb;",
                        "}"));
    }

    private static Arguments c(Diagnostic d, String message, int bodyLine, String... body) {
        return Arguments.of(d, message, bodyLine, body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsDiagnosticOnTheElement(Diagnostic d, String message, int bodyLine, String[] body) {
        JavaFileObject source = Sources.model("test.M", body);
        Compilation c = Sources.compile(source);
        assertThat(c).failed();
        assertThat(c).hadErrorContaining("[Kiln/" + d.code() + "] " + message).inFile(source).onLine(bodyLine + Sources.HEADER_LINES);
    }

    @Test
    void everyDiagnosticButInternalHasANegativeTest() {
        Set<Diagnostic> tested = cases().map(a -> (Diagnostic) a.get()[0]).collect(Collectors.toCollection(() -> EnumSet.noneOf(Diagnostic.class)));
        Set<Diagnostic> missing = EnumSet.complementOf(EnumSet.copyOf(tested));
        missing.remove(Diagnostic.INTERNAL);
        assertTrue(missing.isEmpty(), "diagnostics without a negative test: " + missing);
    }

    @Test
    void reportsSeveralProblemsInOneCompile() {
        JavaFileObject source = Sources.model("test.M",
                "@Model(input = @Shape(4)) abstract class M {",
                "  @Linear(0) Layer fc1;",
                "  @Dropout(p = -1) Layer drop;",
                "  @Linear(4) @ReLU @Tanh Layer fc2;",
                "}");
        Compilation c = Sources.compile(source);
        assertThat(c).failed();
        assertEquals(3, c.errors().size(), () -> c.errors().toString());
        assertThat(c).hadErrorContaining("[Kiln/BadValue] fc1: value (out_features) must be positive but is 0").inFile(source).onLine(4);
        assertThat(c).hadErrorContaining("[Kiln/BadValue] drop: p must be in [0, 1) but is -1.0").inFile(source).onLine(5);
        assertThat(c).hadErrorContaining("[Kiln/TwoActivations]").inFile(source).onLine(6);
    }

    @Test
    void aMisspeltAnnotationGivesOneKilnErrorPerFieldAndNoFollowOnErrors() {
        JavaFileObject source = Sources.model("test.M",
                "@Model(input = @Shape(4)) abstract class M {",
                "  @Linear(8) @Relu Layer fc1;",
                "  @linear(4) Layer out;",
                "}");
        Compilation c = Sources.compile(source);
        assertThat(c).failed();
        assertThat(c).hadErrorContaining("[Kiln/Misspelled] fc1 carries @Relu, which is no Kiln annotation: did you mean @ReLU?")
                .inFile(source).onLine(4);
        assertThat(c).hadErrorContaining("[Kiln/Misspelled] out carries @linear, which is no Kiln annotation: did you mean @Linear?")
                .inFile(source).onLine(5);
        // javac's own "cannot find symbol" for each name, and nothing else: no "declares no Layer fields", no "without a layer".
        assertEquals(4, c.errors().size(), () -> c.errors().toString());
        assertEquals(2, c.errors().stream().filter(e -> e.getMessage(null).startsWith("cannot find symbol")).count(),
                () -> c.errors().toString());
    }

    @Test
    void anUnknownNameFarFromEveryKilnAnnotationIsLeftToJavac() {
        JavaFileObject source = Sources.model("test.M",
                "@Model(input = @Shape(4)) abstract class M {",
                "  @Linear(8) @Swish Layer fc1;",
                "}");
        Compilation c = Sources.compile(source);
        assertThat(c).failed();
        assertEquals(1, c.errors().size(), () -> c.errors().toString());
        assertThat(c).hadErrorContaining("cannot find symbol").inFile(source).onLine(4);
    }

    @Test
    void anUnknownFieldTypeIsLeftToJavac() {
        JavaFileObject source = Sources.model("test.M",
                "@Model(input = @Shape(4)) abstract class M {",
                "  @Linear(8) Layr fc1;",
                "}");
        Compilation c = Sources.compile(source);
        assertThat(c).failed();
        assertEquals(1, c.errors().size(), () -> c.errors().toString());
        assertThat(c).hadErrorContaining("cannot find symbol").inFile(source).onLine(4);
    }

    @Test
    void suggestionsAreOnlyForCloseNames() {
        assertEquals(java.util.Optional.of("ReLU"), dev.kiln.processor.validation.SuggestionsProbe.closest("RELU"));
        assertEquals(java.util.Optional.of("Conv2d"), dev.kiln.processor.validation.SuggestionsProbe.closest("Conv2D"));
        assertEquals(java.util.Optional.of("Linear"), dev.kiln.processor.validation.SuggestionsProbe.closest("Lienar"));
        assertEquals(java.util.Optional.of("Init.XavierUniform"), dev.kiln.processor.validation.SuggestionsProbe.closest("XavierUniform"));
        assertEquals(java.util.Optional.empty(), dev.kiln.processor.validation.SuggestionsProbe.closest("Swish"));
        assertEquals(java.util.Optional.empty(), dev.kiln.processor.validation.SuggestionsProbe.closest("Dense"));
    }

    @Test
    void codesAreUnique() {
        long distinct = Arrays.stream(Diagnostic.values()).map(Diagnostic::code).distinct().count();
        assertEquals(Diagnostic.values().length, distinct);
    }
}
