package dev.kiln.optim.lr;

import dev.kiln.optim.Optimizer;
import dev.kiln.optim.ParamGroup;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch 1.13's {@code _LRScheduler}: adjusts each parameter group's learning rate once per
 * {@link #step()}.
 *
 * <p>As in PyTorch, creating a scheduler performs the initial step, so that {@code lastEpoch} is
 * 0 afterwards and the optimizer already has the first epoch's rate. Java runs a superclass
 * constructor before the subclass has set its fields, so each subclass calls {@link #initialStep()}
 * at the end of its own constructor instead of the base doing it.
 */
public abstract class LRScheduler {
    protected final Optimizer<?> optimizer;
    protected final double[] baseLrs;
    protected int lastEpoch;
    protected int stepCount;
    private double[] lastLr;

    /** {@code lastEpoch = -1} starts fresh; any other value resumes and needs each group's initial lr. */
    protected LRScheduler(Optimizer<?> optimizer, int lastEpoch) {
        this.optimizer = optimizer;
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup<?> g = groups.get(i);
            if (lastEpoch == -1) {
                if (g.initialLr() == null) g.setInitialLr(g.lr());  // setdefault: a prior scheduler's value wins
            } else if (g.initialLr() == null) {
                throw new IllegalArgumentException("param 'initial_lr' is not specified in param_groups[" + i
                        + "] when resuming an optimizer");
            }
            baseLrs[i] = g.initialLr();
        }
        this.lastEpoch = lastEpoch;
    }

    /** PyTorch's {@code _initial_step}: resets the step count and takes the first step. */
    protected final void initialStep() {
        stepCount = 0;
        step();
    }

    /** The next rates from the current ones (PyTorch's recursive {@code get_lr}). */
    protected abstract double[] computeLr();

    /** The rates at {@code lastEpoch} from the base rates ({@code _get_closed_form_lr}). */
    protected abstract double[] closedFormLr();

    /** Advances one epoch and writes the new rates into the optimizer's groups. */
    public void step() {
        stepCount++;
        lastEpoch++;
        apply(computeLr());
    }

    /** The deprecated {@code step(epoch)}: jumps to {@code epoch} using the closed form. */
    public void step(int epoch) {
        stepCount++;
        lastEpoch = epoch;
        apply(closedFormLr());
    }

    private void apply(double[] values) {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) groups.get(i).setLr(values[i]);
        lastLr = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) lastLr[i] = groups.get(i).lr();
    }

    /** The rates set by the last step, one per group. */
    public double[] getLastLr() { return lastLr.clone(); }

    public int lastEpoch() { return lastEpoch; }

    /** The optimizer whose groups this scheduler sets. */
    public Optimizer<?> optimizer() { return optimizer; }

    /** The current rate of every group, as the recursive formulas read {@code group['lr']}. */
    protected final double[] groupLrs() {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) out[i] = groups.get(i).lr();
        return out;
    }

    /**
     * Everything but the optimizer, with PyTorch's keys ({@code last_epoch}, {@code base_lrs},
     * {@code _step_count}, {@code _last_lr} and the subclass's own settings).
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("base_lrs", baseLrs.clone());
        out.put("last_epoch", lastEpoch);
        out.put("_step_count", stepCount);
        out.put("_last_lr", lastLr.clone());
        saveSettings(out);
        return out;
    }

    /** Restores a {@link #stateDict()}; keys it lacks are left as they are, as Python's dict update. */
    public void loadStateDict(Map<String, Object> state) {
        if (state.get("base_lrs") instanceof double[] b) System.arraycopy(b, 0, baseLrs, 0, Math.min(b.length, baseLrs.length));
        if (state.get("last_epoch") instanceof Number n) lastEpoch = n.intValue();
        if (state.get("_step_count") instanceof Number n) stepCount = n.intValue();
        if (state.get("_last_lr") instanceof double[] l) lastLr = l.clone();
        loadSettings(state);
    }

    /** Adds the subclass's settings (step size, gamma...) under PyTorch's attribute names. */
    protected abstract void saveSettings(Map<String, Object> out);

    protected abstract void loadSettings(Map<String, Object> state);

    static double number(Map<String, Object> state, String key, double current) {
        return state.get(key) instanceof Number n ? n.doubleValue() : current;
    }
}
