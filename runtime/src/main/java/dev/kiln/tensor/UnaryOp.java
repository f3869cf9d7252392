package dev.kiln.tensor;

/** Element-wise unary primitives; those marked floating turn integer inputs into the default float. */
enum UnaryOp {
    NEG(false) { double d(double x) { return -x; } long l(long x) { return -x; } },
    ABS(false) { double d(double x) { return Math.abs(x); } long l(long x) { return Math.abs(x); } },
    SIGN(false) { double d(double x) { return Math.signum(x); } long l(long x) { return Long.signum(x); } },
    SQRT(true) { double d(double x) { return Math.sqrt(x); } },
    RSQRT(true) { double d(double x) { return 1 / Math.sqrt(x); } },
    EXP(true) { double d(double x) { return Math.exp(x); } },
    LOG(true) { double d(double x) { return Math.log(x); } },
    LOG1P(true) { double d(double x) { return Math.log1p(x); } },
    SIN(true) { double d(double x) { return Math.sin(x); } },
    COS(true) { double d(double x) { return Math.cos(x); } },
    TANH(true) { double d(double x) { return Math.tanh(x); } },
    SIGMOID(true) { double d(double x) { return 1 / (1 + Math.exp(-x)); } },
    RELU(false) { double d(double x) { return x > 0 ? x : (Double.isNaN(x) ? x : 0); } long l(long x) { return Math.max(x, 0); } },
    FLOOR(false) { double d(double x) { return Math.floor(x); } long l(long x) { return x; } },
    CEIL(false) { double d(double x) { return Math.ceil(x); } long l(long x) { return x; } },
    ROUND(false) { double d(double x) { return Math.rint(x); } long l(long x) { return x; } },
    RECIPROCAL(true) { double d(double x) { return 1 / x; } },
    LOGICAL_NOT(false) { double d(double x) { return x == 0 ? 1 : 0; } long l(long x) { return x == 0 ? 1 : 0; } };

    /** Whether integer inputs are promoted to the default float dtype (sqrt, exp, ...). */
    final boolean floating;

    UnaryOp(boolean floating) { this.floating = floating; }

    abstract double d(double x);

    long l(long x) { throw new AssertionError(name() + " has no integer rule"); }
}
