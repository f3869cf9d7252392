package dev.kiln.processor;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated source of a few models, compared with committed golden files. After an intended change
 * to the writers, refresh them with
 * {@code ./mvnw -pl processor -am test -Dtest=GoldenSourceTest -Dkiln.golden.update=true -Dsurefire.failIfNoSpecifiedTests=false}
 * and review the diff.
 */
class GoldenSourceTest {
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("KilnPhonePrice", new String[] {
                        "@Model(input = @Shape(20)) public abstract class PhonePrice {",
                        "  @Linear(128) @ReLU Layer fc1;",
                        "  @Linear(256) @ReLU Layer fc2;",
                        "  @Linear(4) Layer out;",
                        "}"}),
                Arguments.of("KilnResidualNet", new String[] {
                        "@Model(input = @Shape({2, 3})) public abstract class ResidualNet {",
                        "  @Flatten Layer flat;",
                        "  @Linear(16) @Init.XavierUniform Layer fc1;",
                        "  @BatchNorm @GELU Layer bn1;",
                        "  @Dropout(p = 0.25) Layer drop;",
                        "  @Block(Cell.class) @Repeat(2) @Residual Layer cells;",
                        "  @Linear(3) @LogSoftmax Layer out;",
                        "}",
                        "@Model(input = @Shape(16)) abstract class Cell {",
                        "  @Linear(16) @LeakyReLU(negativeSlope = 0.1) Layer fc;",
                        "  @Sigmoid Layer gate;",
                        "}"}),
                Arguments.of("KilnSmallCnn", new String[] {
                        "@Model(input = @Shape({1, 8, 8})) public abstract class SmallCnn {",
                        "  @Conv2d(value = 4, kernelSize = 3, padding = 1) @ReLU Layer conv;",
                        "  @MaxPool2d(2) Layer pool;",
                        "  @Conv2d(value = 6, kernelSize = 3, bias = false) Layer conv2;",
                        "  @AvgPool2d(value = 2, ceilMode = true) Layer avg;",
                        "  @Flatten Layer flat;",
                        "  @Linear(3) Layer fc;",
                        "}"}),
                Arguments.of("KilnTokenTagger", new String[] {
                        "@Model(input = @Shape(value = {}, symbolic = \"T\")) public abstract class TokenTagger {",
                        "  @Embedding(numEmbeddings = 50, embeddingDim = 16, paddingIdx = 0) Layer emb;",
                        "  @LayerNorm Layer norm;",
                        "  @Linear(32) @GELU Layer fc;",
                        "  @Linear(5) Layer out;",
                        "}"}),
                Arguments.of("KilnGraphNet", new String[] {
                        "@Model(input = @Shape({4, 3})) public abstract class GraphNet {",
                        "  @Input(@Shape({4, 4})) Layer adj;",
                        "  @MatMul @From({\"adj\", \"input\"}) Layer agg;",
                        "  @Linear(2) @ReLU @Output Layer gc;",
                        "  @Flatten Layer flat;",
                        "  @Linear(1) @Output Layer head;",
                        "}"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void generatedSourceMatchesGolden(String generated, String[] body) throws IOException {
        String modelName = generated.substring("Kiln".length());
        JavaFileObject source = Sources.model("golden." + modelName, body);
        Compilation c = Sources.compile(source);
        assertThat(c).succeeded();
        String actual = c.generatedSourceFile("golden." + generated).orElseThrow().getCharContent(true).toString();
        Path golden = Path.of(System.getProperty("kiln.golden.dir", "src/test/resources/golden"), generated + ".java.txt");
        if (Boolean.getBoolean("kiln.golden.update")) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(Files.exists(golden), "no golden file " + golden + "; create it with -Dkiln.golden.update=true");
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual,
                "generated source changed; review and refresh with -Dkiln.golden.update=true");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void generationIsDeterministic(String generated, String[] body) throws IOException {
        String modelName = generated.substring("Kiln".length());
        String first = Sources.compile(Sources.model("golden." + modelName, body)).generatedSourceFile("golden." + generated)
                .orElseThrow().getCharContent(true).toString();
        String second = Sources.compile(Sources.model("golden." + modelName, body)).generatedSourceFile("golden." + generated)
                .orElseThrow().getCharContent(true).toString();
        assertEquals(first, second);
    }
}
