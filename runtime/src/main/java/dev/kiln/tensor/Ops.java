package dev.kiln.tensor;

/**
 * The differentiable primitives: each computes its value with a kernel and states its derivative
 * rule right beside it. This is the one table of derivatives; every rule is checked against
 * finite differences in float64 by the tests.
 */
final class Ops {
    private Ops() {}

    // ------------------------------------------------------------ element-wise binary

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        DType compute = TypePromotion.resultType(a, b);
        if (op == BinaryOp.DIV && !compute.isFloatingPoint()) compute = DType.defaultFloat();
        if (op == BinaryOp.POW && !compute.isFloatingPoint() && b.wrappedNumber && b.dtype.isFloatingPoint()) {
            compute = DType.defaultFloat();
        }
        if (op.producesBool && op.ordinal() >= BinaryOp.LOGICAL_AND.ordinal()) compute = DType.promote(a.dtype, b.dtype);
        Tensor out = Elementwise.binary(op, a, b, compute);
        if (op.producesBool || !Autograd.needed(a, b)) return out;
        int[] sa = a.shape, sb = b.shape;
        return switch (op) {
            case ADD -> Autograd.record("AddBackward0", out,
                    g -> new Tensor[] {Autograd.sumToShape(g, sa), Autograd.sumToShape(g, sb)}, a, b);
            case SUB -> Autograd.record("SubBackward0", out,
                    g -> new Tensor[] {Autograd.sumToShape(g, sa), Autograd.sumToShape(g.neg(), sb)}, a, b);
            case MUL -> Autograd.record("MulBackward0", out,
                    g -> new Tensor[] {Autograd.sumToShape(g.mul(b), sa), Autograd.sumToShape(g.mul(a), sb)}, a, b);
            case DIV -> Autograd.record("DivBackward0", out,
                    g -> new Tensor[] {Autograd.sumToShape(g.div(b), sa),
                            Autograd.sumToShape(g.neg().mul(a).div(b.mul(b)), sb)}, a, b);
            case POW -> b.wrappedNumber
                    ? Autograd.record("PowBackward0", out, g -> new Tensor[] {
                            // d/da a^p = p a^(p-1); p = 0 gives zero gradient everywhere, as PyTorch
                            b.item() == 0 ? Tensor.zerosLike(a) : g.mul(a.pow(b.item() - 1).mul(b.item())), null}, a, b)
                    : Autograd.record("PowBackward1", out, g -> new Tensor[] {
                            // b a^(b-1), masked to 0 where b == 0 (else 0^0 gives 0 * inf = nan), as PyTorch
                            Autograd.sumToShape(g.mul(Torch.where(b.eq(0.0), Tensor.zerosLike(out),
                                    b.mul(a.pow(b.sub(1L))))), sa),
                            // d/db a^b = a^b ln a; PyTorch masks a == 0 to 0 so that 0^b stays finite
                            Autograd.sumToShape(g.mul(Torch.where(a.eq(0.0).logicalAnd(b.ge(0.0)),
                                    Tensor.zerosLike(out), out.mul(a.log()))), sb)}, a, b);
            case MAXIMUM, MINIMUM -> Autograd.record(op == BinaryOp.MAXIMUM ? "MaximumBackward0" : "MinimumBackward0", out, g -> {
                // Ties split the gradient evenly, as PyTorch does.
                Tensor aWins = op == BinaryOp.MAXIMUM ? a.gt(b) : a.lt(b);
                Tensor tie = a.eq(b);
                Tensor wa = aWins.to(g.dtype).add(tie.to(g.dtype).mul(0.5));
                return new Tensor[] {Autograd.sumToShape(g.mul(wa), sa), Autograd.sumToShape(g.mul(wa.neg().add(1L)), sb)};
            }, a, b);
            case FLOOR_DIVIDE, REMAINDER -> Autograd.record(op == BinaryOp.REMAINDER ? "RemainderBackward0" : "FloorDivideBackward0", out,
                    g -> new Tensor[] {op == BinaryOp.REMAINDER ? Autograd.sumToShape(g, sa) : Tensor.zerosLike(a),
                            op == BinaryOp.REMAINDER ? Autograd.sumToShape(g.mul(a.div(b).floor().neg()), sb) : Tensor.zerosLike(b)}, a, b);
            default -> out;
        };
    }

    /** {@code self op= other}: computes in the promoted type, then checks it can be stored back. */
    static Tensor inPlace(BinaryOp op, Tensor self, Tensor other) {
        checkInPlaceAllowed(self);
        int[] broadcast = Shapes.broadcast(self.shape, other.shape);
        if (!java.util.Arrays.equals(broadcast, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(broadcast));
        }
        DType compute = TypePromotion.resultType(self, other);
        if (op == BinaryOp.DIV && !compute.isFloatingPoint()) compute = DType.defaultFloat();
        if (compute != self.dtype && DType.promote(compute, self.dtype) != self.dtype) {
            throw new IllegalArgumentException("result type " + compute.scalarTypeName() + " can't be cast to the desired output type " + self.dtype.scalarTypeName());
        }
        if (Autograd.needed(self, other)) {
            // Rebase self onto a fresh node: the value before the op becomes an input of the graph.
            Tensor before = self.detachedCopyKeepingGraph();
            Tensor result = binary(op, before, other);
            Elementwise.copyInto(self, result);
            self.requiresGrad = true;
            self.gradFn = result.gradFn;
            return self;
        }
        Elementwise.binaryInto(op, self, self, other, compute);
        return self;
    }


    // ------------------------------------------------------------ division with a rounding mode

    /** {@code div(a, b, rounding_mode=mode)}: null is true division; "trunc" and "floor" keep integer dtypes. */
    static Tensor div(Tensor a, Tensor b, String mode) {
        if (mode == null) return binary(BinaryOp.DIV, a, b);
        BinaryOp op = roundingOp(mode);
        DeviceOps.requireCpu("div with rounding_mode", a, b);
        Tensor out = Elementwise.binary(op, a, b, TypePromotion.resultType(a, b));
        // A rounded quotient is piecewise constant: PyTorch's gradient is grad * 0 for both operands.
        int[] sa = a.shape, sb = b.shape;
        return Autograd.record("DivBackward2", out, g -> new Tensor[] {
                Autograd.sumToShape(g.mul(0L), sa), Autograd.sumToShape(g.mul(0L), sb)}, a, b);
    }

    /** {@code self.div_(other, rounding_mode=mode)}. */
    static Tensor divInPlace(Tensor self, Tensor other, String mode) {
        if (mode == null) return inPlace(BinaryOp.DIV, self, other);
        BinaryOp op = roundingOp(mode);
        checkInPlaceAllowed(self);
        DeviceOps.requireCpu("div_ with rounding_mode", self, other);
        int[] broadcast = Shapes.broadcast(self.shape, other.shape);
        if (!java.util.Arrays.equals(broadcast, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(broadcast));
        }
        DType compute = TypePromotion.resultType(self, other);
        if (compute != self.dtype && DType.promote(compute, self.dtype) != self.dtype) {
            throw new IllegalArgumentException("result type " + compute.scalarTypeName() + " can't be cast to the desired output type " + self.dtype.scalarTypeName());
        }
        if (Autograd.needed(self, other)) {
            Tensor before = self.detachedCopyKeepingGraph();
            Tensor result = div(before, other, mode);
            Elementwise.copyInto(self, result);
            self.requiresGrad = true;
            self.gradFn = result.gradFn;
            return self;
        }
        Elementwise.binaryInto(op, self, self, other, compute);
        return self;
    }

    private static BinaryOp roundingOp(String mode) {
        return switch (mode) {
            case "trunc" -> BinaryOp.DIV_TRUNC;
            case "floor" -> BinaryOp.FLOOR_DIVIDE;
            default -> throw new IllegalArgumentException("div expected rounding_mode to be one of None, 'trunc', or "
                    + "'floor' but found '" + mode + "'");
        };
    }

    static void checkInPlaceAllowed(Tensor self) {
        if (self.requiresGrad && self.gradFn == null && dev.kiln.autograd.GradMode.isEnabled()) {
            throw new IllegalStateException("a leaf Variable that requires grad is being used in an in-place operation.");
        }
    }

    /** Overwrites every element with {@code src} broadcast to this shape. */
    static Tensor fill(Tensor self, Tensor src) {
        checkInPlaceAllowed(self);
        int[] broadcast = Shapes.broadcast(self.shape, src.shape);  // dst is "tensor a" in the size message, as PyTorch
        if (!java.util.Arrays.equals(broadcast, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(broadcast));
        }
        if (Autograd.needed(src)) {
            Tensor result = src.expand(self.shape).to(self.dtype).clone();
            Elementwise.copyInto(self, result);
            self.requiresGrad = true;
            self.gradFn = result.gradFn;
            return self;
        }
        Elementwise.copyInto(self, src);
        if (self.gradFn != null) self.gradFn = null;  // the old value's history no longer matters
        return self;
    }

    // ------------------------------------------------------------ element-wise unary

    static Tensor unary(UnaryOp op, Tensor a) {
        if (a.dtype.isBool() && op == UnaryOp.NEG) {
            throw new IllegalArgumentException("Negation, the `-` operator, on a bool tensor is not supported. "
                    + "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
        }
        DType outType = op.floating && !a.dtype.isFloatingPoint() ? DType.defaultFloat() : a.dtype;
        Tensor out = Elementwise.unary(op, a, outType);
        if (!Autograd.needed(a)) return out;
        return switch (op) {
            case NEG -> Autograd.record("NegBackward0", out, g -> new Tensor[] {g.neg()}, a);
            case ABS -> Autograd.record("AbsBackward0", out, g -> new Tensor[] {g.mul(a.sign())}, a);
            case SQRT -> Autograd.record("SqrtBackward0", out, g -> new Tensor[] {g.div(out.mul(2L))}, a);
            case RSQRT -> Autograd.record("RsqrtBackward0", out, g -> new Tensor[] {g.mul(out.pow(3L)).mul(-0.5)}, a);
            case EXP -> Autograd.record("ExpBackward0", out, g -> new Tensor[] {g.mul(out)}, a);
            case LOG -> Autograd.record("LogBackward0", out, g -> new Tensor[] {g.div(a)}, a);
            case LOG1P -> Autograd.record("Log1PBackward0", out, g -> new Tensor[] {g.div(a.add(1L))}, a);
            case SIN -> Autograd.record("SinBackward0", out, g -> new Tensor[] {g.mul(a.cos())}, a);
            case COS -> Autograd.record("CosBackward0", out, g -> new Tensor[] {g.mul(a.sin().neg())}, a);
            case TANH -> Autograd.record("TanhBackward0", out, g -> new Tensor[] {g.mul(out.mul(out).neg().add(1L))}, a);
            case SIGMOID -> Autograd.record("SigmoidBackward0", out, g -> new Tensor[] {g.mul(out.mul(out.neg().add(1L)))}, a);
            case RELU -> Autograd.record("ReluBackward0", out, g -> {
                Tensor fast = DeviceOps.any(g, out) ? DeviceOps.reluBackward(g, out) : FloatFastPath.reluBackward(g, out);
                return new Tensor[] {fast != null ? fast : g.mul(out.gt(0.0).to(g.dtype))};
            }, a);
            case RECIPROCAL -> Autograd.record("ReciprocalBackward0", out, g -> new Tensor[] {g.mul(out.mul(out)).neg()}, a);
            case SIGN, FLOOR, CEIL, ROUND -> Autograd.record(capitalise(op) + "Backward0", out, g -> new Tensor[] {Tensor.zerosLike(a)}, a);
            case LOGICAL_NOT -> out;
        };
    }

    private static String capitalise(UnaryOp op) {
        String n = op.name().toLowerCase();
        return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }

    static Tensor unaryBool(UnaryOp op, Tensor a) { return Elementwise.unary(op, a, DType.BOOL); }

    static Tensor clamp(Tensor a, Double min, Double max) {
        if (min == null && max == null) {
            throw new IllegalArgumentException("torch.clamp: At least one of 'min' or 'max' must not be None");
        }
        Tensor out = a;
        try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
            if (min != null) out = Elementwise.binary(BinaryOp.MAXIMUM, out, scalarLike(a, min), a.dtype);
            if (max != null) out = Elementwise.binary(BinaryOp.MINIMUM, out, scalarLike(a, max), a.dtype);
        }
        if (out == a) out = a.clone();
        Tensor result = out;
        return Autograd.record("ClampBackward1", result, g -> {
            Tensor pass = Tensor.onesLike(a).toBool();
            if (min != null) pass = pass.logicalAnd(a.ge(min));
            if (max != null) pass = pass.logicalAnd(a.le(max));
            return new Tensor[] {g.mul(pass.to(g.dtype))};
        }, a);
    }

    /**
     * {@code clamp(min=Tensor, max=Tensor)}, either bound null: broadcast over all three, in their promoted dtype;
     * a NaN anywhere gives NaN. Gradients as PyTorch's {@code clamp_backward_min_max}: the input where it lies within
     * the bounds, a bound where it won (min only while min < max; max wins ties of the bounds).
     */
    static Tensor clamp(Tensor a, Tensor min, Tensor max) {
        if (min == null && max == null) {
            throw new IllegalArgumentException("torch.clamp: At least one of 'min' or 'max' must not be None");
        }
        DType compute = min == null ? TypePromotion.resultType(a, max)
                : max == null ? TypePromotion.resultType(a, min) : TypePromotion.resultType(a, min, max);
        Tensor out = a;
        try (var ignored = dev.kiln.autograd.GradMode.noGrad()) {
            if (min != null) out = Elementwise.binary(BinaryOp.MAXIMUM, out, min, compute);
            if (max != null) out = Elementwise.binary(BinaryOp.MINIMUM, out, max, compute);
        }
        int[] sa = a.shape, smin = min == null ? null : min.shape, smax = max == null ? null : max.shape;
        Tensor result = out;
        return Autograd.record("ClampBackward0", result, g -> {
            Tensor pass = min == null ? a.le(max) : max == null ? a.ge(min) : a.ge(min).logicalAnd(a.le(max));
            Tensor gMin = null, gMax = null;
            if (min != null && min.requiresGrad) {
                Tensor won = max == null ? a.lt(min) : a.lt(min).logicalAnd(min.lt(max));
                gMin = Autograd.sumToShape(g.mul(won.to(g.dtype)), smin);
            }
            if (max != null && max.requiresGrad) {
                Tensor won = min == null ? a.gt(max) : a.gt(max).logicalOr(max.lt(min));
                gMax = Autograd.sumToShape(g.mul(won.to(g.dtype)), smax);
            }
            return new Tensor[] {Autograd.sumToShape(g.mul(pass.to(g.dtype)), sa), gMin, gMax};
        }, a, min, max);
    }

    private static Tensor scalarLike(Tensor a, double v) {
        return a.dtype.isFloatingPoint() ? Tensor.wrap(v) : Tensor.wrap((long) v);
    }

    static Tensor toDtype(Tensor a, DType target) {
        Tensor out = Tensor.empty(target, a.shape, a.device());
        Elementwise.copyInto(out, a);
        if (!target.isFloatingPoint()) return out;
        DType source = a.dtype;
        return Autograd.record("ToCopyBackward0", out, g -> new Tensor[] {g.to(source)}, a);
    }

    static Tensor clone(Tensor a) {
        Tensor out = a.contiguousCopy();
        return Autograd.record("CloneBackward0", out, g -> new Tensor[] {g}, a);
    }

    // ------------------------------------------------------------ reductions

    static Tensor sum(Tensor a, int[] dims, boolean keepdim) {
        Tensor out = Reductions.sum(a, dims, keepdim);
        int[] shape = a.shape;
        return Autograd.record(dims == null ? "SumBackward0" : "SumBackward1", out,
                g -> new Tensor[] {expandReduced(g, a, dims, keepdim).expand(shape)}, a);
    }

    static Tensor mean(Tensor a, int[] dims, boolean keepdim) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("mean(): could not infer output dtype. Input dtype must be either a "
                    + "floating point or complex dtype. Got: " + a.dtype.scalarTypeName());
        }
        Tensor sum = Reductions.sum(a, dims, keepdim);
        int count = Math.max(1, a.numel()) / Math.max(1, sum.numel());
        if (a.numel() == 0) count = 0;
        Tensor out = Elementwise.binary(BinaryOp.DIV, sum, Tensor.wrap((double) count), a.dtype);
        int n = count;
        int[] shape = a.shape;
        return Autograd.record(dims == null ? "MeanBackward0" : "MeanBackward1", out,
                g -> new Tensor[] {expandReduced(g, a, dims, keepdim).expand(shape).div((double) n)}, a);
    }

    static Tensor prod(Tensor a, int[] dims, boolean keepdim) {
        Tensor out = Reductions.prod(a, dims, keepdim);
        int[] shape = a.shape;
        // d prod / dx_i is the product of the other elements (computed directly, so zeros are fine).
        return Autograd.record(dims == null ? "ProdBackward0" : "ProdBackward1", out,
                g -> new Tensor[] {expandReduced(g, a, dims, keepdim).expand(shape).mul(Reductions.prodOfOthers(a, dims))}, a);
    }

    static Tensor var(Tensor a, int[] dims, boolean unbiased, boolean keepdim, boolean sqrt) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("std and var only support floating point and complex dtypes");
        }
        int correction = unbiased ? 1 : 0;
        Tensor out = Reductions.var(a, dims, correction, keepdim, sqrt);
        int n = a.numel() / Math.max(1, out.numel());
        return Autograd.record(sqrt ? "StdBackward0" : "VarBackward0", out, g -> {
            // d var / dx_i = 2 (x_i - mean) / (n - correction); d std = d var / (2 std)
            Tensor centered = a.sub(a.mean(dims == null ? allDims(a) : dims, true));
            Tensor gv = expandReduced(g, a, dims, keepdim);
            if (sqrt) gv = gv.div(expandReduced(out, a, dims, keepdim).mul(2L));
            return new Tensor[] {gv.mul(centered).mul(2.0 / (n - correction))};
        }, a);
    }

    private static int[] allDims(Tensor a) {
        int[] d = new int[a.dim()];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return d;
    }

    /** Reinserts reduced dims (as size 1) into a gradient so that it broadcasts over the input. */
    private static Tensor expandReduced(Tensor g, Tensor input, int[] dims, boolean keepdim) {
        if (keepdim || input.dim() == 0) return g;
        if (dims == null || dims.length == 0) {
            int[] ones = new int[input.dim()];
            java.util.Arrays.fill(ones, 1);
            return g.reshape(ones);
        }
        int[] sorted = java.util.Arrays.stream(dims).map(d -> Shapes.wrapDim(d, input.dim())).sorted().toArray();
        Tensor r = g;
        for (int d : sorted) r = r.unsqueeze(d);
        return r;
    }

    static ValuesIndices extreme(Tensor a, int dim, boolean keepdim, boolean max) {
        Tensor[] vi = Reductions.extremeWithIndices(a, dim, keepdim, max);
        Tensor values = vi[0], indices = vi[1];
        int d = Shapes.wrapDim(dim, a.dim());
        int[] shape = a.shape;
        Autograd.record(max ? "MaxBackward0" : "MinBackward0", values, g -> {
            Tensor gi = keepdim || a.dim() == 0 ? g : g.unsqueeze(d);
            Tensor ii = keepdim || a.dim() == 0 ? indices : indices.unsqueeze(d);
            return new Tensor[] {Indexing.scatterAlong(shape, d, ii, gi)};
        }, a);
        return new ValuesIndices(max ? "max" : "min", values, indices);
    }

    static Tensor extremeAll(Tensor a, boolean max) {
        Tensor out = Reductions.extremeAll(a, max);
        return Autograd.record(max ? "MaxBackward1" : "MinBackward1", out, g -> {
            // The gradient is shared evenly among all elements equal to the extreme, as PyTorch does.
            Tensor mask = a.eq(out).to(g.dtype);
            return new Tensor[] {mask.mul(g).div(mask.sum())};
        }, a);
    }
}
