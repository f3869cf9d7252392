#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/ops.json: tensor ops and PyTorch 1.13's results.

Run with the system interpreter, which has torch 1.13:  /usr/bin/python3 make_ops_fixtures.py

Each case stores its inputs exactly (shape, dtype, row-major values; an optional "permute" makes
the input a non-contiguous view of that leaf), the op name and its arguments, and what torch
computed: every output's shape, dtype and values, the output's grad_fn name, and for floating
outputs the gradient of sum(out * W) with respect to each input that requires grad (W is a fixed
weight tensor stored in the case). OpsParityTest maps each op name to the Kiln call.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "ops.json")

DTYPES = {
    "bool": torch.bool, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
    "float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
}
NAMES = {v: k for k, v in DTYPES.items()}

gen = torch.Generator().manual_seed(1234)
cases = []


def enc(v):
    # JSON has no nan/inf: those travel as strings. Floats use Python's shortest round-trip repr,
    # which Java parses back to the same double (and float32/float16 values are exact doubles).
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def tensor_json(t):
    t = t.detach()
    flat = t.reshape(-1)
    if t.dtype == torch.float16:
        flat = flat.float()
    return {"shape": list(t.shape), "dtype": NAMES[t.dtype], "values": [enc(v) for v in flat.tolist()]}


# ------------------------------------------------------------------ input makers (fixed values)

def rnd(*shape, dtype=torch.float32, lo=-2.0, hi=2.0):
    """Uniform values rounded to 1/64 so that they are exact in float16/32/64 alike."""
    v = torch.rand(*shape, generator=gen, dtype=torch.float64) * (hi - lo) + lo
    return (v * 64).round().div(64).to(dtype)


def pos(*shape, dtype=torch.float32):
    return rnd(*shape, dtype=dtype, lo=0.25, hi=3.0)


def ints(*shape, dtype=torch.int64, lo=-5, hi=6):
    return torch.randint(lo, hi, shape, generator=gen).to(dtype)


def nonzero_ints(*shape, dtype=torch.int64):
    t = ints(*shape, dtype=dtype, lo=1, hi=6)
    sign = torch.randint(0, 2, shape, generator=gen) * 2 - 1
    return (t * sign).to(dtype)


def bools(*shape):
    return torch.randint(0, 2, shape, generator=gen).bool()


def weight_for(t):
    n = t.numel()
    w = torch.tensor([((i * 37) % 17 - 8) / 8.0 for i in range(n)], dtype=torch.float64)
    return w.reshape(t.shape).to(t.dtype)


# ------------------------------------------------------------------ the ops, in torch

def index_of(spec, inputs):
    out = []
    for s in spec:
        k = s["k"]
        if k == "int":
            out.append(s["v"])
        elif k == "slice":
            out.append(slice(s["start"], s["stop"], s["step"]))
        elif k == "none":
            out.append(None)
        elif k == "ellipsis":
            out.append(Ellipsis)
        elif k == "list":
            out.append(list(s["v"]))
        elif k == "input":  # an index or mask tensor passed as one of the (non-grad) inputs
            out.append(inputs[s["v"]])
    return tuple(out)


def scalar(args):
    return args["scalar"]


BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
          "floor_divide": torch.floor_divide, "remainder": torch.remainder, "maximum": torch.maximum,
          "minimum": torch.minimum, "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le,
          "gt": torch.gt, "ge": torch.ge, "logical_and": torch.logical_and, "logical_or": torch.logical_or}
UNARY = ["neg", "abs", "sign", "sqrt", "rsqrt", "exp", "log", "log1p", "sin", "cos", "tanh", "sigmoid",
         "relu", "floor", "ceil", "round", "reciprocal", "logical_not", "clone", "contiguous", "t"]


def run_op(op, x, a):
    if op in BINARY:
        return BINARY[op](x[0], x[1])
    if op.endswith("_scalar") and op[:-7] in BINARY:
        return getattr(x[0], op[:-7])(scalar(a))
    if op in UNARY:
        return getattr(x[0], op)()
    if op in ("add_", "sub_", "mul_", "div_"):  # in-place on a non-leaf copy of input 0
        y = x[0].clone()
        return getattr(y, op)(x[1] if len(x) > 1 else scalar(a))
    if op == "add_alpha":
        return x[0].add(x[1], alpha=a["alpha"])
    if op == "clamp":
        return x[0].clamp(a["min"], a["max"])
    if op in ("sum", "mean", "prod"):
        if a.get("dim") is None:
            return getattr(x[0], op)()
        return getattr(x[0], op)(a["dim"], keepdim=a["keepdim"])
    if op in ("var", "std"):
        if a.get("dim") is None:
            return getattr(x[0], op)(unbiased=a["unbiased"])
        return getattr(x[0], op)(a["dim"], unbiased=a["unbiased"], keepdim=a["keepdim"])
    if op in ("max", "min"):
        if a.get("dim") is None:
            return getattr(x[0], op)()
        r = getattr(x[0], op)(a["dim"], keepdim=a["keepdim"])
        return [r.values, r.indices]
    if op in ("argmax", "argmin"):
        if a.get("dim") is None:
            return getattr(x[0], op)()
        return getattr(x[0], op)(a["dim"], keepdim=a["keepdim"])
    if op in ("all", "any"):
        return getattr(x[0], op)()
    if op in ("matmul", "mm", "dot"):
        return getattr(x[0], op)(x[1])
    if op in ("reshape", "view", "expand", "permute"):
        return getattr(x[0], op)(a["shape"])
    if op == "transpose":
        return x[0].transpose(a["dim0"], a["dim1"])
    if op == "squeeze":
        return x[0].squeeze() if a.get("dim") is None else x[0].squeeze(a["dim"])
    if op == "unsqueeze":
        return x[0].unsqueeze(a["dim"])
    if op == "flatten":
        return x[0].flatten(a["start"], a["end"])
    if op == "narrow":
        return x[0].narrow(a["dim"], a["start"], a["length"])
    if op == "select":
        return x[0].select(a["dim"], a["index"])
    if op == "index":
        return x[0][index_of(a["index"], x)]
    if op == "index_put":
        y = x[0].clone()
        y[index_of(a["index"], x)] = x[a["value_input"]] if "value_input" in a else a["scalar"]
        return y
    if op in ("cat", "stack"):
        return getattr(torch, op)(list(x), a["dim"])
    if op == "where":
        return torch.where(x[0], x[1], x[2])
    if op == "to":
        return x[0].to(DTYPES[a["dtype"]])
    if op == "to_and_back":
        return x[0].to(DTYPES[a["dtype"]]).to(x[0].dtype)
    if op == "arange":
        return torch.arange(*a["range"])
    if op == "linspace":
        return torch.linspace(a["start"], a["end"], a["steps"])
    if op == "eye":
        return torch.eye(a["n"], a["m"])
    if op == "nonzero":
        return torch.nonzero(x[0])
    raise ValueError(op)


def case(name, op, inputs, args=None, grad=True, permute=None):
    """inputs: leaf tensors; permute: {input number: dims} to feed a non-contiguous view instead."""
    args = args or {}
    permute = permute or {}
    leaves = []
    for i, t in enumerate(inputs):
        leaf = t.clone()
        if grad and leaf.dtype in (torch.float32, torch.float64):
            leaf.requires_grad_(True)
        leaves.append(leaf)
    fed = [l.permute(*permute[i]) if i in permute else l for i, l in enumerate(leaves)]
    out = run_op(op, fed, args)
    outs = out if isinstance(out, list) else [out]
    c = {"name": name, "op": op, "args": args,
         "inputs": []}
    for i, l in enumerate(leaves):
        j = tensor_json(l)
        j["requires_grad"] = l.requires_grad
        if i in permute:
            j["permute"] = list(permute[i])
        c["inputs"].append(j)
    c["outputs"] = [tensor_json(o) for o in outs]
    first = outs[0]
    if first.grad_fn is not None:
        c["grad_fn"] = type(first.grad_fn).__name__
    if first.requires_grad and first.dtype in (torch.float32, torch.float64):
        w = weight_for(first)
        try:
            (first * w).sum().backward()
            c["weight"] = tensor_json(w)
            c["grads"] = [tensor_json(l.grad) if l.requires_grad and l.grad is not None else None for l in leaves]
        except RuntimeError as e:
            c["grad_error"] = str(e).split("\n")[0]
    cases.append(c)


# ------------------------------------------------------------------ element-wise binary

f = torch.float32
d = torch.float64
for op in ["add", "sub", "mul", "div", "maximum", "minimum"]:
    case(f"{op}_same_shape_f32", op, [rnd(2, 3), rnd(2, 3)])
    case(f"{op}_broadcast_row_f32", op, [rnd(3, 4), rnd(4)])
    case(f"{op}_broadcast_outer_f64", op, [rnd(3, 1, dtype=d), rnd(1, 4, dtype=d)])
    case(f"{op}_int64", op, [ints(2, 3), nonzero_ints(2, 3)])
case("div_int_by_int_gives_float", "div", [ints(5), nonzero_ints(5)])
case("maximum_ties_split_grad", "maximum", [torch.tensor([1., 2., 3., -1.]), torch.tensor([1., 0., 3., 2.])])
case("minimum_ties_split_grad", "minimum", [torch.tensor([[1., 2.], [5., -1.]]), torch.tensor([1., 5.])])
case("maximum_nan", "maximum", [torch.tensor([1., float("nan"), 3.]), torch.tensor([2., 0., float("nan")])], grad=False)
case("pow_tensor_tensor", "pow", [pos(2, 3), rnd(2, 3)])
case("pow_broadcast_exponent", "pow", [pos(3, 2, dtype=d), rnd(2, dtype=d)])
case("pow_zero_base", "pow", [torch.tensor([0., 0., 2., 0.]), torch.tensor([0., 2., 0., 3.])])
case("pow_int_int", "pow", [ints(6, lo=-3, hi=4), ints(6, lo=0, hi=4)])
case("floor_divide_f32", "floor_divide", [rnd(2, 3), torch.tensor([0.75, -1.5, 2.0])], grad=False)
case("floor_divide_int", "floor_divide", [ints(2, 4, lo=-9, hi=10), nonzero_ints(4)])
case("remainder_f32", "remainder", [rnd(2, 3, lo=-5, hi=5), torch.tensor([0.75, -1.5, 2.0])])
case("remainder_int", "remainder", [ints(2, 4, lo=-9, hi=10), nonzero_ints(4)])
case("add_noncontig", "add", [rnd(3, 2), rnd(2, 3)], permute={0: (1, 0)})
case("mul_noncontig_both", "mul", [rnd(4, 3, dtype=d), rnd(3, 4, dtype=d)], permute={0: (1, 0), 1: (0, 1)})
case("add_alpha", "add_alpha", [rnd(2, 3), rnd(3)], {"alpha": 2.5})
case("sub_0dim_tensor", "sub", [rnd(2, 2), torch.tensor(1.5)])
case("mul_scalar_tensor_grad_both", "mul", [torch.tensor(3.0), rnd(2, 3)])

# type promotion between tensors
case("promote_int32_int64", "add", [ints(3, dtype=torch.int32), ints(3)])
case("promote_int16_int32", "mul", [ints(3, dtype=torch.int16), ints(3, dtype=torch.int32)])
case("promote_int64_f32", "add", [ints(3), rnd(3)])
case("promote_f32_f64", "add", [rnd(3), rnd(3, dtype=d)])
case("promote_f16_f32", "add", [rnd(3, dtype=torch.float16), rnd(3)])
case("promote_f16_f16", "mul", [rnd(4, dtype=torch.float16), rnd(4, dtype=torch.float16)])
case("promote_bool_bool_add", "add", [bools(5), bools(5)])
case("promote_bool_int", "add", [bools(4), ints(4)])
case("promote_bool_f32", "mul", [bools(4), rnd(4)])
case("promote_int32_dim_f64_zerodim", "add", [ints(3, dtype=torch.int32), torch.tensor(1.5, dtype=d)])
case("promote_f32_dim_f64_zerodim", "add", [rnd(3), torch.tensor(1.25, dtype=d)])
case("promote_int32_dim_int64_zerodim", "add", [ints(3, dtype=torch.int32), torch.tensor(7)])
case("promote_int16_dim_f16_zerodim", "mul", [ints(3, dtype=torch.int16), torch.tensor(1.5, dtype=torch.float16)])
case("promote_zerodims_only", "add", [torch.tensor(2, dtype=torch.int32), torch.tensor(2.5, dtype=d)])

# tensor-scalar (Python int and float scalars)
for op in ["add", "sub", "mul", "div", "pow"]:
    case(f"{op}_scalar_float_f32", op + "_scalar", [pos(2, 3)], {"scalar": 2.5})
    case(f"{op}_scalar_int_f32", op + "_scalar", [pos(2, 3)], {"scalar": 3})
    case(f"{op}_scalar_int_int64", op + "_scalar", [ints(2, 3)], {"scalar": 2})
    case(f"{op}_scalar_float_int64", op + "_scalar", [ints(2, 3)], {"scalar": 2.5})
case("add_scalar_int_int32_stays_int32", "add_scalar", [ints(4, dtype=torch.int32)], {"scalar": 5})
case("mul_scalar_float_int16", "mul_scalar", [ints(4, dtype=torch.int16)], {"scalar": 0.5})
case("add_scalar_float_f16", "add_scalar", [rnd(4, dtype=torch.float16)], {"scalar": 2.5})
case("mul_scalar_int_f64", "mul_scalar", [rnd(4, dtype=d)], {"scalar": -3})
case("add_scalar_int_bool", "add_scalar", [bools(4)], {"scalar": 1})
case("mul_scalar_float_bool", "mul_scalar", [bools(4)], {"scalar": 1.5})
case("pow_scalar_zero", "pow_scalar", [rnd(5)], {"scalar": 0.0})
case("pow_scalar_half", "pow_scalar", [pos(5, dtype=d)], {"scalar": 0.5})
case("pow_scalar_negative", "pow_scalar", [pos(5)], {"scalar": -2})
case("floor_divide_scalar_int", "floor_divide_scalar", [ints(6, lo=-9, hi=10)], {"scalar": 4})
case("remainder_scalar_int", "remainder_scalar", [ints(6, lo=-9, hi=10)], {"scalar": -4})
case("remainder_scalar_int_f32", "remainder_scalar", [rnd(6, lo=-5, hi=5)], {"scalar": 3})
case("floor_divide_scalar_int_f32", "floor_divide_scalar", [rnd(6, lo=-5, hi=5)], {"scalar": 3}, grad=False)

# comparisons and logic
cmp_a = torch.tensor([[1., 2., 3.], [4., float("nan"), -1.]])
cmp_b = torch.tensor([3., 2., -1.])
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    case(f"{op}_f32_broadcast", op, [cmp_a, cmp_b])
    case(f"{op}_int_vs_float_scalar", op + "_scalar", [torch.tensor([1, 2, 3, 4])], {"scalar": 2.5})
    case(f"{op}_int_vs_int_tensor", op, [ints(5), ints(5)])
case("eq_f32_scalar_float", "eq_scalar", [torch.tensor([0.5, 1.0, 2.0])], {"scalar": 1.0})
case("logical_and", "logical_and", [bools(2, 3), bools(3)])
case("logical_or_ints", "logical_or", [ints(5, lo=-1, hi=2), ints(5, lo=-1, hi=2)])
case("logical_not_f32", "logical_not", [torch.tensor([0., 1.5, -2., 0.])])
case("all_true", "all", [torch.tensor([1, 2, 3])])
case("all_false", "all", [torch.tensor([[True, False], [True, True]])])
case("any_f32", "any", [torch.tensor([0., 0., 0.5])])
case("any_none", "any", [torch.tensor([0, 0])])

# ------------------------------------------------------------------ element-wise unary

for op in ["neg", "abs", "sin", "cos", "tanh", "sigmoid", "exp", "relu", "sign", "floor", "ceil", "round", "clone"]:
    case(f"{op}_f32", op, [rnd(2, 3)])
for op in ["sqrt", "rsqrt", "log", "log1p", "reciprocal"]:
    case(f"{op}_f32", op, [pos(2, 3)])
    case(f"{op}_f64_noncontig", op, [pos(3, 2, dtype=d)], permute={0: (1, 0)})
for op in ["exp", "sqrt", "sin", "log"]:
    case(f"{op}_int64_gives_float", op, [ints(4, lo=1, hi=6)])
for op in ["neg", "abs", "relu", "sign"]:
    case(f"{op}_int64", op, [ints(2, 3)])
case("abs_at_zero", "abs", [torch.tensor([-1.0, 0.0, 2.0])])
case("relu_at_zero", "relu", [torch.tensor([-1.0, 0.0, 2.0])])
case("round_half_even", "round", [torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.25])])
case("tanh_f64_noncontig", "tanh", [rnd(3, 4, dtype=d)], permute={0: (1, 0)})
case("sqrt_negative_nan", "sqrt", [torch.tensor([-1.0, 4.0])], grad=False)
case("log_zero_inf", "log", [torch.tensor([0.0, 1.0])], grad=False)
case("contiguous_of_transpose", "contiguous", [rnd(2, 3)], permute={0: (1, 0)})
case("t_2d", "t", [rnd(2, 3)])
case("t_1d", "t", [rnd(3)])
case("clamp_both", "clamp", [torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])], {"min": -1.0, "max": 0.5})
case("clamp_min_only", "clamp", [rnd(2, 3)], {"min": 0.0, "max": None})
case("clamp_max_only", "clamp", [rnd(2, 3, dtype=d)], {"min": None, "max": 0.25})
case("clamp_int", "clamp", [ints(6)], {"min": -2, "max": 3})
case("clamp_int_float_bounds", "clamp", [ints(6)], {"min": 0.5, "max": 1.5})

# in-place ops on non-leaves (autograd rebases the graph)
case("add_inplace_tensor", "add_", [rnd(2, 3), rnd(3)])
case("mul_inplace_tensor", "mul_", [rnd(2, 3, dtype=d), rnd(2, 3, dtype=d)])
case("sub_inplace_scalar", "sub_", [rnd(4)], {"scalar": 1.5})
case("div_inplace_scalar_int", "div_", [rnd(4)], {"scalar": 4})
case("add_inplace_int_into_float", "add_", [rnd(4), ints(4)])
case("mul_inplace_int_by_int", "mul_", [ints(4), ints(4, dtype=torch.int32)])

# ------------------------------------------------------------------ reductions

x23 = rnd(2, 3, 4)
for op in ["sum", "mean", "prod"]:
    case(f"{op}_all", op, [rnd(3, 4)])
    case(f"{op}_dim1", op, [x23], {"dim": 1, "keepdim": False})
    case(f"{op}_dim_neg_keepdim", op, [x23], {"dim": -1, "keepdim": True})
    if op != "prod":
        case(f"{op}_dims_list", op, [x23], {"dim": [0, 2], "keepdim": False})
        case(f"{op}_dims_list_keepdim_f64", op, [rnd(2, 3, 4, dtype=d)], {"dim": [2, 0], "keepdim": True})
case("sum_int32_gives_int64", "sum", [ints(2, 3, dtype=torch.int32)])
case("sum_bool", "sum", [bools(7)])
case("sum_int_dim", "sum", [ints(3, 4)], {"dim": 0, "keepdim": False})
case("prod_int", "prod", [ints(5, lo=1, hi=4)])
case("prod_with_zero", "prod", [torch.tensor([2.0, 0.0, 3.0])], grad=False)
case("mean_noncontig", "mean", [rnd(4, 3)], {"dim": 1, "keepdim": False}, permute={0: (1, 0)})
case("sum_0dim", "sum", [torch.tensor(2.5)])
for op in ["var", "std"]:
    case(f"{op}_all_unbiased", op, [rnd(3, 4)], {"unbiased": True})
    case(f"{op}_all_biased", op, [rnd(3, 4, dtype=d)], {"unbiased": False})
    case(f"{op}_dim0", op, [x23], {"dim": 0, "unbiased": True, "keepdim": False})
    case(f"{op}_dim_keepdim_biased", op, [x23], {"dim": 2, "unbiased": False, "keepdim": True})
    case(f"{op}_dims_list", op, [x23], {"dim": [0, 1], "unbiased": True, "keepdim": False})
for op in ["max", "min"]:
    case(f"{op}_all", op, [rnd(3, 4)])
    case(f"{op}_all_ties", op, [torch.tensor([[1.0, 3.0], [3.0, -3.0]]) * (1 if op == "max" else -1)])
    case(f"{op}_dim1", op, [x23], {"dim": 1, "keepdim": False})
    case(f"{op}_dim0_keepdim", op, [rnd(3, 4, dtype=d)], {"dim": 0, "keepdim": True})
    case(f"{op}_dim_ties_int", op, [torch.tensor([[2, 5, 5], [1, 1, 0]])], {"dim": 1, "keepdim": False})
    case(f"{op}_dim_nan", op, [torch.tensor([[1.0, float("nan"), 3.0], [0.0, 2.0, -1.0]])], {"dim": 1, "keepdim": False}, grad=False)
    case(f"{op}_all_int", op, [ints(5)])
for op in ["argmax", "argmin"]:
    case(f"{op}_all", op, [rnd(3, 4)])
    case(f"{op}_dim", op, [x23], {"dim": 2, "keepdim": False})
    case(f"{op}_dim_keepdim", op, [x23], {"dim": 0, "keepdim": True})
    case(f"{op}_ties_first", op, [torch.tensor([[1, 4, 4], [0, 0, -2]])], {"dim": 1, "keepdim": False})

# ------------------------------------------------------------------ linear algebra

for dt in [torch.float32, torch.float64]:
    n = NAMES[dt]
    case(f"matmul_1d_1d_{n}", "matmul", [rnd(4, dtype=dt), rnd(4, dtype=dt)])
    case(f"matmul_2d_1d_{n}", "matmul", [rnd(3, 4, dtype=dt), rnd(4, dtype=dt)])
    case(f"matmul_1d_2d_{n}", "matmul", [rnd(3, dtype=dt), rnd(3, 5, dtype=dt)])
    case(f"matmul_2d_2d_{n}", "matmul", [rnd(2, 3, dtype=dt), rnd(3, 4, dtype=dt)])
    case(f"matmul_3d_3d_{n}", "matmul", [rnd(2, 3, 4, dtype=dt), rnd(2, 4, 2, dtype=dt)])
    case(f"matmul_4d_3d_broadcast_{n}", "matmul", [rnd(2, 1, 3, 4, dtype=dt), rnd(3, 4, 2, dtype=dt)])
    case(f"matmul_3d_2d_{n}", "matmul", [rnd(2, 3, 4, dtype=dt), rnd(4, 2, dtype=dt)])
    case(f"matmul_1d_3d_{n}", "matmul", [rnd(3, dtype=dt), rnd(2, 3, 2, dtype=dt)])
    case(f"matmul_3d_1d_{n}", "matmul", [rnd(2, 3, 4, dtype=dt), rnd(4, dtype=dt)])
case("matmul_int64_2d", "matmul", [ints(2, 3), ints(3, 2)])
case("matmul_int64_1d", "matmul", [ints(4), ints(4)])
case("matmul_int64_batched", "matmul", [ints(2, 2, 3), ints(3, 2)])
case("matmul_transposed_operands", "matmul", [rnd(3, 2), rnd(4, 3)], permute={0: (1, 0), 1: (1, 0)})
case("matmul_batched_noncontig", "matmul", [rnd(2, 4, 3, dtype=d), rnd(2, 4, 2, dtype=d)], permute={0: (0, 2, 1)})
case("mm_f32", "mm", [rnd(3, 2), rnd(2, 3)])
case("dot_f64", "dot", [rnd(5, dtype=d), rnd(5, dtype=d)])

# ------------------------------------------------------------------ shape ops

x234 = rnd(2, 3, 4)
case("reshape_infer", "reshape", [x234], {"shape": [4, -1]})
case("reshape_noncontig_copies", "reshape", [rnd(3, 4)], {"shape": [12]}, permute={0: (1, 0)})
case("reshape_to_0dim", "reshape", [torch.tensor([2.5])], {"shape": []})
case("view_split_dim", "view", [x234], {"shape": [2, 3, 2, 2]})
case("view_of_transposed_compatible", "view", [rnd(2, 3, 4)], {"shape": [4, 6]}, permute={0: (2, 0, 1)})
case("transpose_0_2", "transpose", [x234], {"dim0": 0, "dim1": 2})
case("transpose_neg", "transpose", [x234], {"dim0": -1, "dim1": -2})
case("permute_3d", "permute", [x234], {"shape": [2, 0, 1]})
case("permute_neg_dims_int", "permute", [ints(2, 3, 2)], {"shape": [-1, 0, 1]})
case("squeeze_all", "squeeze", [rnd(1, 3, 1, 2)])
case("squeeze_dim", "squeeze", [rnd(1, 3, 1, 2)], {"dim": 2})
case("squeeze_dim_not_one", "squeeze", [rnd(1, 3, 1, 2)], {"dim": 1})
case("unsqueeze_front", "unsqueeze", [rnd(2, 3)], {"dim": 0})
case("unsqueeze_neg", "unsqueeze", [rnd(2, 3)], {"dim": -1})
case("unsqueeze_middle_noncontig", "unsqueeze", [rnd(3, 2)], {"dim": 1}, permute={0: (1, 0)})
case("expand_new_dims", "expand", [rnd(3, 1)], {"shape": [2, 3, 4]})
case("expand_keep_minus_one", "expand", [rnd(1, 3, dtype=d)], {"shape": [4, -1]})
case("expand_int", "expand", [ints(1)], {"shape": [3]})
case("flatten_all", "flatten", [x234], {"start": 0, "end": -1})
case("flatten_middle", "flatten", [rnd(2, 3, 4, 5)], {"start": 1, "end": 2})
case("flatten_noncontig", "flatten", [rnd(3, 4)], {"start": 0, "end": -1}, permute={0: (1, 0)})
case("narrow_dim1", "narrow", [x234], {"dim": 1, "start": 1, "length": 2})
case("narrow_neg_dim", "narrow", [x234], {"dim": -1, "start": 0, "length": 3})
case("select_middle", "select", [x234], {"dim": 1, "index": 2})
case("select_neg_index", "select", [x234], {"dim": 0, "index": -1})
case("select_noncontig", "select", [rnd(3, 4)], {"dim": 1, "index": 1}, permute={0: (1, 0)})

# ------------------------------------------------------------------ indexing


def I(v): return {"k": "int", "v": v}


def S(start=None, stop=None, step=None): return {"k": "slice", "start": start, "stop": stop, "step": step}


def L(*v): return {"k": "list", "v": list(v)}


def T(i): return {"k": "input", "v": i}


NONE = {"k": "none"}
ELL = {"k": "ellipsis"}
x345 = rnd(3, 4, 5)
case("index_int", "index", [x345], {"index": [I(1)]})
case("index_two_ints", "index", [x345], {"index": [I(2), I(-1)]})
case("index_neg_int", "index", [x345], {"index": [I(-3)]})
case("index_all_ints_0dim", "index", [x345], {"index": [I(0), I(1), I(2)]})
case("index_slice", "index", [x345], {"index": [S(1, 3)]})
case("index_slice_step", "index", [x345], {"index": [S(None, None, 2), S(1, None, 2)]})
case("index_slice_neg_bounds", "index", [x345], {"index": [S(-2, None), S(None, -1)]})
case("index_slice_clamped", "index", [x345], {"index": [S(1, 100, 3)]})
case("index_slice_empty", "index", [x345], {"index": [S(2, 1)]})
case("index_ellipsis_int", "index", [x345], {"index": [ELL, I(1)]})
case("index_none", "index", [x345], {"index": [NONE, I(0), S(None, None, 2)]})
case("index_int_slice_ellipsis", "index", [x345], {"index": [S(None, 2), ELL, S(1, None, 3)]})
case("index_list", "index", [x345], {"index": [L(0, 2, 2)]})
case("index_list_neg", "index", [x345], {"index": [S(), L(-1, 0)]})
case("index_list_repeated_grad_accumulates", "index", [rnd(4)], {"index": [L(1, 1, 3, 1)]})
case("index_two_lists", "index", [x345], {"index": [L(0, 2), L(1, 3)]})
case("index_tensor_2d", "index", [x345, torch.tensor([[0, 1], [2, 0]])], {"index": [T(1)]})
case("index_bool_mask_full", "index", [rnd(2, 3), torch.tensor([[True, False, True], [False, False, True]])], {"index": [T(1)]})
case("index_bool_mask_dim0", "index", [x345, torch.tensor([True, False, True])], {"index": [T(1)]})
case("index_bool_mask_dim1", "index", [x345, torch.tensor([False, True, True, False])], {"index": [S(), T(1)]})
case("index_bool_mask_values_int", "index", [ints(6), torch.tensor([True, False, True, True, False, False])], {"index": [T(1)]})
case("index_adjacent_adv_after_slice", "index", [x345], {"index": [S(), L(0, 2), L(1, 4)]})
case("index_adjacent_adv_with_int", "index", [x345], {"index": [S(None, None, 2), I(1), L(0, 3, 4)]})
case("index_nonadjacent_adv", "index", [x345], {"index": [L(0, 2), S(1, 3), L(1, 4)]})
case("index_nonadjacent_broadcast", "index", [x345, torch.tensor([[0], [2]]), torch.tensor([1, 4, 0])], {"index": [T(1), S(), T(2)]})
case("index_adv_broadcast_adjacent", "index", [x345, torch.tensor([[0], [3]]), torch.tensor([1, 4])], {"index": [S(1, None), T(1), T(2)]})
case("index_list_then_slice", "index", [x345], {"index": [L(2, 0), S(None, None, 2)]})
case("index_noncontig_source", "index", [rnd(4, 3)], {"index": [L(1, 1), S(None, 3)]}, permute={0: (1, 0)})
case("index_int64_source", "index", [ints(3, 4)], {"index": [L(0, 2), L(3, 0)]})

# index assignment (no autograd: Kiln's set does not record)
case("index_put_int_scalar", "index_put", [ints(3, 4)], {"index": [I(1)], "scalar": 9}, grad=False)
case("index_put_slice_step_scalar_float", "index_put", [rnd(3, 4)], {"index": [S(), S(None, None, 2)], "scalar": 0.5}, grad=False)
case("index_put_float_into_int_truncates", "index_put", [ints(4)], {"index": [S(1, 3)], "scalar": 2.7}, grad=False)
case("index_put_mask_scalar", "index_put", [rnd(2, 3), torch.tensor([[True, False, True], [False, True, False]])], {"index": [T(1)], "scalar": -1.0}, grad=False)
case("index_put_list_tensor_value", "index_put", [rnd(4, 3), rnd(2, 3)], {"index": [L(0, 2)], "value_input": 1}, grad=False)
case("index_put_list_broadcast_value", "index_put", [rnd(4, 3), rnd(3)], {"index": [L(3, 1)], "value_input": 1}, grad=False)
case("index_put_two_lists", "index_put", [ints(3, 4), ints(2)], {"index": [L(0, 2), L(1, 3)], "value_input": 1}, grad=False)
case("index_put_nonadjacent", "index_put", [rnd(3, 4, 5), rnd(2, 4)], {"index": [L(0, 2), S(), L(1, 4)], "value_input": 1}, grad=False)
case("index_put_adjacent_after_slice", "index_put", [rnd(3, 4, 5), rnd(3, 2)], {"index": [S(), L(0, 3), L(1, 2)], "value_input": 1}, grad=False)
case("index_put_slice_tensor_value_broadcast", "index_put", [rnd(3, 4), rnd(4)], {"index": [S(None, 2)], "value_input": 1}, grad=False)
case("index_put_ellipsis", "index_put", [rnd(2, 3, 4)], {"index": [ELL, I(0)], "scalar": 3}, grad=False)
case("index_put_f64_value_into_f32", "index_put", [rnd(2, 2), rnd(2, dtype=d)], {"index": [I(0)], "value_input": 1}, grad=False)

# ------------------------------------------------------------------ joining, where, conversions

case("cat_dim0", "cat", [rnd(2, 3), rnd(1, 3), rnd(3, 3)], {"dim": 0})
case("cat_dim1_f64", "cat", [rnd(2, 1, dtype=d), rnd(2, 3, dtype=d)], {"dim": 1})
case("cat_neg_dim", "cat", [rnd(2, 2, 1), rnd(2, 2, 2)], {"dim": -1})
case("cat_promotes", "cat", [ints(2), rnd(3)], {"dim": 0})
case("cat_int_int32", "cat", [ints(2, dtype=torch.int32), ints(2)], {"dim": 0})
case("cat_skips_empty_1d", "cat", [rnd(2, 2), torch.zeros(0), rnd(1, 2)], {"dim": 0})
case("cat_noncontig", "cat", [rnd(3, 2), rnd(2, 3)], {"dim": 0}, permute={0: (1, 0)})
case("stack_dim0", "stack", [rnd(2, 3), rnd(2, 3)], {"dim": 0})
case("stack_dim_last", "stack", [rnd(2, 3, dtype=d), rnd(2, 3, dtype=d), rnd(2, 3, dtype=d)], {"dim": -1})
case("stack_dim1_int", "stack", [ints(2, 2), ints(2, 2)], {"dim": 1})
case("where_same_shape", "where", [bools(2, 3), rnd(2, 3), rnd(2, 3)])
case("where_broadcast", "where", [bools(3, 1), rnd(1, 4), rnd(3, 4, dtype=torch.float32)])
case("where_promotes_int_float", "where", [bools(4), ints(4), rnd(4, dtype=d)])
case("where_scalar_tensor_branch", "where", [bools(2, 2), torch.tensor(0.0), rnd(2, 2)])
case("to_int_truncates", "to", [torch.tensor([-2.7, -0.5, 0.5, 2.7, 3.99])], {"dtype": "int64"})
case("to_int32_truncates", "to", [torch.tensor([-1.5, 1.5, 100.25])], {"dtype": "int32"})
case("to_int16_truncates_f64", "to", [torch.tensor([-7.9, 7.9], dtype=d)], {"dtype": "int16"})
case("to_half_and_back", "to_and_back", [torch.tensor([0.1, 1.0 / 3, 1000.7, 65519.0, 1e-5, -2.5])], {"dtype": "float16"})
case("to_half", "to", [torch.tensor([0.1, 2.0 / 3, -1234.567])], {"dtype": "float16"})
case("to_f64_grad", "to", [rnd(2, 3)], {"dtype": "float64"})
case("to_f32_from_f64_rounds", "to", [torch.tensor([0.1, 1.0 / 3], dtype=d)], {"dtype": "float32"})
case("to_bool_from_float", "to", [torch.tensor([0.0, -0.5, 2.0, float("nan")])], {"dtype": "bool"})
case("to_float_from_bool", "to", [torch.tensor([True, False])], {"dtype": "float32"})
case("to_int_from_bool", "to", [torch.tensor([True, False, True])], {"dtype": "int64"})
case("to_float_from_int", "to", [ints(4)], {"dtype": "float32"})
case("to_int32_from_int64_wraps", "to", [torch.tensor([2**31 + 5, -(2**31) - 3, 7])], {"dtype": "int32"})
case("nonzero_2d", "nonzero", [torch.tensor([[0, 1, 0], [2, 0, 3]])])
case("nonzero_bool_1d", "nonzero", [torch.tensor([True, False, True])])

# ------------------------------------------------------------------ creation (no inputs)

case("arange_int", "arange", [], {"range": [2, 11, 3]})
case("arange_int_negative_step", "arange", [], {"range": [5, -4, -2]})
case("arange_float", "arange", [], {"range": [0.0, 1.0, 0.1]})
case("arange_float_neg", "arange", [], {"range": [1.5, -1.0, -0.3]})
case("linspace_5", "linspace", [], {"start": -1.0, "end": 1.0, "steps": 5})
case("linspace_7_odd", "linspace", [], {"start": 0.1, "end": 3.7, "steps": 7})
case("linspace_1", "linspace", [], {"start": 2.0, "end": 9.0, "steps": 1})
case("eye_rect", "eye", [], {"n": 2, "m": 3})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as fh:
    json.dump(cases, fh, separators=(",", ":"))
    fh.write("\n")
print(f"{len(cases)} cases, {os.path.getsize(OUT)} bytes -> {os.path.normpath(OUT)}")
