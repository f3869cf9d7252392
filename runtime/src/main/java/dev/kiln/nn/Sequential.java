package dev.kiln.nn;

import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Runs its modules in order, each on the previous one's output; children are named "0", "1", ... */
public class Sequential extends Module {
    private final List<Module> modules = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) append(m);
    }

    /** Adds a module at the end, named by its position, as {@code Sequential.append}. */
    public Sequential append(Module module) {
        register(String.valueOf(modules.size()), module);
        modules.add(module);
        return this;
    }

    /** The module at {@code index}; negative indices count from the end, as in Python. */
    public Module get(int index) {
        int i = index < 0 ? index + modules.size() : index;
        if (i < 0 || i >= modules.size()) throw new IndexOutOfBoundsException("index " + index + " is out of range");
        return modules.get(i);
    }

    public int size() { return modules.size(); }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : modules) x = m.forward(x);
        return x;
    }
}
