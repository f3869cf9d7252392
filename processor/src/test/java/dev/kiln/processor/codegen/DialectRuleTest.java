package dev.kiln.processor.codegen;

import dev.kiln.processor.fuse.Step;
import dev.kiln.processor.model.ActivationKind;
import dev.kiln.processor.model.Primitive;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every element-wise rule of the primitive table has a kernel-dialect form, derived from the Java rule itself. */
class DialectRuleTest {
    private static final Step.Activation PLAIN = new Step.Activation(ActivationKind.RELU, false, 0);

    @Test
    void everyElementwiseRuleTranslates() {
        for (Primitive p : List.of(Primitive.RELU, Primitive.SIGMOID, Primitive.TANH, Primitive.LEAKY_RELU, Primitive.GELU,
                Primitive.GELU_TANH, Primitive.DROPOUT, Primitive.RESIDUAL)) {
            Step.Activation a = new Step.Activation(ActivationKind.LEAKY_RELU, false, 0.01);
            for (String rule : List.of(p.forward, p.backward)) {
                String c = DialectRule.of(rule, a);
                assertFalse(c.contains("Math.") || c.contains("(float)") || c.contains("$"), p + ": " + c);
                assertFalse(c.matches(".*(?<![\\w.])\\d+f\\b.*"), p + " keeps a Java-only float literal: " + c);
            }
        }
    }

    @Test
    void rulesKeepTheirMeaning() {
        assertEquals("FMAXF(x, 0.0f)", DialectRule.of(Primitive.RELU.forward, PLAIN));
        assertEquals("y > 0.0f ? g : 0.0f", DialectRule.of(Primitive.RELU.backward, PLAIN));
        assertEquals("1.0f / (1.0f + EXPF(-x))", DialectRule.of(Primitive.SIGMOID.forward, PLAIN));
        assertEquals("g * (1.0f - y * y)", DialectRule.of(Primitive.TANH.backward, PLAIN));
        assertEquals("x > 0.0f ? x : 0.1f * x",
                DialectRule.of(Primitive.LEAKY_RELU.forward, new Step.Activation(ActivationKind.LEAKY_RELU, false, 0.1)));
        assertEquals("g * kiln_gelu_grad(x)", DialectRule.of(Primitive.GELU.backward, PLAIN));
        assertTrue(DialectRule.callsGelu(Primitive.GELU_TANH.forward));
    }

    @Test
    void aRuleWithAnUnknownJavaCallIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DialectRule.of("(float) Math.log(x)", PLAIN));
        assertTrue(e.getMessage().contains("Math.log"), e.getMessage());
    }
}
