package dev.kiln.compiled;

import dev.kiln.backend.cpu.Kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Optimizers that update the whole flat parameter buffer in one vectorised loop, with PyTorch's
 * update rules and defaults. State buffers are sized on {@link #bind}, once, so a step allocates nothing.
 */
public sealed interface Optimizer permits Optimizer.Sgd, Optimizer.Adam {
    VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

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

    /** Advances the per-step scalars (Adam's bias corrections, SGD's first-step momentum): once per step. */
    void begin();

    /**
     * Updates parameters {@code [from, to)} with the scalars of the step {@link #begin} started; two threads
     * may update disjoint ranges of one step at the same time.
     */
    void update(float[] params, float[] grads, int from, int to);

    double lr();

    void setLr(double lr);

    /** {@code lr} itself, or an exception naming it: a learning rate is finite and at least 0 (PyTorch refuses a negative one). */
    static double checkLr(double lr) {
        if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("lr (learning rate) must be a finite number >= 0, got " + lr);
        }
        return lr;
    }

    /** {@code optim.SGD(lr, momentum=0, dampening=0, weight_decay=0, nesterov=False)}. */
    static Sgd sgd(double lr) { return new Sgd(lr, 0, 0, 0, false); }

    static Sgd sgd(double lr, double momentum) { return new Sgd(lr, momentum, 0, 0, false); }

    /** {@code optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)}. */
    static Adam adam(double lr) { return new Adam(lr, 0.9, 0.999, 1e-8, 0); }

    final class Sgd implements Optimizer {
        private double lr;
        private final float momentum, dampening, weightDecay;
        private final boolean nesterov;
        private float[] velocity = new float[0];
        private boolean started;
        /** This step's momentum factor and gradient weight, set by {@link #begin}. */
        private float mom, keep;

        public Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
            }
            this.lr = Optimizer.checkLr(lr);
            this.momentum = (float) momentum;
            this.dampening = (float) dampening;
            this.weightDecay = (float) weightDecay;
            this.nesterov = nesterov;
        }

        @Override
        public void bind(int size) {
            velocity = new float[size];
            started = false;
        }

        @Override
        public void begin() {
            // PyTorch starts the momentum buffer as a copy of the first gradient (no dampening on step 1).
            keep = started ? 1f - dampening : 1f;
            mom = started ? momentum : 0f;
            started = true;
        }

        @Override
        public void update(float[] p, float[] g, int from, int to) {
            float lrF = (float) lr;
            if (momentum == 0f) {
                plainStep(p, g, lrF, weightDecay, from, to);
                return;
            }
            float keep = this.keep, mom = this.mom;
            float[] v = velocity;
            int i = from;
            if (!Kernels.SCALAR) {
                for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                    FloatVector pv = FloatVector.fromArray(S, p, i);
                    FloatVector d = FloatVector.fromArray(S, g, i).add(pv.mul(weightDecay));
                    FloatVector buf = FloatVector.fromArray(S, v, i).mul(mom).add(d.mul(keep));
                    buf.intoArray(v, i);
                    FloatVector step = nesterov ? d.add(buf.mul(momentum)) : buf;
                    pv.sub(step.mul(lrF)).intoArray(p, i);
                }
            }
            for (; i < to; i++) {
                float d = g[i] + weightDecay * p[i];
                float buf = v[i] * mom + d * keep;
                v[i] = buf;
                p[i] -= lrF * (nesterov ? d + momentum * buf : buf);
            }
        }

        /**
         * {@code p -= lr * (g + wd * p)}, in its own method so C2 inlines every vector op of it (in one method
         * with the momentum loop, profiling showed boxed fallback vector code here).
         */
        private static void plainStep(float[] p, float[] g, float lrF, float weightDecay, int from, int to) {
            int i = from;
            if (!Kernels.SCALAR) {
                FloatVector nlr = FloatVector.broadcast(S, -lrF);
                FloatVector wd = FloatVector.broadcast(S, weightDecay);
                for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                    FloatVector pv = FloatVector.fromArray(S, p, i);
                    FloatVector d = pv.fma(wd, FloatVector.fromArray(S, g, i));
                    d.fma(nlr, pv).intoArray(p, i);
                }
            }
            for (; i < to; i++) p[i] -= lrF * (g[i] + weightDecay * p[i]);
        }

        public float momentum() { return momentum; }

        public float dampening() { return dampening; }

        public float weightDecay() { return weightDecay; }

        public boolean nesterov() { return nesterov; }

        /** This step's factor on the old velocity, set by {@link #begin}: 0 on the first step, else the momentum. */
        public float stepMomentum() { return mom; }

        /** This step's weight of the gradient in the new velocity, set by {@link #begin}: 1, then 1 - dampening. */
        public float stepGradientWeight() { return keep; }

        @Override
        public double lr() { return lr; }

        @Override
        public void setLr(double lr) { this.lr = Optimizer.checkLr(lr); }
    }

    final class Adam implements Optimizer {
        private double lr;
        private final double beta1, beta2;
        private final float eps, weightDecay;
        private float[] m = new float[0], v = new float[0];
        private int stepCount;
        /** This step's bias-corrected step size and {@code 1/sqrt(1 - beta2^t)}, set by {@link #begin}. */
        private float stepSize, invBc2Sqrt;

        public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
            this.lr = Optimizer.checkLr(lr);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = (float) eps;
            this.weightDecay = (float) weightDecay;
        }

        @Override
        public void bind(int size) {
            m = new float[size];
            v = new float[size];
            stepCount = 0;
        }

        @Override
        public void begin() {
            stepCount++;
            // The bias corrections are per step, so they are folded into two scalars outside the loop.
            stepSize = (float) (lr / (1 - Math.pow(beta1, stepCount)));
            invBc2Sqrt = (float) (1 / Math.sqrt(1 - Math.pow(beta2, stepCount)));
        }

        @Override
        public void update(float[] p, float[] g, int from, int to) {
            float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
            float stepSize = this.stepSize, invBc2Sqrt = this.invBc2Sqrt;
            float[] mm = m, vv = v;
            int i = from;
            if (!Kernels.SCALAR) {
                for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                    FloatVector pv = FloatVector.fromArray(S, p, i);
                    FloatVector gv = FloatVector.fromArray(S, g, i);
                    if (weightDecay != 0f) gv = gv.add(pv.mul(weightDecay));
                    FloatVector mv = FloatVector.fromArray(S, mm, i).mul(b1).add(gv.mul(c1));
                    FloatVector vv2 = FloatVector.fromArray(S, vv, i).mul(b2).add(gv.mul(gv).mul(c2));
                    mv.intoArray(mm, i);
                    vv2.intoArray(vv, i);
                    FloatVector denom = vv2.sqrt().mul(invBc2Sqrt).add(eps);
                    pv.sub(mv.div(denom).mul(stepSize)).intoArray(p, i);
                }
            }
            for (; i < to; i++) {
                float gi = g[i] + weightDecay * p[i];
                float mi = mm[i] * b1 + gi * c1;
                float vi = vv[i] * b2 + gi * gi * c2;
                mm[i] = mi;
                vv[i] = vi;
                p[i] -= stepSize * (mi / ((float) Math.sqrt(vi) * invBc2Sqrt + eps));
            }
        }

        public double beta1() { return beta1; }

        public double beta2() { return beta2; }

        public float eps() { return eps; }

        public float weightDecay() { return weightDecay; }

        /** This step's {@code lr / (1 - beta1^t)}, set by {@link #begin}. */
        public float stepSize() { return stepSize; }

        /** This step's {@code 1 / sqrt(1 - beta2^t)}, set by {@link #begin}. */
        public float invBc2Sqrt() { return invBc2Sqrt; }

        @Override
        public double lr() { return lr; }

        @Override
        public void setLr(double lr) { this.lr = Optimizer.checkLr(lr); }
    }
}
