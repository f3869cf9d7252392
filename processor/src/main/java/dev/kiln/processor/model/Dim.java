package dev.kiln.processor.model;

/** One dimension of a shape: a size known at compile time, or a named size known only at run time. */
public sealed interface Dim {
    record Fixed(int size) implements Dim {
        @Override
        public String toString() { return Integer.toString(size); }
    }

    record Symbolic(String name) implements Dim {
        @Override
        public String toString() { return name; }
    }

    static Dim of(int size) { return new Fixed(size); }
}
