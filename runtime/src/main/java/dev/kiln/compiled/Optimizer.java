package dev.kiln.compiled;

import dev.kiln.backend.cpu.OptimizerUpdates;
import dev.kiln.optim.AdamW;
import dev.kiln.optim.OptimizerOptions;
import dev.kiln.optim.ParamGroup;
import dev.kiln.optim.SGD;

import java.util.List;

/**
 * The compiled trainer's optimizer: {@code torch.optim}'s SGD, Adam or AdamW over the model's whole flat parameter
 * buffer, built from the eager options records ({@link SGD#options(double)}, {@link dev.kiln.optim.Adam#options()},
 * {@link AdamW#options()}), which define every setting's meaning and default. Pass the options to
 * {@code model.trainer(loss, options)}; {@link #of} builds the optimizer itself. Each step runs the CPU backend's
 * update rules ({@link OptimizerUpdates}, the same code the eager optimizers run over each parameter) or, on a device,
 * the kernel library's. State buffers are sized on {@link #bind}, once, so a step allocates nothing.
 *
 * <p>The learning rate lives in one parameter group shared with {@link #optim()}, an eager {@code optim.Optimizer}
 * face of this optimizer, so that the {@code optim.lr} schedulers ({@code new StepLR(optimizer.optim(), 15, 0.5)},
 * or {@code trainer.scheduler(opt -> new StepLR(opt, 15, 0.5))}) drive it; every step reads the group's rate.
 */
public sealed interface Optimizer permits Optimizer.Sgd, Optimizer.Adam {

    /**
     * The optimizer the options record describes: {@link SGD.Options} gives SGD (momentum, dampening, Nesterov, L2
     * weight decay), {@link dev.kiln.optim.Adam.Options} Adam (L2 weight decay), {@link AdamW.Options} AdamW (decoupled
     * weight decay). {@code amsgrad} and {@code maximize} are refused with a message, as are other optimizers' options.
     */
    static Optimizer of(OptimizerOptions<?> options) {
        return switch (options) {
            case SGD.Options o -> new Sgd(o);
            case dev.kiln.optim.Adam.Options o -> new Adam(o);
            case AdamW.Options o -> new Adam(o);
            case null -> throw new NullPointerException("optimizer options are null");
            default -> throw new IllegalArgumentException("the compiled trainer runs SGD, Adam and AdamW; "
                    + options.getClass().getName().replace('$', '.') + " is for the eager optimizers only");
        };
    }

    /** Shorthand for {@code of(SGD.options(lr))}: plain SGD. */
    static Sgd sgd(double lr) { return new Sgd(SGD.options(lr)); }

    /** Shorthand for {@code of(SGD.options(lr).momentum(momentum))}. */
    static Sgd sgd(double lr, double momentum) { return new Sgd(SGD.options(lr).momentum(momentum)); }

    /** Shorthand for {@code of(Adam.options().lr(lr))}: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    static Adam adam(double lr) { return new Adam(dev.kiln.optim.Adam.options().lr(lr)); }

    /** Sizes the state for a parameter buffer of {@code size} floats and clears it. */
    void bind(int size);

    /** One update of the whole buffer: {@link #begin} then {@link #update} over every parameter. */
    default void step(float[] params, float[] grads) {
        begin();
        updateInChunks(params, grads, 0, params.length);
    }

    /**
     * Floats per {@link #update} call in {@link #updateInChunks}. HotSpot compiles a method's normal entry with C2
     * only after thousands of calls; a whole-buffer update runs once a step, so for a large model it stayed in
     * C1's loop (which boxes every vector, about 1.3 MB a step for the Fashion-MNIST CNN) for the first thousand
     * steps or more, and for longer on a busy machine. Called per 16k floats, its call count (which decides when C2
     * compiles its entry) grows with the buffer's size.
     */
    int CHUNK = 1 << 14;

    /** {@link #update} over {@code [from, to)} in {@link #CHUNK}-float calls. */
    default void updateInChunks(float[] params, float[] grads, int from, int to) {
        for (int lo = from; lo < to; lo += CHUNK) update(params, grads, lo, Math.min(to, lo + CHUNK));
    }

    /**
     * Advances the per-step scalars (the learning rate read from the group, Adam's bias corrections, SGD's first-step
     * momentum): once per step.
     */
    void begin();

    /**
     * Updates parameters {@code [from, to)} with the scalars of the step {@link #begin} started; two threads
     * may update disjoint ranges of one step at the same time.
     */
    void update(float[] params, float[] grads, int from, int to);

    /** The options this optimizer runs with, the learning rate the group's current one. */
    OptimizerOptions<?> options();

    /**
     * This optimizer as an eager {@code optim.Optimizer}: one parameter group holding the options (and a scheduler's
     * {@code initial_lr}), shared with this optimizer, for the {@code optim.lr} schedulers. It has no parameters of its
     * own and its {@code step()} refuses: the compiled trainer steps.
     */
    dev.kiln.optim.Optimizer<?> optim();

    default double lr() { return optim().getLr(0); }

    default void setLr(double lr) { optim().setLr(0, checkLr(lr)); }

    /** {@code lr} itself, or an exception naming it: a learning rate is finite and at least 0 (PyTorch refuses a negative one). */
    static double checkLr(double lr) {
        if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("lr (learning rate) must be a finite number >= 0, got " + lr);
        }
        return lr;
    }

    private static void refuse(String optimizer, boolean amsgrad, boolean maximize) {
        if (amsgrad) throw new IllegalArgumentException(optimizer + " with amsgrad runs in the eager optimizers only");
        if (maximize) throw new IllegalArgumentException(optimizer + " with maximize runs in the eager optimizers only");
    }

    /** {@code torch.optim.SGD}: momentum, dampening, Nesterov momentum and L2 weight decay, as {@link SGD}. */
    final class Sgd implements Optimizer {
        private final OptimView<SGD.Options> view;
        private final ParamGroup<SGD.Options> group;
        private final float momentum, keepAfterFirst, weightDecay;
        private final boolean nesterov;
        private float[] velocity = new float[0];
        private boolean started, first;
        /** This step's learning rate, momentum factor and gradient weight, set by {@link #begin}. */
        private float lrF, mom, keep;

        public Sgd(SGD.Options options) {
            checkLr(options.lr());
            options.check();
            refuse("SGD", false, options.maximize());
            this.group = new ParamGroup<>(List.of(), options);
            this.view = new OptimView<>(group);
            this.momentum = (float) options.momentum();
            this.keepAfterFirst = (float) (1 - options.dampening());
            this.weightDecay = (float) options.weightDecay();
            this.nesterov = options.nesterov();
        }

        /** @deprecated PyTorch's keywords read better: {@code Optimizer.of(SGD.options(lr).momentum(m)...)}. */
        @Deprecated
        public Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
            this(SGD.options(lr).momentum(momentum).dampening(dampening).weightDecay(weightDecay).nesterov(nesterov));
        }

        @Override
        public void bind(int size) {
            velocity = new float[momentum == 0f ? 0 : size];
            started = false;
        }

        @Override
        public void begin() {
            lrF = (float) checkLr(group.lr());
            // PyTorch starts the momentum buffer as a copy of the first gradient (no dampening on step 1).
            first = !started;
            keep = started ? keepAfterFirst : 1f;
            mom = started ? momentum : 0f;
            started = true;
        }

        @Override
        public void update(float[] p, float[] g, int from, int to) {
            if (momentum == 0f) OptimizerUpdates.sgd(p, g, from, to, lrF, weightDecay);
            else OptimizerUpdates.sgdMomentum(p, g, velocity, from, to, lrF, weightDecay, momentum, keep, nesterov, first);
        }

        public float momentum() { return momentum; }

        public float dampening() { return (float) group.options().dampening(); }

        public float weightDecay() { return weightDecay; }

        public boolean nesterov() { return nesterov; }

        /** This step's factor on the old velocity, set by {@link #begin}: 0 on the first step, else the momentum. */
        public float stepMomentum() { return mom; }

        /** This step's weight of the gradient in the new velocity, set by {@link #begin}: 1, then 1 - dampening. */
        public float stepGradientWeight() { return keep; }

        @Override
        public SGD.Options options() { return group.options(); }

        @Override
        public dev.kiln.optim.Optimizer<SGD.Options> optim() { return view; }

        @Override
        public String toString() { return "SGD " + group.options(); }
    }

    /**
     * {@code torch.optim.Adam} (weight decay added to the gradient) or, built from {@link AdamW.Options},
     * {@code torch.optim.AdamW} (decoupled weight decay: the parameter shrinks by {@code lr * weight_decay} first).
     */
    final class Adam implements Optimizer {
        private final dev.kiln.optim.Optimizer<?> view;
        private final ParamGroup<?> group;
        private final double beta1, beta2, decoupledDecay;
        private final float eps, weightDecay, b1, c1, b2, c2;
        private final boolean decoupled;
        private float[] m = new float[0], v = new float[0];
        private int stepCount;
        /**
         * This step's {@code lr / (1 - beta1^t)}, {@code sqrt(1 - beta2^t)}, its reciprocal and AdamW's
         * {@code 1 - lr * weight_decay}, set by {@link #begin}.
         */
        private float stepSize, bc2Sqrt, invBc2Sqrt, decay = 1f;

        public Adam(dev.kiln.optim.Adam.Options o) {
            this(checked(o), o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), o.amsgrad(), o.maximize(), false);
        }

        public Adam(AdamW.Options o) {
            this(checked(o), o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), o.amsgrad(), o.maximize(), true);
        }

        /** @deprecated PyTorch's keywords read better: {@code Optimizer.of(Adam.options().lr(lr).betas(b1, b2)...)}. */
        @Deprecated
        public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
            this(dev.kiln.optim.Adam.options().lr(lr).betas(beta1, beta2).eps(eps).weightDecay(weightDecay));
        }

        private static dev.kiln.optim.Adam.Options checked(dev.kiln.optim.Adam.Options o) {
            checkLr(o.lr());
            return o.check();
        }

        private static AdamW.Options checked(AdamW.Options o) {
            checkLr(o.lr());
            return o.check();
        }

        private <O extends OptimizerOptions<O>> Adam(O options, double lr, double beta1, double beta2, double eps,
                                                     double weightDecay, boolean amsgrad, boolean maximize, boolean decoupled) {
            refuse(decoupled ? "AdamW" : "Adam", amsgrad, maximize);
            ParamGroup<O> g = new ParamGroup<>(List.of(), options);
            this.group = g;
            this.view = new OptimView<>(g);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = (float) eps;
            this.decoupled = decoupled;
            this.decoupledDecay = decoupled ? weightDecay : 0;
            this.weightDecay = decoupled ? 0f : (float) weightDecay;
            this.b1 = (float) beta1;
            this.c1 = (float) (1 - beta1);
            this.b2 = (float) beta2;
            this.c2 = (float) (1 - beta2);
        }

        @Override
        public void bind(int size) {
            m = new float[size];
            v = new float[size];
            stepCount = 0;
        }

        @Override
        public void begin() {
            double lr = checkLr(group.lr());
            stepCount++;
            // The bias corrections are per step, so they are folded into scalars outside the loop, in double as
            // PyTorch computes them from step.item().
            stepSize = (float) (lr / (1 - Math.pow(beta1, stepCount)));
            double bc2 = Math.sqrt(1 - Math.pow(beta2, stepCount));
            bc2Sqrt = (float) bc2;
            invBc2Sqrt = (float) (1 / bc2);
            decay = decoupled ? (float) (1 - lr * decoupledDecay) : 1f;
        }

        @Override
        public void update(float[] p, float[] g, int from, int to) {
            OptimizerUpdates.adam(p, g, m, v, from, to, decay, weightDecay, b1, c1, b2, c2, -stepSize, bc2Sqrt, eps);
        }

        public double beta1() { return beta1; }

        public double beta2() { return beta2; }

        public float eps() { return eps; }

        /** Adam's L2 weight decay, added to the gradient; 0 for AdamW, whose decay is {@link #stepDecay}. */
        public float weightDecay() { return weightDecay; }

        /** Whether this is AdamW: the weight decay shrinks the parameter instead of adding to the gradient. */
        public boolean decoupled() { return decoupled; }

        /** This step's {@code lr / (1 - beta1^t)}, set by {@link #begin}. */
        public float stepSize() { return stepSize; }

        /** This step's {@code 1 / sqrt(1 - beta2^t)}, set by {@link #begin}. */
        public float invBc2Sqrt() { return invBc2Sqrt; }

        /** This step's factor on every parameter before the update: AdamW's {@code 1 - lr * weight_decay}, else 1. */
        public float stepDecay() { return decay; }

        @Override
        public OptimizerOptions<?> options() { return group.options(); }

        @Override
        public dev.kiln.optim.Optimizer<?> optim() { return view; }

        @Override
        public String toString() { return (decoupled ? "AdamW " : "Adam ") + group.options(); }
    }
}
