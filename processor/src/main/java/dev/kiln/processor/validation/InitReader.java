package dev.kiln.processor.validation;

import dev.kiln.processor.model.InitSpec;
import dev.kiln.processor.model.InitSpec.Kind;

/** Reads an {@code @Init.*} annotation into an {@link InitSpec}. */
final class InitReader {
    private InitReader() {}

    static InitSpec read(String simpleName, AnnotationValues v) {
        return switch (simpleName) {
            case "XavierUniform" -> new InitSpec(Kind.XAVIER_UNIFORM, v.real("gain"), 0, false);
            case "XavierNormal" -> new InitSpec(Kind.XAVIER_NORMAL, v.real("gain"), 0, false);
            case "KaimingUniform" -> new InitSpec(Kind.KAIMING_UNIFORM, v.real("a"), 0, v.bool("fanOut"));
            case "KaimingNormal" -> new InitSpec(Kind.KAIMING_NORMAL, v.real("a"), 0, v.bool("fanOut"));
            case "Normal" -> new InitSpec(Kind.NORMAL, v.real("mean"), v.real("std"), false);
            case "Uniform" -> new InitSpec(Kind.UNIFORM, v.real("a"), v.real("b"), false);
            case "Zeros" -> new InitSpec(Kind.ZEROS, 0, 0, false);
            default -> throw new IllegalArgumentException("not an initialiser: " + simpleName);
        };
    }
}
