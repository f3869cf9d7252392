package dev.kiln.processor;

/**
 * Every message the model compiler can print, each with a stable code: tests and users match on
 * {@code [Kiln/Code]}, so a code never changes meaning once released. Arguments fill the format.
 */
public enum Diagnostic {
    NO_LAYERS("NoLayers", "%s declares no Layer fields"),
    NOT_A_LAYER("NotALayer", "%s carries @%s but its type is %s, not dev.kiln.annotations.Layer"),
    MISSING_LAYER("MissingLayer", "%s is a Layer field without a layer or activation annotation"),
    TWO_LAYERS("TwoLayers", "%s carries both @%s and @%s; declare one layer per field"),
    TWO_ACTIVATIONS("TwoActivations", "%s carries both @%s and @%s; one activation follows a layer"),
    TWO_INITS("TwoInits", "%s carries both @%s and @%s; choose one initialiser"),
    UNKNOWN_ANNOTATION("UnknownAnnotation", "%s carries @%s, which is no Kiln layer, activation or initialiser"),
    MISSPELLED("Misspelled", "%s carries @%s, which is no Kiln annotation: did you mean @%s?"),
    STATIC_LAYER("StaticLayer", "%s is static, but each model instance has its own layers: remove static"),
    BAD_VALUE("BadValue", "%s: %s must be %s but is %s"),
    SHAPE_MISMATCH("ShapeMismatch", "%s expects %d input %s but %s produces %d"),
    RANK_MISMATCH("RankMismatch", "%s needs an input of %s but %s produces %s"),
    SYMBOLIC_FEATURES("SymbolicFeatures", "%s needs a fixed size in dimension %d but %s produces %s"),
    KERNEL_TOO_LARGE("KernelTooLarge", "%s: kernel %dx%d is larger than its padded input %dx%d"),
    POOL_TOO_SMALL("PoolTooSmall", "%s: %s with kernel %dx%d on a %dx%d input gives %dx%d, below 1x1"),
    BAD_DIM("BadDim", "%s: dim %d is out of range for input %s"),
    BLOCK_CYCLE("BlockCycle", "%s uses block %s, which leads back to %s: %s"),
    NOT_A_MODEL("NotAModel", "%s: @Block(%s) names a class without @Model"),
    BLOCK_INPUT("BlockInput", "%s expects input %s (the @Model input of %s) but %s produces %s"),
    RESIDUAL_SHAPE("ResidualShape", "%s: a residual connection needs its output %s to equal its input %s"),
    REPEAT_WITHOUT_BLOCK("RepeatWithoutBlock", "%s: @Repeat repeats a @Block, but this field has @%s"),
    INIT_WITHOUT_WEIGHT("InitWithoutWeight", "%s: @%s initialises a weight but @%s has none"),
    UNKNOWN_INPUT("UnknownInput", "%s: @From names '%s', which is neither the model input, an @Input nor a layer declared before it"),
    ARITY("Arity", "%s: %s takes %d input(s) but @From names %d"),
    NOT_GENERATED("NotGenerated", "%s validates, but code generation for %s is not implemented yet, so no %s is written"),
    INTERNAL("Internal", "Kiln could not compile %s: %s");

    private final String code;
    private final String format;

    Diagnostic(String code, String format) {
        this.code = code;
        this.format = format;
    }

    public String code() { return code; }

    /** The full message: {@code [Kiln/Code] } followed by the formatted text. */
    public String format(Object... args) { return "[Kiln/" + code + "] " + String.format(java.util.Locale.ROOT, format, args); }
}
