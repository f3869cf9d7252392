package dev.kiln.processor;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.api.Test;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which models get the nn.Sequential key form, and its numbering of nested and repeated blocks. */
class SequentialKeysTest {
    private static String generated(String name, String... body) {
        Compilation c = Sources.compile(Sources.model("seq." + name, body));
        assertThat(c).succeeded();
        try {
            return c.generatedSourceFile("seq.Kiln" + name).orElseThrow().getCharContent(true).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void repeatedBlocksNestOneSequentialPerRepetition() {
        String src = generated("Chain",
                "@Model(input = @Shape(4)) public abstract class Chain {",
                "  @Linear(5) @Tanh Layer fc;",
                "  @Block(Inner.class) @Repeat(2) Layer cells;",
                "  @Block(Inner.class) @ReLU Layer once;",
                "  @Linear(2) Layer out;",
                "}",
                "@Model(input = @Shape(5)) abstract class Inner {",
                "  @Dropout(p = 0.1) Layer drop;",
                "  @Linear(5) @Sigmoid Layer fc;",
                "}");
        assertTrue(src.contains("SEQUENTIAL_KEYS = {\"0.weight\", \"0.bias\", \"2.0.1.weight\", \"2.0.1.bias\", \"2.1.1.weight\", "
                + "\"2.1.1.bias\", \"3.1.weight\", \"3.1.bias\", \"5.weight\", \"5.bias\"}"), src);
        assertTrue(src.contains("0 fc, 1 Tanh, 2 cells [2 x [0 drop, 1 fc, 2 Sigmoid]], 3 once [0 drop, 1 fc, 2 Sigmoid], 4 ReLU, 5 out"), src);
    }

    @Test
    void aResidualInsideABlockKeepsFieldKeysOnly() {
        String src = generated("Skip",
                "@Model(input = @Shape(4)) public abstract class Skip {",
                "  @Block(Body.class) Layer body;",
                "}",
                "@Model(input = @Shape(4)) abstract class Body {",
                "  @Linear(4) @Residual Layer fc;",
                "}");
        assertFalse(src.contains("sequentialStateDict"), src);
        assertTrue(src.contains("a Sequential cannot express\n * a {@code @Residual} skip connection."), src);
    }

    @Test
    void anEarlierOutputKeepsFieldKeysOnly() {
        String src = generated("Early",
                "@Model(input = @Shape(4)) public abstract class Early {",
                "  @Linear(3) @Output Layer fc;",
                "  @Linear(2) Layer head;",
                "}");
        assertFalse(src.contains("sequentialStateDict"), src);
        assertTrue(src.contains("an {@code @Output} before the last layer"), src);
    }
}
