package dev.kiln.processor.model;

/**
 * The one table of primitive rules: for each primitive its forward snippet and the backward snippet
 * derived from it. Elementwise rules are Java expressions over {@code x} (input), {@code y} (output)
 * and {@code g} (gradient of the output); the others are JavaPoet named templates of kernel calls.
 * The writers only place these snippets in loops; no derivative is written anywhere else.
 */
public enum Primitive {
    RELU("Math.max(x, 0f)", "y > 0f ? g : 0f", false),
    SIGMOID("1f / (1f + (float) Math.exp(-x))", "g * y * (1f - y)", false),
    TANH("(float) Math.tanh(x)", "g * (1f - y * y)", false),
    /** Slope >= 0 is validated, so the sign of y is the sign of x. */
    LEAKY_RELU("x > 0f ? x : $slope:Lf * x", "y > 0f ? g : $slope:Lf * g", false),
    GELU("$gelu:T.gelu(x)", "g * $gelu:T.geluGrad(x)", true),
    GELU_TANH("$gelu:T.geluTanh(x)", "g * $gelu:T.geluTanhGrad(x)", true),
    /** The mask holds 0 or 1/(1-p), drawn in the forward pass. */
    DROPOUT("x * m", "g * m", false),
    RESIDUAL("x + s", "g", false),
    SOFTMAX("$rowOps:T.softmax($in:L, 0, $out:L, 0, $rows:L, $cols:L)",
            "$rowOps:T.softmaxBackward($out:L, 0, $gOut:L, 0, $gIn:L, 0, $rows:L, $cols:L, $acc:L)", false),
    LOG_SOFTMAX("$rowOps:T.logSoftmax($in:L, 0, $out:L, 0, $rows:L, $cols:L)",
            "$rowOps:T.logSoftmaxBackward($out:L, 0, $gOut:L, 0, $gIn:L, 0, $rows:L, $cols:L, $acc:L)", false),
    /** y = x W^T: forward per block of rows; backward: bias = column sums, W += delta^T x, input = delta W. */
    LINEAR("$dense:T.matmulNT($in:L, r0 * $inF:L, rb, $inF:L, params, $w:L, $outF:L, $pre:L, r0 * $outF:L)",
            "$dense:T.matmulTN($delta:L, 0, $outF:L, $rows:L, $in:L, 0, $inF:L, grads, $w:L, accumulate)", false),
    LINEAR_BIAS("x = x + params[$b:L + j]", "$dense:T.columnSums($delta:L, 0, $rows:L, $outF:L, grads, $b:L, accumulate)", false),
    LINEAR_INPUT("", "$dense:T.matmulNN($delta:L, 0, $rows:L, $outF:L, params, $w:L, $inF:L, $gIn:L, 0, $acc:L)", false),
    /**
     * Conv2d, bias inside the kernel ({@code $b} is -1 without one): forward im2col + W col; backward bias = sums over
     * samples and positions, W += dOut col^T, input = col2im(W^T dOut) (skipped when {@code $gIn} is null).
     */
    CONV2D("$k:L.forward($in:L, n, params, $w:L, $b:L, $out:L)",
            "$k:L.backward($gOut:L, $in:L, n, params, $w:L, grads, $w:L, $b:L, accumulate, $gIn:L, $acc:L)", false),
    /** Max: the gradient goes to the recorded argmax of each window; average: spread over the window by its divisor. */
    POOL2D("$k:L.forward($in:L, n, $out:L)", "$k:L.backward($gOut:L, n, $gIn:L, $acc:L)", false),
    /** Per sample {@code out = a b}; backward {@code da = dOut b^T} (dot products), {@code db = a^T dOut} (broadcasts). */
    MATMUL("for (int s = 0; s < n; s++) $dense:T.matmulNN($a:L, s * $mk:L, $m:L, $k:L, $b:L, s * $kp:L, $p:L, $out:L, s * $mp:L, false)",
            "for (int s = 0; s < n; s++) $dense:T.matmulNT($gOut:L, s * $mp:L, $m:L, $p:L, $b:L, s * $kp:L, $k:L, $gA:L, s * $mk:L, $accA:L);\n"
                    + "for (int s = 0; s < n; s++) $dense:T.matmulTN($a:L, s * $mk:L, $k:L, $m:L, $gOut:L, s * $mp:L, $p:L, $gB:L, s * $kp:L, $accB:L)",
            false),
    /**
     * BatchNorm's statistics; the normalisation, the affine map, a fused activation and the backward are loops that
     * {@code BatchNormWriter} writes around the activation's own rule.
     */
    BATCH_NORM("$bn:T.batchStatistics($in:L, n, $c:L, $s:L, $mean:L, $invStd:L, state, $runMean:L, $runVar:L, $track:L, $momentum:Lf, $eps:Lf)",
            "", false),
    /**
     * Per row: {@code y = xhat * gamma + beta} with {@code xhat = (x - mean) * invStd}; backward {@code dgamma = sum dy*xhat},
     * {@code dbeta = sum dy}, {@code dx = invStd / D * (D*dh - sum dh - xhat * sum dh*xhat)} with {@code dh = dy*gamma}.
     * {@code $gamma} is -1 without elementwise affine.
     */
    LAYER_NORM("$ln:T.forward($in:L, $out:L, $xhat:L, $invStd:L, $rows:L, $cols:L, params, $gamma:L, $beta:L, $eps:Lf)",
            "$ln:T.backward($gOut:L, $xhat:L, $invStd:L, $rows:L, $cols:L, params, $gamma:L, grads, $gamma:L, $beta:L, accumulate, $gIn:L, $needIn:L, $acc:L)",
            false),
    /** {@code y[i] = W[idx[i]]}; backward scatters: {@code dW[idx[i]] += dy[i]}, skipping the padding row. Indices get no gradient. */
    EMBEDDING("$emb:T.forward($label:S, $in:L, $count:L, $perSample:L, params, $w:L, $num:L, $dim:L, $out:L)",
            "$emb:T.backward($gOut:L, $in:L, $count:L, $num:L, $dim:L, $pad:L, grads, $w:L, accumulate)", false),
    BATCH_NORM_EVAL("$bn:T.runningStatistics(state, $runMean:L, $runVar:L, $c:L, $eps:Lf, $mean:L, $invStd:L)", "", false);

    public final String forward;
    public final String backward;
    /** The backward rule reads the input x, so a fused producer must keep it (GELU's pre-activation). */
    public final boolean backwardUsesInput;

    Primitive(String forward, String backward, boolean backwardUsesInput) {
        this.forward = forward;
        this.backward = backward;
        this.backwardUsesInput = backwardUsesInput;
    }

    /** The rule of an activation; {@code tanhApproximation} picks GELU's {@code approximate='tanh'}. */
    public static Primitive of(ActivationKind kind, boolean tanhApproximation) {
        return switch (kind) {
            case RELU -> RELU;
            case SIGMOID -> SIGMOID;
            case TANH -> TANH;
            case LEAKY_RELU -> LEAKY_RELU;
            case GELU -> tanhApproximation ? GELU_TANH : GELU;
            case SOFTMAX -> SOFTMAX;
            case LOG_SOFTMAX -> LOG_SOFTMAX;
        };
    }
}
