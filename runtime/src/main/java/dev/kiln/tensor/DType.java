package dev.kiln.tensor;

/**
 * Element types, with PyTorch's names and promotion rules.
 *
 * <p>Every dtype is stored in a Java primitive array: float16 and bfloat16 keep their bits in a
 * {@code short[]} and convert on access, so that they round-trip exactly as PyTorch's do; uint8 and
 * int8 share a {@code byte[]} (uint8 reads its bytes unsigned).
 */
public enum DType {
    BOOL("bool", Category.BOOL, 1),
    UINT8("uint8", Category.INTEGRAL, 1),
    INT8("int8", Category.INTEGRAL, 1),
    INT16("int16", Category.INTEGRAL, 2),
    INT32("int32", Category.INTEGRAL, 4),
    INT64("int64", Category.INTEGRAL, 8),
    FLOAT16("float16", Category.FLOATING, 2),
    BFLOAT16("bfloat16", Category.FLOATING, 2),
    FLOAT32("float32", Category.FLOATING, 4),
    FLOAT64("float64", Category.FLOATING, 8);

    /** PyTorch's aliases, for readers who know {@code torch.double} and {@code torch.long}. */
    public static final DType DOUBLE = FLOAT64, FLOAT = FLOAT32, HALF = FLOAT16,
            LONG = INT64, INT = INT32, SHORT = INT16;

    /** Kinds ordered as PyTorch's type promotion orders them: bool < integral < floating. */
    public enum Category { BOOL, INTEGRAL, FLOATING }

    private final String torchName;
    private final Category category;
    private final int byteSize;

    DType(String torchName, Category category, int byteSize) {
        this.torchName = torchName;
        this.category = category;
        this.byteSize = byteSize;
    }

    /** The name without the {@code torch.} prefix, e.g. {@code float32}. */
    public String torchName() { return torchName; }

    /** How PyTorch prints it: {@code torch.float32}. */
    @Override public String toString() { return "torch." + torchName; }

    public Category category() { return category; }

    /** The C++ scalar type name PyTorch prints in dtype errors: {@code Float}, {@code Long}, ... */
    public String scalarTypeName() {
        return switch (this) {
            case FLOAT64 -> "Double";
            case FLOAT32 -> "Float";
            case FLOAT16 -> "Half";
            case INT64 -> "Long";
            case INT32 -> "Int";
            case INT16 -> "Short";
            case INT8 -> "Char";
            case UINT8 -> "Byte";
            case BFLOAT16 -> "BFloat16";
            case BOOL -> "Bool";
        };
    }

    public int byteSize() { return byteSize; }

    public boolean isFloatingPoint() { return category == Category.FLOATING; }

    public boolean isIntegral() { return category == Category.INTEGRAL; }

    public boolean isBool() { return category == Category.BOOL; }

    /** The default dtype for floating-point values (PyTorch's {@code torch.get_default_dtype()}). */
    public static DType defaultFloat() { return FLOAT32; }

    /**
     * {@code torch.promote_types}: the smallest dtype that holds both. Within a category the wider
     * wins; across categories the higher category wins (int64 + float16 -> float16, as in PyTorch).
     * Two pairs of equal width hold neither's values: uint8 with int8 gives int16, float16 with
     * bfloat16 gives float32.
     */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (a.category != b.category) return a.category.compareTo(b.category) > 0 ? a : b;
        if ((a == UINT8 && b == INT8) || (a == INT8 && b == UINT8)) return INT16;
        if ((a == FLOAT16 && b == BFLOAT16) || (a == BFLOAT16 && b == FLOAT16)) return FLOAT32;
        return a.ordinal() > b.ordinal() ? a : b;
    }

    /** Parses PyTorch's spelling, with or without {@code torch.}: {@code "float"}, {@code "torch.int64"}. */
    public static DType of(String name) {
        String n = name.startsWith("torch.") ? name.substring(6) : name;
        return switch (n) {
            case "bool" -> BOOL;
            case "uint8" -> UINT8;
            case "int8" -> INT8;
            case "bfloat16" -> BFLOAT16;
            case "int16", "short" -> INT16;
            case "int32", "int" -> INT32;
            case "int64", "long" -> INT64;
            case "float16", "half" -> FLOAT16;
            case "float32", "float" -> FLOAT32;
            case "float64", "double" -> FLOAT64;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "'");
        };
    }
}
