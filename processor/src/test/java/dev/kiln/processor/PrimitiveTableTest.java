package dev.kiln.processor;

import com.google.testing.compile.Compilation;
import dev.kiln.processor.model.ActivationKind;
import dev.kiln.processor.model.Primitive;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The planner asks the primitive table, not a list of its own, which fused activations must keep their input: a
 * Linear whose activation's backward reads x gets a pre-activation buffer, and only those do.
 */
class PrimitiveTableTest {
    @ParameterizedTest
    @EnumSource(value = ActivationKind.class, names = {"RELU", "SIGMOID", "TANH", "LEAKY_RELU", "GELU"})
    void aFusedActivationReadingItsInputGetsItsBuffer(ActivationKind kind) throws IOException {
        String annotation = "@" + kind.torchName();
        for (boolean tanh : kind == ActivationKind.GELU ? new boolean[] {false, true} : new boolean[] {false}) {
            String act = tanh ? "@GELU(tanh = true)" : annotation;
            Compilation c = Sources.compile(Sources.model("t.Net",
                    "@Model(input = @Shape(6)) public abstract class Net {",
                    "  @Linear(8) " + act + " Layer fc;",
                    "  @Linear(2) Layer out;",
                    "}"));
            assertThat(c).succeeded();
            String src = c.generatedSourceFile("t.KilnNet").orElseThrow().getCharContent(true).toString();
            boolean reads = Primitive.of(kind, tanh).backwardUsesInput;
            assertEquals(reads, src.contains("float[] fcPre"), act + ": pre-activation buffer iff the table says the backward reads x");
            // The device kernel keeps the pre-activation where the rule reads x, and reads it back in the backward.
            assertEquals(reads, src.contains("pre[i] = x;"), act + ": device forward keeps x");
            assertEquals(reads, src.contains("float x = src[i], g = delta[i];"), act + ": device backward reads x");
        }
    }
}
