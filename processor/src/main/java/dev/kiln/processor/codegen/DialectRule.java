package dev.kiln.processor.codegen;

import dev.kiln.processor.fuse.Step;
import dev.kiln.processor.model.Primitive;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A primitive-table rule in Kiln's kernel dialect (see the runtime's {@code KernelDialect}): the same expression the
 * Java writers place in loops, with Java's math calls swapped for the dialect's macros. There is no second copy of
 * any derivative: a rule this class cannot translate is an error, never a guess.
 */
final class DialectRule {
    private DialectRule() {}

    /** Java spellings in the table's rules and their dialect forms, applied in order. */
    private static final Map<String, String> CALLS = new LinkedHashMap<>();

    static {
        CALLS.put("(float) Math.exp(", "EXPF(");
        CALLS.put("(float) Math.tanh(", "TANHF(");
        CALLS.put("Math.max(", "FMAXF(");
        // GELU's rules call GeluMath; the dialect has the same functions in GELU_FUNCTIONS.
        CALLS.put("$gelu:T.geluTanhGrad(", "kiln_gelu_tanh_grad(");
        CALLS.put("$gelu:T.geluTanh(", "kiln_gelu_tanh(");
        CALLS.put("$gelu:T.geluGrad(", "kiln_gelu_grad(");
        CALLS.put("$gelu:T.gelu(", "kiln_gelu(");
    }

    /** Java float literals without a point ({@code 0f}, {@code 1f}) are not C: C wants {@code 0.0f}. */
    private static final Pattern INT_FLOAT = Pattern.compile("(?<![\\w.])(\\d+)f\\b");

    /** Leftovers that mean the rule has a Java-only construct the dialect lacks. */
    private static final Pattern JAVA_ONLY = Pattern.compile("Math\\.|\\(float\\)|\\$(?!slope:L)|\\bnew\\b|::");

    /** GeluMath's functions in the dialect, for programs whose rules call them. */
    static final String GELU_FUNCTIONS = """
            DEVICE_FN float kiln_gelu(float x) { return 0.5f * x * (1.0f + ERFF(x * 0.70710678f)); }
            DEVICE_FN float kiln_gelu_grad(float x) {
                return 0.5f * (1.0f + ERFF(x * 0.70710678f)) + x * 0.39894228f * EXPF(-0.5f * x * x);
            }
            DEVICE_FN float kiln_gelu_tanh(float x) {
                return 0.5f * x * (1.0f + TANHF(0.79788456f * (x + 0.044715f * x * x * x)));
            }
            DEVICE_FN float kiln_gelu_tanh_grad(float x) {
                float th = TANHF(0.79788456f * (x + 0.044715f * x * x * x));
                return 0.5f * (1.0f + th) + 0.5f * x * (1.0f - th * th) * 0.79788456f * (1.0f + 0.134145f * x * x);
            }
            """;

    /** The dialect form of {@code rule} (a Java expression from {@link Primitive}) for activation {@code a}. */
    static String of(String rule, Step.Activation a) {
        String s = rule;
        for (Map.Entry<String, String> e : CALLS.entrySet()) s = s.replace(e.getKey(), e.getValue());
        if (JAVA_ONLY.matcher(s).find()) {
            throw new IllegalStateException("the primitive rule '" + rule + "' has no kernel-dialect form: add its Java "
                    + "calls to DialectRule.CALLS");
        }
        s = s.replace("$slope:Lf", Float.toString((float) a.slope()) + "f");
        return INT_FLOAT.matcher(s).replaceAll("$1.0f");
    }

    /** Whether {@code rule} needs {@link #GELU_FUNCTIONS}. */
    static boolean callsGelu(String rule) { return rule.contains("$gelu:T"); }
}
