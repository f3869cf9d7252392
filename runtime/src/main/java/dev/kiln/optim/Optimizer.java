package dev.kiln.optim;

import dev.kiln.tensor.PyRepr;
import dev.kiln.autograd.GradMode;
import dev.kiln.tensor.DeviceFunctional;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * PyTorch 1.13's {@code torch.optim.Optimizer}: parameter groups with their own options, a
 * per-parameter state, and {@link #step()} which subclasses implement group by group with the
 * single-tensor ({@code foreach=False}) algorithm.
 *
 * @param <O> the options record of the concrete optimizer
 */
public abstract class Optimizer<O extends OptimizerOptions<O>> {
    private final O defaults;
    private final List<ParamGroup<O>> paramGroups = new ArrayList<>();
    /** Keyed by identity: two parameters with equal values still have separate state. */
    private final Map<Tensor, Map<String, Object>> state = new IdentityHashMap<>();

    protected Optimizer(List<ParamGroup<O>> groups, O defaults) {
        this.defaults = defaults;
        if (groups.isEmpty()) throw new IllegalArgumentException("optimizer got an empty parameter list");
        for (ParamGroup<O> g : groups) addParamGroup(g);
    }

    /** One group holding every parameter, with the optimizer's defaults. */
    protected static <O extends OptimizerOptions<O>> List<ParamGroup<O>> single(List<Tensor> params, O options) {
        if (params.isEmpty()) throw new IllegalArgumentException("optimizer got an empty parameter list");
        return List.of(new ParamGroup<>(params, options));
    }

    /** Validates a group's options as the concrete optimizer's constructor does in PyTorch. */
    protected abstract void validate(O options);

    /** Applies one update to every parameter of {@code group} that has a gradient. */
    protected abstract void update(ParamGroup<O> group);

    /**
     * Whether {@link #update} steps parameters on a device (SGD, Adam and AdamW do, with the kernel library's
     * updates); the others refuse them in {@link #step()}, naming themselves.
     */
    protected boolean runsOnDevices() { return false; }

    /** PyTorch's {@code add_param_group}: rejects non-leaf tensors and parameters already present. */
    public void addParamGroup(ParamGroup<O> group) {
        validate(group.options());
        for (Tensor p : group.params()) {
            if (!p.isLeaf()) throw new IllegalArgumentException("can't optimize a non-leaf Tensor");
        }
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup<O> g : paramGroups) for (Tensor p : g.params()) seen.put(p, true);
        for (Tensor p : group.params()) {
            if (seen.put(p, true) != null) {
                throw new IllegalArgumentException("some parameters appear in more than one parameter group");
            }
        }
        paramGroups.add(group);
    }

    public O defaults() { return defaults; }

    public List<ParamGroup<O>> paramGroups() { return Collections.unmodifiableList(paramGroups); }

    /** The learning rate of group {@code group}. */
    public double getLr(int group) { return paramGroups.get(group).lr(); }

    public void setLr(int group, double lr) { paramGroups.get(group).setLr(lr); }

    /** The state of one parameter (created empty on first use), as {@code optimizer.state[p]}. */
    public Map<String, Object> state(Tensor param) { return state.computeIfAbsent(param, p -> new HashMap<>()); }

    /** Performs one optimization step; updates are not recorded by autograd. */
    public void step() {
        if (!runsOnDevices()) {
            for (ParamGroup<O> g : paramGroups) {
                DeviceFunctional.requireCpu("optim." + getClass().getSimpleName(), g.params().toArray(new Tensor[0]));
            }
        }
        try (var ignored = GradMode.noGrad()) {
            for (ParamGroup<O> g : paramGroups) update(g);
        }
    }

    /** Re-evaluates the model through {@code closure} (with grad enabled), steps, and returns its loss. */
    public Tensor step(Supplier<Tensor> closure) {
        Tensor loss;
        try (var ignored = GradMode.enableGrad()) {
            loss = closure.get();
        }
        step();
        return loss;
    }

    /** 1.13's default {@code zero_grad(set_to_none=False)}: zeroes each existing gradient in place. */
    public void zeroGrad() { zeroGrad(false); }

    /** With {@code setToNone}, drops the gradients instead, which saves memory. */
    public void zeroGrad(boolean setToNone) {
        for (ParamGroup<O> g : paramGroups) {
            for (Tensor p : g.params()) {
                Tensor grad = p.grad();
                if (grad == null) continue;
                if (setToNone) {
                    p.setGrad(null);
                } else {
                    // A gradient computed with create_graph has history; cut it before zeroing.
                    if (grad.gradFn() != null) grad.detach_();
                    else if (grad.requiresGrad()) grad.requiresGrad_(false);
                    try (var ignored = GradMode.noGrad()) {
                        grad.zero_();
                    }
                }
            }
        }
    }

    /**
     * PyTorch's {@code state_dict()}: parameters are replaced by their position counted across
     * groups. Like PyTorch, the state tensors are shared, not copied.
     */
    public OptimizerStateDict<O> stateDict() {
        Map<Integer, Map<String, Object>> packed = new LinkedHashMap<>();
        List<OptimizerStateDict.Group<O>> groups = new ArrayList<>();
        int index = 0;
        for (ParamGroup<O> g : paramGroups) {
            List<Integer> ids = new ArrayList<>();
            for (Tensor p : g.params()) {
                Map<String, Object> s = state.get(p);
                if (s != null) packed.put(index, Collections.unmodifiableMap(new HashMap<>(s)));
                ids.add(index++);
            }
            groups.add(new OptimizerStateDict.Group<>(g.options(), g.initialLr(), List.copyOf(ids)));
        }
        return new OptimizerStateDict<>(Collections.unmodifiableMap(packed), List.copyOf(groups));
    }

    /**
     * PyTorch's {@code load_state_dict}: groups must match in number and size. State tensors are
     * copied (PyTorch deep-copies) and, except step counts, cast to their parameter's dtype.
     */
    public void loadStateDict(OptimizerStateDict<O> dict) {
        if (dict.paramGroups().size() != paramGroups.size()) {
            throw new IllegalArgumentException("loaded state dict has a different number of parameter groups");
        }
        for (int i = 0; i < paramGroups.size(); i++) {
            if (dict.paramGroups().get(i).params().size() != paramGroups.get(i).params().size()) {
                throw new IllegalArgumentException(
                        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
            }
        }
        state.clear();
        for (int i = 0; i < paramGroups.size(); i++) {
            ParamGroup<O> g = paramGroups.get(i);
            OptimizerStateDict.Group<O> saved = dict.paramGroups().get(i);
            for (int j = 0; j < g.params().size(); j++) {
                Map<String, Object> s = dict.state().get(saved.params().get(j));
                if (s == null) continue;
                Tensor p = g.params().get(j);
                Map<String, Object> copy = new HashMap<>();
                for (var e : s.entrySet()) copy.put(e.getKey(), copyValue(e.getKey(), e.getValue(), p));
                state.put(p, copy);
            }
            g.setOptions(saved.options());
            g.setInitialLr(saved.initialLr());
        }
    }

    private static Object copyValue(String key, Object value, Tensor param) {
        if (!(value instanceof Tensor t)) return value;
        if (!key.equals("step") && param.isFloatingPoint()) t = t.to(param.dtype());
        return t.clone();
    }

    /** The parameters of {@code group} that have a gradient, as each step function collects them. */
    protected static List<Tensor> withGrad(ParamGroup<?> group) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : group.params()) if (p.grad() != null) out.add(p);
        return out;
    }

    protected static String repr(double v) { return PyRepr.of(v); }
}
