package dev.kiln.nn;

import dev.kiln.autograd.GradMode;
import dev.kiln.backend.Device;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code nn.Module}: a tree of named parameters, buffers and child modules.
 *
 * <p>Java has no attribute hooks, so a subclass registers what it owns in its constructor, in the
 * order PyTorch would see the assignments ({@code fc1 = register("fc1", new Linear(20, 128))});
 * that order fixes the order of {@link #parameters()} and the keys of {@link #stateDict()}.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    /** The name this module was last registered under in a parent ({@code "emb"}, {@code "0"}), for error messages. */
    private String registeredName;

    /** The computation; subclasses with several inputs add their own overloads. */
    public abstract Tensor forward(Tensor input);

    // ------------------------------------------------------------ registration

    /** Registers a child module under {@code name} and returns it. */
    protected <M extends Module> M register(String name, M module) {
        checkName(name);
        children.put(name, module);
        ((Module) module).registeredName = name;
        return module;
    }

    /** Registers a trainable tensor (it is made to require grad) and returns it. */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        if (value != null && !value.requiresGrad()) value.requiresGrad_(true);
        parameters.put(name, value);
        return value;
    }

    /** Registers a non-trainable tensor that belongs in the state dict (running statistics). */
    protected Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module, parameter or buffer name can't be empty or contain \".\", got: \"" + name + "\"");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("attribute '" + name + "' already exists");
        }
    }

    // ------------------------------------------------------------ traversal

    /** All parameters of this module and its descendants, in registration order. */
    public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Parameters under their dotted names ({@code fc1.weight}); a tensor shared twice is listed once. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        collect("", out, seen, true);
        return out;
    }

    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()), false);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, java.util.Set<Tensor> seen, boolean params) {
        for (var e : (params ? parameters : buffers).entrySet()) {
            if (e.getValue() != null && seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue());
        }
        for (var c : children.entrySet()) c.getValue().collect(prefix + c.getKey() + ".", out, seen, params);
    }

    /** Direct children in registration order. */
    public Map<String, Module> namedChildren() { return java.util.Collections.unmodifiableMap(children); }

    /** This module and every descendant, with dotted names ("" for this one). */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        out.put("", this);
        for (var c : children.entrySet()) {
            for (var d : c.getValue().namedModules().entrySet()) {
                out.put(d.getKey().isEmpty() ? c.getKey() : c.getKey() + "." + d.getKey(), d.getValue());
            }
        }
        return out;
    }

    // ------------------------------------------------------------ modes

    /** Training mode (Dropout drops, BatchNorm uses batch statistics); applies to all descendants. */
    public Module train(boolean mode) {
        training = mode;
        for (Module c : children.values()) c.train(mode);
        return this;
    }

    public Module train() { return train(true); }

    /** Evaluation mode: {@code train(false)}. */
    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Clears every parameter's gradient (sets it to null, as PyTorch's set_to_none default). */
    public void zeroGrad() {
        for (Tensor p : parameters()) p.setGrad(null);
    }

    // ------------------------------------------------------------ devices

    /**
     * Moves every parameter and buffer of this module and its descendants (and their gradients) to {@code device}
     * in place, as PyTorch's {@code module.to(device)}: each tensor keeps its identity ({@link Tensor#setData}), so
     * a layer's {@code weight()} and any list of {@link #parameters()} see the move. Build the optimizer after
     * moving the model: state an optimizer made for CPU parameters stays on the CPU, and a device step refuses it.
     */
    public Module to(Device device) {
        try (var ignored = GradMode.noGrad()) {
            for (Module m : namedModules().values()) m.moveOwn(device);
        }
        return this;
    }

    /** {@code module.to("opencl:0")}. */
    public Module to(String device) { return to(Device.of(device)); }

    /** {@code module.cpu()}: moves everything back to the CPU. */
    public Module cpu() { return to(Device.CPU); }

    private void moveOwn(Device device) {
        for (Tensor t : parameters.values()) move(t, device);
        for (Tensor t : buffers.values()) move(t, device);
    }

    private static void move(Tensor t, Device device) {
        if (t == null) return;
        t.setData(t.detach().to(device));
        if (t.grad() != null) t.grad().setData(t.grad().detach().to(device));
    }

    // ------------------------------------------------------------ state dict

    /** Parameters then buffers of each module, with dotted keys, detached from the graph. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        addState("", out);
        return out;
    }

    private void addState(String prefix, Map<String, Tensor> out) {
        for (var e : parameters.entrySet()) if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue().detach());
        for (var e : buffers.entrySet()) if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue().detach());
        for (var c : children.entrySet()) c.getValue().addState(prefix + c.getKey() + ".", out);
    }

    /** Copies values into this module's tensors; strict mode requires exactly the same keys. */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        StateDictCopy.load(getClass().getSimpleName(), stateDict(), state, strict, "");
    }

    public void loadStateDict(Map<String, Tensor> state) { loadStateDict(state, true); }

    // ------------------------------------------------------------ printing

    /** The text inside the parentheses of this module's repr, e.g. {@code in_features=20, out_features=128, bias=True}. */
    protected String extraRepr() { return ""; }

    /**
     * How errors name this module: {@code Embedding 'emb' (50, 16)} once registered in a parent, else its repr
     * {@code Embedding(50, 16)}.
     */
    protected String describe() {
        String type = getClass().getSimpleName();
        return registeredName == null ? type + "(" + extraRepr() + ")" : type + " '" + registeredName + "' (" + extraRepr() + ")";
    }

    /** PyTorch's module repr: the class name, extraRepr, and each child indented with its name. */
    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (children.isEmpty()) return name + "(" + extraRepr() + ")";
        StringBuilder sb = new StringBuilder(name).append("(");
        if (!extraRepr().isEmpty()) sb.append("\n  ").append(extraRepr());
        for (var c : children.entrySet()) {
            sb.append("\n  (").append(c.getKey()).append("): ").append(c.getValue().toString().replace("\n", "\n  "));
        }
        return sb.append("\n)").toString();
    }
}
