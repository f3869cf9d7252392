package dev.kiln.tensor;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/** Reads nested Java arrays (and boxed numbers) the way {@code torch.tensor} reads nested lists. */
final class JavaArrays {
    private JavaArrays() {}

    /** Row-major values with their shape and the widest kind seen (bool < integral < floating). */
    record Flat(int[] shape, DType.Category kind, double[] doubles, long[] longs) {
        int size() { return doubles.length; }

        double doubleAt(int i) { return doubles[i]; }

        long longAt(int i) { return longs[i]; }
    }

    static Flat flatten(Object data) {
        List<Integer> shape = new ArrayList<>();
        Object probe = data;
        while (probe != null && probe.getClass().isArray()) {
            int n = Array.getLength(probe);
            shape.add(n);
            if (n == 0) break;
            probe = Array.get(probe, 0);
        }
        int[] dims = shape.stream().mapToInt(Integer::intValue).toArray();
        int total = Shapes.numel(dims);
        double[] d = new double[total];
        long[] l = new long[total];
        DType.Category[] kind = {DType.Category.BOOL};
        int[] at = {0};
        walk(data, 0, dims, d, l, kind, at);
        return new Flat(dims, kind[0], d, l);
    }

    private static void walk(Object o, int depth, int[] dims, double[] d, long[] l, DType.Category[] kind, int[] at) {
        if (depth < dims.length) {
            if (o == null || !o.getClass().isArray() || Array.getLength(o) != dims[depth]) {
                throw new IllegalArgumentException("expected sequence of length " + dims[depth] + " at dim " + depth
                        + " (got " + (o != null && o.getClass().isArray() ? Array.getLength(o) : o) + ")");
            }
            for (int i = 0; i < dims[depth]; i++) walk(Array.get(o, i), depth + 1, dims, d, l, kind, at);
            return;
        }
        int i = at[0]++;
        switch (o) {
            case Boolean b -> { d[i] = b ? 1 : 0; l[i] = b ? 1 : 0; }
            case Double v -> { d[i] = v; l[i] = (long) (double) v; kind[0] = DType.Category.FLOATING; }
            case Float v -> { d[i] = v; l[i] = (long) (float) v; kind[0] = DType.Category.FLOATING; }
            case Number n -> {
                d[i] = n.doubleValue();
                l[i] = n.longValue();
                if (kind[0] == DType.Category.BOOL) kind[0] = DType.Category.INTEGRAL;
            }
            case null, default -> throw new IllegalArgumentException("Could not infer dtype of "
                    + (o == null ? "null" : o.getClass().getSimpleName()));
        }
    }
}
