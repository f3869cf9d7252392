package dev.kiln.processor.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A shape after the batch dimension N, which every tensor has first and which stays symbolic. */
public record TensorShape(List<Dim> dims) {
    public TensorShape {
        dims = List.copyOf(dims);
    }

    public static TensorShape fixed(int... sizes) {
        List<Dim> d = new ArrayList<>();
        for (int s : sizes) d.add(Dim.of(s));
        return new TensorShape(d);
    }

    public int rank() { return dims.size(); }

    public Dim get(int i) { return dims.get(i); }

    public Dim last() { return dims.getLast(); }

    public boolean allFixed() { return dims.stream().allMatch(d -> d instanceof Dim.Fixed); }

    /** Size of a fixed dimension; callers check {@link #allFixed()} or the dimension first. */
    public int size(int i) { return ((Dim.Fixed) dims.get(i)).size(); }

    /** Product of all (fixed) dimensions: floats per sample. */
    public int numel() {
        int n = 1;
        for (int i = 0; i < rank(); i++) n *= size(i);
        return n;
    }

    public TensorShape withLast(Dim d) {
        List<Dim> copy = new ArrayList<>(dims);
        copy.set(copy.size() - 1, d);
        return new TensorShape(copy);
    }

    /** PyTorch-style text with the batch dimension: {@code [N, 20]}. */
    @Override
    public String toString() {
        return dims.stream().map(Object::toString).collect(Collectors.joining(", ", "[N" + (dims.isEmpty() ? "" : ", "), "]"));
    }
}
