package dev.kiln.nn;

/** GELU's {@code approximate} argument: the exact erf form (PyTorch's default) or the tanh form. */
public enum GeluApproximation {
    NONE("none"),
    TANH("tanh");

    private final String pythonName;

    GeluApproximation(String pythonName) { this.pythonName = pythonName; }

    /** The string PyTorch uses ({@code 'none'}, {@code 'tanh'}), as printed in GELU's repr. */
    public String pythonName() { return pythonName; }
}
