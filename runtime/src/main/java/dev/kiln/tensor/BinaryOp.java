package dev.kiln.tensor;

/**
 * Element-wise binary primitives. Each has a floating rule (computed in double, rounded to the
 * result dtype) and an integer rule (two's-complement long arithmetic, as C++ int64 in PyTorch).
 */
enum BinaryOp {
    ADD { double d(double a, double b) { return a + b; } long l(long a, long b) { return a + b; } },
    SUB { double d(double a, double b) { return a - b; } long l(long a, long b) { return a - b; } },
    MUL { double d(double a, double b) { return a * b; } long l(long a, long b) { return a * b; } },
    DIV { double d(double a, double b) { return a / b; } long l(long a, long b) { throw new AssertionError("true division is floating"); } },
    FLOOR_DIVIDE {
        /** c10's {@code div_floor_floating}: Python's floor division, exact where floor(a / b) would round wrong. */
        double d(double a, double b) {
            if (b == 0) return a / b;
            double mod = a % b;  // C's fmod
            double div = (a - mod) / b;
            if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
            if (div == 0) return Math.copySign(0.0, a / b);
            double floor = Math.floor(div);
            return div - floor > 0.5 ? floor + 1 : floor;
        }
        long l(long a, long b) {
            if (b == 0) throw new ArithmeticException("ZeroDivisionError");
            return Math.floorDiv(a, b);
        }
    },
    REMAINDER {
        // Python/PyTorch remainder takes the sign of the divisor.
        double d(double a, double b) { double r = a % b; return r != 0 && (r < 0) != (b < 0) ? r + b : r; }
        long l(long a, long b) {
            if (b == 0) throw new ArithmeticException("ZeroDivisionError");
            return Math.floorMod(a, b);
        }
    },
    /** {@code div(rounding_mode='trunc')}: the quotient rounded toward zero; integers divide as C does. */
    DIV_TRUNC {
        double d(double a, double b) { double q = a / b; return q < 0 ? Math.ceil(q) : Math.floor(q); }
        long l(long a, long b) {
            if (b == 0) throw new ArithmeticException("ZeroDivisionError");
            return a / b;
        }
    },
    POW {
        double d(double a, double b) { return Math.pow(a, b); }
        long l(long a, long b) {
            if (b < 0) {
                if (a == 1) return 1;
                if (a == -1) return (b & 1) == 0 ? 1 : -1;
                throw new ArithmeticException("Integers to negative integer powers are not allowed.");
            }
            long r = 1, base = a;
            for (long e = b; e > 0; e >>= 1) {
                if ((e & 1) != 0) r *= base;
                base *= base;
            }
            return r;
        }
    },
    MAXIMUM {
        double d(double a, double b) { return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b); }
        long l(long a, long b) { return Math.max(a, b); }
    },
    MINIMUM {
        double d(double a, double b) { return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b); }
        long l(long a, long b) { return Math.min(a, b); }
    },
    EQ(true) { double d(double a, double b) { return a == b ? 1 : 0; } long l(long a, long b) { return a == b ? 1 : 0; } },
    NE(true) { double d(double a, double b) { return a != b ? 1 : 0; } long l(long a, long b) { return a != b ? 1 : 0; } },
    LT(true) { double d(double a, double b) { return a < b ? 1 : 0; } long l(long a, long b) { return a < b ? 1 : 0; } },
    LE(true) { double d(double a, double b) { return a <= b ? 1 : 0; } long l(long a, long b) { return a <= b ? 1 : 0; } },
    GT(true) { double d(double a, double b) { return a > b ? 1 : 0; } long l(long a, long b) { return a > b ? 1 : 0; } },
    GE(true) { double d(double a, double b) { return a >= b ? 1 : 0; } long l(long a, long b) { return a >= b ? 1 : 0; } },
    LOGICAL_AND(true) { double d(double a, double b) { return a != 0 && b != 0 ? 1 : 0; } long l(long a, long b) { return a != 0 && b != 0 ? 1 : 0; } },
    LOGICAL_OR(true) { double d(double a, double b) { return a != 0 || b != 0 ? 1 : 0; } long l(long a, long b) { return a != 0 || b != 0 ? 1 : 0; } };

    /** Comparisons and logical ops produce bool tensors whatever their inputs. */
    final boolean producesBool;

    BinaryOp() { this(false); }

    BinaryOp(boolean producesBool) { this.producesBool = producesBool; }

    abstract double d(double a, double b);

    abstract long l(long a, long b);
}
