package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU's optimizer update rules over float arrays, written once: the compiled trainer runs them over its flat
 * parameter buffer ({@code compiled.Optimizer}), the eager {@code optim.SGD}, {@code Adam} and {@code AdamW} over each
 * float32 parameter's array. (The device's rules are the kernel library's {@code sgd} and {@code adam} kernels.)
 *
 * <p>Each rule rounds as PyTorch 1.13's CPU kernels do, so that float32 trajectories match PyTorch's bit for bit:
 * every scalar is a float rounded from the double the caller computes ({@code (float) (1 - dampening)}, not
 * {@code 1f - (float) dampening}), {@code add(other, alpha)} and {@code addcmul} are fused multiply-adds, and Adam's
 * denominator divides by {@code sqrt(1 - beta2^t)} rather than multiplying by its reciprocal. The vector loops do the
 * same operations lane by lane as the scalar tails, so results do not depend on the vector width or on
 * {@code -Dkiln.compiled.scalar}. Every rule updates indices {@code [from, to)} of all its arrays; two threads may
 * update disjoint ranges at once.
 */
public final class OptimizerUpdates {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private OptimizerUpdates() {}

    /**
     * SGD without momentum: {@code p = fma(d, -lr, p)} with {@code d = g}, or {@code d = fma(p, weightDecay, g)} where
     * {@code weightDecay != 0}.
     */
    public static void sgd(float[] p, float[] g, int from, int to, float lr, float weightDecay) {
        if (weightDecay == 0f) sgdPlain(p, g, from, to, -lr);
        else sgdDecayed(p, g, from, to, -lr, weightDecay);
    }

    /** {@code p = fma(g, -lr, p)}: the compiled batch-8 SGD step's update, kept to one FMA a lane. */
    private static void sgdPlain(float[] p, float[] g, int from, int to, float negLr) {
        int i = from;
        if (!Kernels.SCALAR) {
            FloatVector nlr = FloatVector.broadcast(S, negLr);
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                FloatVector.fromArray(S, g, i).fma(nlr, FloatVector.fromArray(S, p, i)).intoArray(p, i);
            }
        }
        for (; i < to; i++) p[i] = Math.fma(g[i], negLr, p[i]);
    }

    private static void sgdDecayed(float[] p, float[] g, int from, int to, float negLr, float weightDecay) {
        int i = from;
        if (!Kernels.SCALAR) {
            FloatVector nlr = FloatVector.broadcast(S, negLr);
            FloatVector wd = FloatVector.broadcast(S, weightDecay);
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                FloatVector pv = FloatVector.fromArray(S, p, i);
                pv.fma(wd, FloatVector.fromArray(S, g, i)).fma(nlr, pv).intoArray(p, i);
            }
        }
        for (; i < to; i++) {
            float pi = p[i];
            p[i] = Math.fma(Math.fma(pi, weightDecay, g[i]), negLr, pi);
        }
    }

    /**
     * SGD with momentum: {@code d} as in {@link #sgd}; the buffer {@code buf = first ? d : fma(d, keep, buf * momentum)}
     * ({@code keep = 1 - dampening}; PyTorch starts the buffer as a copy of the first step's {@code d}); then
     * {@code p = fma(step, -lr, p)} with {@code step = nesterov ? fma(buf, momentum, d) : buf}.
     */
    public static void sgdMomentum(float[] p, float[] g, float[] buf, int from, int to, float lr, float weightDecay,
                                   float momentum, float keep, boolean nesterov, boolean first) {
        if (first) {
            sgdMomentumFirst(p, g, buf, from, to, -lr, weightDecay, momentum, nesterov);
            return;
        }
        float negLr = -lr;
        int i = from;
        if (!Kernels.SCALAR) {
            FloatVector nlr = FloatVector.broadcast(S, negLr), wd = FloatVector.broadcast(S, weightDecay);
            FloatVector kp = FloatVector.broadcast(S, keep), mo = FloatVector.broadcast(S, momentum);
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                FloatVector pv = FloatVector.fromArray(S, p, i);
                FloatVector d = FloatVector.fromArray(S, g, i);
                if (weightDecay != 0f) d = pv.fma(wd, d);
                FloatVector b = d.fma(kp, FloatVector.fromArray(S, buf, i).mul(mo));
                b.intoArray(buf, i);
                FloatVector step = nesterov ? b.fma(mo, d) : b;
                step.fma(nlr, pv).intoArray(p, i);
            }
        }
        for (; i < to; i++) {
            float pi = p[i];
            float d = weightDecay != 0f ? Math.fma(pi, weightDecay, g[i]) : g[i];
            float b = Math.fma(d, keep, buf[i] * momentum);
            buf[i] = b;
            p[i] = Math.fma(nesterov ? Math.fma(b, momentum, d) : b, negLr, pi);
        }
    }

    /** The first momentum step: the buffer becomes {@code d} itself (once per training run, so scalar is enough). */
    private static void sgdMomentumFirst(float[] p, float[] g, float[] buf, int from, int to, float negLr,
                                         float weightDecay, float momentum, boolean nesterov) {
        for (int i = from; i < to; i++) {
            float pi = p[i];
            float d = weightDecay != 0f ? Math.fma(pi, weightDecay, g[i]) : g[i];
            buf[i] = d;
            p[i] = Math.fma(nesterov ? Math.fma(d, momentum, d) : d, negLr, pi);
        }
    }

    /**
     * Adam's step (and AdamW's), the step count's bias corrections folded in by the caller:
     * {@code p *= decay} (AdamW's decoupled weight decay {@code 1 - lr * weight_decay}; 1 for Adam, then skipped);
     * {@code g = fma(p, weightDecay, g)} where {@code weightDecay != 0} (Adam's L2 decay; 0 for AdamW);
     * {@code m = fma(g, c1, m * b1)}; {@code v = fma(c2 * g, g, v * b2)};
     * {@code p = p + (negStepSize * m) / (sqrt(v) / bc2Sqrt + eps)}, where {@code c1 = 1 - beta1},
     * {@code c2 = 1 - beta2}, {@code negStepSize = -lr / (1 - beta1^t)} and {@code bc2Sqrt = sqrt(1 - beta2^t)}, each
     * computed in double and rounded to float.
     */
    public static void adam(float[] p, float[] g, float[] m, float[] v, int from, int to, float decay,
                            float weightDecay, float b1, float c1, float b2, float c2, float negStepSize,
                            float bc2Sqrt, float eps) {
        int i = from;
        if (!Kernels.SCALAR) {
            FloatVector wd = FloatVector.broadcast(S, weightDecay), c1v = FloatVector.broadcast(S, c1);
            for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
                FloatVector pv = FloatVector.fromArray(S, p, i);
                if (decay != 1f) pv = pv.mul(decay);
                FloatVector gv = FloatVector.fromArray(S, g, i);
                if (weightDecay != 0f) gv = pv.fma(wd, gv);
                FloatVector mv = gv.fma(c1v, FloatVector.fromArray(S, m, i).mul(b1));
                FloatVector vv = gv.mul(c2).fma(gv, FloatVector.fromArray(S, v, i).mul(b2));
                mv.intoArray(m, i);
                vv.intoArray(v, i);
                FloatVector denom = vv.sqrt().div(bc2Sqrt).add(eps);
                pv.add(mv.mul(negStepSize).div(denom)).intoArray(p, i);
            }
        }
        for (; i < to; i++) {
            float pi = decay != 1f ? p[i] * decay : p[i];
            float gi = weightDecay != 0f ? Math.fma(pi, weightDecay, g[i]) : g[i];
            float mi = Math.fma(gi, c1, m[i] * b1);
            float vi = Math.fma(c2 * gi, gi, v[i] * b2);
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[i] = pi + (negStepSize * mi) / denom;
        }
    }
}
