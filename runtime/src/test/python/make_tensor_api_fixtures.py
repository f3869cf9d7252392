#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/tensor_api.json: the tensor API a PyTorch user reaches for next
(split, chunk, unbind, sort, argsort, topk, cumsum, cumprod, gather, scatter, scatter_add, where, masked_fill,
isnan, isinf, isfinite, nan_to_num, clamp with tensor bounds, softmax, log_softmax, div with rounding_mode,
comparisons with Python ints, the uint8, int8 and bfloat16 dtypes, tolist and printing) with PyTorch 1.13's results.

Run with the system interpreter, which has torch 1.13:  /usr/bin/python3 make_tensor_api_fixtures.py

Four lists, read by TensorApiParityTest:
  cases   inputs stored exactly (shape, dtype, row-major values; "permute" feeds a non-contiguous view), the op and
          its arguments, every output (shape, dtype, values), the first output's grad_fn name, and the gradient of
          sum_k sum(out_k * W_k) over the floating outputs that require grad, for each input that requires grad.
          "unordered_ties" marks sort/topk cases whose indices PyTorch does not fix (ties without stable=True where
          its kernel did not keep the input order): there the test checks the values, and that the indices pick them.
  errors  calls that PyTorch refuses, with its exception type and first message line.
  prints  tensors and repr(t).
  tolist  tensors and t.tolist().
  promote torch.promote_types for every pair of dtypes.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "tensor_api.json")

DTYPES = {
    "bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
    "float64": torch.float64,
}
NAMES = {v: k for k, v in DTYPES.items()}
FLOATING = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
GRAD_DTYPES = (torch.float32, torch.float64)

gen = torch.Generator().manual_seed(2024)
cases, errors, prints, tolists = [], [], [], []


def enc(v):
    # JSON has no nan/inf: those travel as strings. Floats use Python's shortest round-trip repr, which Java parses
    # back to the same double (float16, bfloat16 and float32 values are exact doubles). Ints stay exact.
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def enc_args(args):
    return {k: [enc(x) for x in v] if isinstance(v, list) else enc(v) for k, v in args.items()}


def tensor_json(t):
    t = t.detach()
    flat = t.reshape(-1)
    if t.dtype in (torch.float16, torch.bfloat16):
        flat = flat.double()
    return {"shape": list(t.shape), "dtype": NAMES[t.dtype], "values": [enc(v) for v in flat.tolist()]}


# ------------------------------------------------------------------ inputs (fixed values)

def rnd(*shape, dtype=torch.float32, lo=-2.0, hi=2.0):
    """Uniform values rounded to 1/64: exact in float16, float32 and float64 alike."""
    v = torch.rand(*shape, generator=gen, dtype=torch.float64) * (hi - lo) + lo
    return (v * 64).round().div(64).to(dtype)


def distinct(*shape, dtype=torch.float32):
    """Values without ties (a random permutation of -n/2..n/2, over 4): finite differences stay away from kinks."""
    n = int(torch.tensor(shape).prod()) if shape else 1
    p = torch.randperm(n, generator=gen).to(torch.float64) - n // 2
    return (p / 4).reshape(shape).to(dtype)


def ints(*shape, dtype=torch.int64, lo=-5, hi=6):
    return torch.randint(lo, hi, shape, generator=gen).to(dtype)


def bools(*shape):
    return torch.randint(0, 2, shape, generator=gen).bool()


def perm_index(shape, dim, size):
    """An int64 index of `shape` whose lines along `dim` hold distinct values below `size` (no repeats: scatter is
    then deterministic)."""
    out = torch.empty(shape, dtype=torch.int64)
    moved = out.movedim(dim, -1)
    flat = moved.reshape(-1, shape[dim])
    for r in range(flat.shape[0]):
        flat[r] = torch.randperm(size, generator=gen)[: shape[dim]]
    return flat.reshape(moved.shape).movedim(-1, dim).contiguous()


def weight_for(t, k):
    n = t.numel()
    w = torch.tensor([((i * 37 + 11 * k) % 17 - 8) / 8.0 for i in range(n)], dtype=torch.float64)
    return w.reshape(t.shape).to(t.dtype)


# ------------------------------------------------------------------ the ops, in torch

def run_op(op, x, a):
    if op == "split":
        return list(torch.split(x[0], a["split"], a["dim"]))
    if op == "chunk":
        return list(torch.chunk(x[0], a["chunks"], a["dim"]))
    if op == "unbind":
        return list(torch.unbind(x[0], a["dim"]))
    if op == "sort":
        kw = {"dim": a["dim"], "descending": a["descending"]}
        if a.get("stable") is not None:
            kw["stable"] = a["stable"]
        r = torch.sort(x[0], **kw)
        return [r.values, r.indices]
    if op == "argsort":
        return torch.argsort(x[0], dim=a["dim"], descending=a["descending"])
    if op == "topk":
        r = torch.topk(x[0], a["k"], dim=a["dim"], largest=a["largest"], sorted=a["sorted"])
        return [r.values, r.indices]
    if op in ("cumsum", "cumprod"):
        dt = DTYPES[a["dtype"]] if a.get("dtype") else None
        return getattr(torch, op)(x[0], a["dim"], dtype=dt)
    if op == "gather":
        return torch.gather(x[0], a["dim"], x[1])
    if op == "scatter":
        return torch.scatter(x[0], a["dim"], x[1], x[2])
    if op == "scatter_value":
        return torch.scatter(x[0], a["dim"], x[1], a["value"])
    if op == "scatter_add":
        return torch.scatter_add(x[0], a["dim"], x[1], x[2])
    if op in ("scatter_", "scatter_add_"):  # in place on a non-leaf copy of input 0
        y = x[0].clone()
        return getattr(y, op)(a["dim"], x[1], x[2])
    if op == "where":
        return torch.where(x[0], x[1], x[2])
    if op == "where_scalar":  # torch.where(cond, x, scalar) or (cond, scalar, x) or (cond, s, s)
        xs = a["x"] if "x" in a else x[1]
        ys = a["y"] if "y" in a else x[-1]
        return torch.where(x[0], xs, ys)
    if op == "where_method":
        return x[0].where(x[1], x[2])
    if op == "masked_fill":
        return x[0].masked_fill(x[1], x[2] if len(x) > 2 else a["value"])
    if op == "masked_fill_":
        y = x[0].clone()
        return y.masked_fill_(x[1], x[2] if len(x) > 2 else a["value"])
    if op in ("isnan", "isinf", "isfinite"):
        return getattr(torch, op)(x[0])
    if op == "nan_to_num":
        return torch.nan_to_num(x[0], nan=a.get("nan"), posinf=a.get("posinf"), neginf=a.get("neginf"))
    if op == "nan_to_num_":
        y = x[0].clone()
        return y.nan_to_num_(nan=a.get("nan"), posinf=a.get("posinf"), neginf=a.get("neginf"))
    if op == "clamp_tensor":
        lo = x[a["min"]] if a.get("min") is not None else None
        hi = x[a["max"]] if a.get("max") is not None else None
        return torch.clamp(x[0], lo, hi)
    if op in ("softmax", "log_softmax"):
        dt = DTYPES[a["dtype"]] if a.get("dtype") else None
        return getattr(x[0], op)(a["dim"], dtype=dt)
    if op == "div_mode":
        other = x[1] if len(x) > 1 else a["scalar"]
        return torch.div(x[0], other, rounding_mode=a["mode"])
    if op == "div_mode_":
        y = x[0].clone()
        return y.div_(x[1] if len(x) > 1 else a["scalar"], rounding_mode=a["mode"])
    if op in ("eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "div", "floor_divide", "remainder",
              "maximum", "minimum"):
        other = x[1] if len(x) > 1 else a["scalar"]
        return getattr(torch, op)(x[0], other)
    if op == "to":
        return x[0].to(DTYPES[a["dtype"]])
    if op in ("sum", "mean", "prod", "neg", "abs", "exp", "relu", "sqrt"):
        if a.get("dim") is not None:
            return getattr(x[0], op)(a["dim"])
        return getattr(x[0], op)()
    if op == "matmul":
        return x[0] @ x[1]
    if op == "cat":
        return torch.cat(list(x), a["dim"])
    raise ValueError(op)


def leaves_of(inputs, grad):
    out = []
    for i, t in enumerate(inputs):
        leaf = t.clone()
        if grad is True and leaf.dtype in GRAD_DTYPES or isinstance(grad, (list, tuple)) and i in grad:
            leaf.requires_grad_(True)
        out.append(leaf)
    return out


def case(name, op, inputs, args=None, grad=True, permute=None):
    """grad: True (every floating input requires grad), False, or the list of input numbers that do."""
    args = args or {}
    permute = permute or {}
    leaves = leaves_of(inputs, grad)
    fed = [l.permute(*permute[i]) if i in permute else l for i, l in enumerate(leaves)]
    out = run_op(op, fed, args)
    outs = out if isinstance(out, list) else [out]
    c = {"name": name, "op": op, "args": enc_args(args), "inputs": []}
    for i, l in enumerate(leaves):
        j = tensor_json(l)
        j["requires_grad"] = l.requires_grad
        if i in permute:
            j["permute"] = list(permute[i])
        c["inputs"].append(j)
    c["outputs"] = [tensor_json(o) for o in outs]
    if outs and outs[0].grad_fn is not None:
        c["grad_fn"] = type(outs[0].grad_fn).__name__
    if op in ("sort", "topk", "argsort"):
        c["unordered_ties"] = not deterministic_indices(op, fed[0], args, outs)
    graded = [o for o in outs if o.requires_grad and o.dtype in FLOATING]
    if graded:
        loss, weights = 0, []
        for k, o in enumerate(outs):
            if o.requires_grad and o.dtype in FLOATING:
                w = weight_for(o, k)
                weights.append(tensor_json(w))
                loss = loss + (o * w).sum()
            else:
                weights.append(None)
        loss.backward()
        c["weights"] = weights
        c["grads"] = [tensor_json(l.grad) if l.requires_grad and l.grad is not None else None for l in leaves]
    cases.append(c)


def deterministic_indices(op, x, a, outs):
    """Whether PyTorch's indices are those of a stable sort (what Kiln returns); else they depend on its kernel."""
    x = x.detach()
    if op == "sort":
        ref = torch.sort(x, dim=a["dim"], descending=a["descending"], stable=True).indices
        return torch.equal(ref, outs[1])
    if op == "argsort":
        ref = torch.sort(x, dim=a["dim"], descending=a["descending"], stable=True).indices
        return torch.equal(ref, outs[0])
    ref = torch.sort(x, dim=a["dim"], descending=a["largest"], stable=True).indices.narrow(a["dim"] if x.dim() else 0, 0, a["k"]) \
        if x.dim() else torch.tensor(0)
    return a["sorted"] and torch.equal(ref, outs[1])


def error(name, op, inputs, args=None):
    args = args or {}
    try:
        run_op(op, [t.clone() for t in inputs], args)
    except (RuntimeError, IndexError) as e:
        errors.append({"name": name, "op": op, "args": enc_args(args), "inputs": [tensor_json(t) for t in inputs],
                       "type": type(e).__name__, "message": str(e).split("\n")[0]})
        return
    raise AssertionError(f"{name}: torch did not refuse it")


def show(name, t):
    c = tensor_json(t)
    c["name"] = name
    c["requires_grad"] = t.requires_grad
    c["repr"] = repr(t)
    prints.append(c)


def listed(name, t):
    c = tensor_json(t)
    c["name"] = name
    c["expected"] = t.tolist()
    tolists.append(c)


f32, f64, f16, bf16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
u8, i8, i16, i32, i64 = torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64
nan, inf = float("nan"), float("inf")
T = torch.tensor

# ------------------------------------------------------------------ split, chunk, unbind

x357 = rnd(3, 5, 7)
case("split_size_dim0_uneven", "split", [rnd(5, 3)], {"split": 2, "dim": 0})
case("split_size_neg_dim", "split", [x357], {"split": 3, "dim": -1})
case("split_size_larger_than_dim", "split", [rnd(2, 3, dtype=f64)], {"split": 5, "dim": 1})
case("split_sizes", "split", [x357], {"split": [1, 0, 4], "dim": 1})
case("split_sizes_neg_dim_f64", "split", [rnd(4, 6, dtype=f64)], {"split": [2, 3, 1], "dim": -1})
case("split_noncontig", "split", [rnd(4, 3)], {"split": 2, "dim": 0}, permute={0: (1, 0)})
case("split_int", "split", [ints(7)], {"split": 3, "dim": 0})
case("split_empty_dim", "split", [torch.zeros(0, 2)], {"split": 2, "dim": 0})
case("chunk_even", "chunk", [rnd(6, 2)], {"chunks": 3, "dim": 0})
case("chunk_uneven_fewer_pieces", "chunk", [rnd(2, 6)], {"chunks": 4, "dim": 1})
case("chunk_more_than_size", "chunk", [rnd(3)], {"chunks": 5, "dim": 0})
case("chunk_neg_dim", "chunk", [x357], {"chunks": 2, "dim": -2})
case("chunk_empty_dim", "chunk", [torch.zeros(0, 2)], {"chunks": 3, "dim": 0})
case("unbind_dim0", "unbind", [rnd(3, 4)], {"dim": 0})
case("unbind_neg_dim_f64", "unbind", [rnd(2, 3, 4, dtype=f64)], {"dim": -1})
case("unbind_noncontig", "unbind", [rnd(3, 2)], {"dim": 1}, permute={0: (1, 0)})
case("unbind_uint8", "unbind", [ints(2, 3, dtype=u8, lo=0, hi=255)], {"dim": 1})

# ------------------------------------------------------------------ sort, argsort, topk

ties = T([[3., 1., 3., -0., 0., 1., 2.], [5., 5., 5., -1., 5., -1., 0.]])
with_nan = T([[2., nan, -1., inf, nan, -inf, 0.5], [nan, 1., 1., -2., nan, 3., -0.]])
case("sort_last_dim", "sort", [rnd(4, 6)], {"dim": -1, "descending": False})
case("sort_dim0_descending", "sort", [rnd(5, 3)], {"dim": 0, "descending": True})
case("sort_middle_dim_f64", "sort", [rnd(3, 5, 2, dtype=f64)], {"dim": 1, "descending": False})
case("sort_noncontig", "sort", [rnd(4, 3)], {"dim": 1, "descending": False}, permute={0: (1, 0)})
case("sort_ties_stable", "sort", [ties], {"dim": 1, "descending": False, "stable": True})
case("sort_ties_stable_descending", "sort", [ties], {"dim": 1, "descending": True, "stable": True})
case("sort_ties_default", "sort", [ties], {"dim": 1, "descending": False})
case("sort_ties_long_line", "sort", [(torch.arange(40) % 4).float()], {"dim": 0, "descending": True, "stable": True})
case("sort_nan_ascending", "sort", [with_nan], {"dim": 1, "descending": False, "stable": True}, grad=False)
case("sort_nan_descending", "sort", [with_nan], {"dim": 1, "descending": True, "stable": True}, grad=False)
case("sort_int", "sort", [ints(3, 5)], {"dim": 1, "descending": True, "stable": True})
case("sort_uint8", "sort", [T([200, 3, 255, 0, 128], dtype=u8)], {"dim": 0, "descending": False, "stable": True})
case("sort_int8", "sort", [T([-128, 3, 127, 0, -1], dtype=i8)], {"dim": 0, "descending": True, "stable": True})
case("sort_bool", "sort", [T([True, False, True, False])], {"dim": 0, "descending": False, "stable": True})
case("sort_bfloat16", "sort", [rnd(6, dtype=bf16)], {"dim": 0, "descending": False, "stable": True})
case("sort_0dim", "sort", [T(2.5)], {"dim": 0, "descending": False})
case("sort_empty_dim", "sort", [torch.zeros(3, 0)], {"dim": 1, "descending": False})
case("argsort_last", "argsort", [rnd(3, 4)], {"dim": -1, "descending": False})
case("argsort_dim0_desc_int", "argsort", [ints(4, 3, lo=-50, hi=50)], {"dim": 0, "descending": True})
case("topk_largest", "topk", [rnd(3, 8)], {"k": 3, "dim": -1, "largest": True, "sorted": True})
case("topk_smallest_dim0", "topk", [rnd(7, 2, dtype=f64)], {"k": 2, "dim": 0, "largest": False, "sorted": True})
case("topk_k_equals_size", "topk", [rnd(2, 5)], {"k": 5, "dim": 1, "largest": True, "sorted": True})
case("topk_k_zero", "topk", [rnd(2, 5)], {"k": 0, "dim": 1, "largest": True, "sorted": True})
case("topk_unsorted", "topk", [distinct(4, 6)], {"k": 3, "dim": 1, "largest": True, "sorted": False})
case("topk_noncontig", "topk", [rnd(5, 3)], {"k": 2, "dim": 1, "largest": True, "sorted": True}, permute={0: (1, 0)})
case("topk_ties", "topk", [ties], {"k": 3, "dim": 1, "largest": True, "sorted": True})
case("topk_nan_largest", "topk", [with_nan], {"k": 3, "dim": 1, "largest": True, "sorted": True}, grad=False)
case("topk_nan_smallest", "topk", [with_nan], {"k": 3, "dim": 1, "largest": False, "sorted": True}, grad=False)
case("topk_int", "topk", [ints(2, 9, lo=-100, hi=100)], {"k": 4, "dim": 1, "largest": True, "sorted": True})
case("topk_0dim", "topk", [T(1.5)], {"k": 1, "dim": 0, "largest": True, "sorted": True})

# ------------------------------------------------------------------ cumsum, cumprod

case("cumsum_dim1", "cumsum", [rnd(3, 5)], {"dim": 1})
case("cumsum_neg_dim_3d", "cumsum", [x357], {"dim": -3})
case("cumsum_noncontig_f64", "cumsum", [rnd(4, 3, dtype=f64)], {"dim": 1}, permute={0: (1, 0)})
case("cumsum_int32_gives_int64", "cumsum", [ints(2, 4, dtype=i32)], {"dim": 1})
case("cumsum_uint8_gives_int64", "cumsum", [T([200, 100, 255], dtype=u8)], {"dim": 0})
case("cumsum_bool", "cumsum", [bools(6)], {"dim": 0})
case("cumsum_dtype_f64", "cumsum", [rnd(5)], {"dim": 0, "dtype": "float64"})
case("cumsum_dtype_uint8_wraps", "cumsum", [T([200, 100, 1], dtype=u8)], {"dim": 0, "dtype": "uint8"})
case("cumsum_nan_inf", "cumsum", [T([1., nan, 2., inf, -inf])], {"dim": 0}, grad=False)
case("cumsum_0dim", "cumsum", [T(3.5)], {"dim": 0})
case("cumprod_dim1", "cumprod", [rnd(3, 5, lo=0.5, hi=1.5)], {"dim": 1})
case("cumprod_with_zeros", "cumprod", [T([[2., 0., 3., 0.5], [0., 1.5, -2., 4.], [1., 2., 0., 0.]])], {"dim": 1})
case("cumprod_neg_dim_f64", "cumprod", [rnd(2, 3, 4, dtype=f64, lo=-1.5, hi=1.5)], {"dim": -2})
case("cumprod_int", "cumprod", [ints(6, lo=-3, hi=4)], {"dim": 0})
case("cumprod_bfloat16", "cumprod", [T([1.5, 2., -0.5, 4.], dtype=bf16)], {"dim": 0})

# ------------------------------------------------------------------ gather, scatter, scatter_add

x45 = rnd(4, 5)
case("gather_dim1", "gather", [x45, ints(4, 3, lo=0, hi=5)], {"dim": 1})
case("gather_dim0_repeats_accumulate_grad", "gather", [x45, ints(6, 5, lo=0, hi=4)], {"dim": 0})
case("gather_neg_dim_smaller_index", "gather", [rnd(3, 4, 5, dtype=f64), ints(2, 3, 2, lo=0, hi=5)], {"dim": -1})
case("gather_noncontig", "gather", [rnd(5, 4), ints(4, 2, lo=0, hi=5)], {"dim": 1}, permute={0: (1, 0)})
case("gather_int", "gather", [ints(3, 4), ints(3, 4, lo=0, hi=3)], {"dim": 0})
case("gather_0dim_index", "gather", [rnd(4), T(2)], {"dim": 0})
case("scatter_dim1", "scatter", [rnd(3, 5), perm_index([3, 2], 1, 5), rnd(3, 2)], {"dim": 1})
case("scatter_dim0_src_larger", "scatter", [rnd(4, 3), perm_index([2, 3], 0, 4), rnd(3, 4)], {"dim": 0}, grad=[0])
case("scatter_neg_dim_f64", "scatter", [rnd(2, 3, 6, dtype=f64), perm_index([2, 3, 4], 2, 6), rnd(2, 3, 4, dtype=f64)], {"dim": -1})
case("scatter_value", "scatter_value", [rnd(3, 4), perm_index([3, 2], 1, 4)], {"dim": 1, "value": -1.5})
case("scatter_value_int", "scatter_value", [ints(3, 4), perm_index([2, 4], 0, 3)], {"dim": 0, "value": 7})
case("scatter_int", "scatter", [ints(3, 4), perm_index([3, 2], 1, 4), ints(3, 2)], {"dim": 1})
case("scatter_add_repeats", "scatter_add", [rnd(3, 4), ints(5, 4, lo=0, hi=3), rnd(5, 4)], {"dim": 0})
case("scatter_add_dim1_f64", "scatter_add", [rnd(2, 5, dtype=f64), ints(2, 7, lo=0, hi=5), rnd(2, 7, dtype=f64)], {"dim": 1})
case("scatter_add_int", "scatter_add", [ints(4), ints(6, lo=0, hi=4), ints(6)], {"dim": 0})
case("scatter_add_noncontig_self", "scatter_add", [rnd(4, 3), ints(2, 4, lo=0, hi=3), rnd(2, 4)], {"dim": 1}, permute={0: (1, 0)})
case("scatter_inplace", "scatter_", [rnd(3, 4), perm_index([3, 2], 1, 4), rnd(3, 2)], {"dim": 1})
case("scatter_add_inplace", "scatter_add_", [rnd(3, 4), ints(3, 4, lo=0, hi=3), rnd(3, 4)], {"dim": 0})

# ------------------------------------------------------------------ where, masked_fill

case("where_broadcast_three", "where", [bools(3, 1, 4), rnd(5, 1), rnd(1, 4)])
case("where_promotes_f32_f64", "where", [bools(4), rnd(4), rnd(4, dtype=f64)])
case("where_int_uint8_int8", "where", [bools(4), ints(4, dtype=u8, lo=0, hi=255), ints(4, dtype=i8)])
case("where_uint8_condition", "where", [T([1, 0, 1, 0], dtype=u8), rnd(4), rnd(4)])
case("where_nan", "where", [T([True, False, True]), T([nan, 1., 2.]), T([0., nan, inf])], grad=False)
case("where_tensor_float_scalar", "where_scalar", [bools(2, 3), rnd(2, 3)], {"y": 0.5})
case("where_int_tensor_float_scalar", "where_scalar", [bools(5), ints(5)], {"y": 2.5})
case("where_int_tensor_int_scalar", "where_scalar", [bools(5), ints(5, dtype=i32)], {"y": 2})
case("where_scalar_tensor", "where_scalar", [bools(2, 2), rnd(2, 2, dtype=f64)], {"x": -1.0})
case("where_two_scalars", "where_scalar", [bools(4)], {"x": 1.5, "y": 2})
case("where_method", "where_method", [rnd(2, 3), bools(2, 3), rnd(3)])
case("masked_fill_scalar", "masked_fill", [rnd(3, 4), bools(3, 4)], {"value": -2.5})
case("masked_fill_broadcast_mask", "masked_fill", [rnd(3, 4, dtype=f64), bools(4)], {"value": 9.0})
case("masked_fill_mask_broadcasts_self", "masked_fill", [rnd(1, 4), bools(3, 4)], {"value": 0.0})
case("masked_fill_nan_value", "masked_fill", [rnd(5), bools(5)], {"value": nan}, grad=False)
case("masked_fill_tensor_value_grad", "masked_fill", [rnd(2, 3), bools(2, 3), T(1.25)])
case("masked_fill_int_float_value_truncates", "masked_fill", [ints(5), bools(5)], {"value": 2.7})
case("masked_fill_uint8_negative_wraps", "masked_fill", [T([1, 2, 3], dtype=u8), T([True, False, True])], {"value": -1})
case("masked_fill_uint8_mask", "masked_fill", [rnd(4), T([1, 0, 0, 1], dtype=u8)], {"value": 3.0})
case("masked_fill_noncontig", "masked_fill", [rnd(4, 3), bools(3, 4)], {"value": 1.0}, permute={0: (1, 0)})
case("masked_fill_inplace", "masked_fill_", [rnd(3, 4), bools(4)], {"value": 0.5})
case("masked_fill_inplace_tensor_value", "masked_fill_", [rnd(3, 2), bools(3, 2), T(-0.75)])

# ------------------------------------------------------------------ isnan, isinf, isfinite, nan_to_num

special = T([[0., nan, -inf], [inf, -0.5, 3.25e38]])
for op in ("isnan", "isinf", "isfinite"):
    case(f"{op}_f32", op, [special])
    case(f"{op}_f16", op, [special.clamp(-7e4, 7e4).half()])
    case(f"{op}_int", op, [ints(4)])
    case(f"{op}_bfloat16", op, [T([nan, inf, 1.5], dtype=bf16)])
case("nan_to_num_defaults_f32", "nan_to_num", [special], grad=False)
case("nan_to_num_defaults_f64", "nan_to_num", [special.double()], grad=False)
case("nan_to_num_defaults_f16", "nan_to_num", [T([nan, inf, -inf, 2.5], dtype=f16)])
case("nan_to_num_defaults_bf16", "nan_to_num", [T([nan, inf, -inf, 2.5], dtype=bf16)])
case("nan_to_num_given", "nan_to_num", [special], {"nan": 1.5, "posinf": 100.0, "neginf": -7.0}, grad=False)
case("nan_to_num_grad", "nan_to_num", [T([1., nan, -2., inf, -inf, 0.5])], {"nan": 0.25})
case("nan_to_num_int", "nan_to_num", [ints(4)], {"nan": 3.0})
case("nan_to_num_inplace", "nan_to_num_", [T([nan, 1., -inf])], {"neginf": -1.0})

# ------------------------------------------------------------------ clamp with tensor bounds

case("clamp_tensor_both", "clamp_tensor", [distinct(3, 4), distinct(4) - 1.1, distinct(3, 1) + 0.6], {"min": 1, "max": 2})
case("clamp_tensor_min_only", "clamp_tensor", [distinct(2, 5, dtype=f64), distinct(5, dtype=f64) + 0.3], {"min": 1})
case("clamp_tensor_max_only", "clamp_tensor", [distinct(6), distinct(6) + 0.1], {"max": 1})
case("clamp_tensor_min_above_max", "clamp_tensor", [T([0.5, 1.5, 2.5, 4.0]), T([1., 1., 3., 3.]), T([2., 2., 2., 2.])], {"min": 1, "max": 2})
case("clamp_tensor_nan", "clamp_tensor", [T([nan, 1., 5.]), T([0., nan, 0.]), T([2., 2., 2.])], {"min": 1, "max": 2}, grad=False)
case("clamp_tensor_int_float_bound", "clamp_tensor", [T([1, 5, 9]), T([2.5])], {"min": 1})
case("clamp_tensor_int", "clamp_tensor", [ints(5), ints(5, lo=-5, hi=0), ints(1, lo=1, hi=4)], {"min": 1, "max": 2})

# ------------------------------------------------------------------ softmax, log_softmax

for op in ("softmax", "log_softmax"):
    case(f"{op}_last", op, [rnd(3, 5)], {"dim": -1})
    case(f"{op}_dim0_f64", op, [rnd(4, 3, dtype=f64)], {"dim": 0})
    case(f"{op}_middle_3d", op, [x357], {"dim": 1})
    case(f"{op}_dtype_f64", op, [rnd(2, 3)], {"dim": 1, "dtype": "float64"})
    case(f"{op}_int_with_dtype", op, [ints(2, 3)], {"dim": 1, "dtype": "float32"})
    case(f"{op}_large_values", op, [T([[1000., 1001., 999.], [-inf, 0., -inf]])], {"dim": 1})
    case(f"{op}_0dim", op, [T(0.7)], {"dim": 0})

# ------------------------------------------------------------------ div with rounding_mode

for mode in ("trunc", "floor"):
    case(f"div_{mode}_f32", "div_mode", [rnd(3, 4, lo=-5, hi=5), rnd(4, lo=0.5, hi=2)], {"mode": mode})
    case(f"div_{mode}_f64_neg_divisor", "div_mode", [rnd(5, dtype=f64, lo=-5, hi=5), rnd(5, dtype=f64, lo=-2, hi=-0.5)], {"mode": mode})
    case(f"div_{mode}_int", "div_mode", [ints(2, 5, lo=-9, hi=10), T([3, -3, 4, -4, 7])], {"mode": mode})
    case(f"div_{mode}_int_scalar", "div_mode", [ints(6, lo=-9, hi=10)], {"mode": mode, "scalar": 4})
    case(f"div_{mode}_int_float_scalar", "div_mode", [ints(6, lo=-9, hi=10)], {"mode": mode, "scalar": 2.5})
    case(f"div_{mode}_float_by_zero", "div_mode", [T([-2.5, 0., 3.5])], {"mode": mode, "scalar": 0.0}, grad=False)
    case(f"div_{mode}_signed_zero", "div_mode", [T([-0., 0.5, -0.5, 0.])], {"mode": mode, "scalar": -2}, grad=False)
    case(f"div_{mode}_uint8_scalar_wraps", "div_mode", [T([5, 200, 255], dtype=u8)], {"mode": mode, "scalar": -2})
    case(f"div_{mode}_int8", "div_mode", [T([-128, -7, 7, 127], dtype=i8), T([-1, 2, -2, 3], dtype=i8)], {"mode": mode})
    case(f"div_{mode}_inplace", "div_mode_", [rnd(4, lo=-5, hi=5), rnd(4, lo=0.5, hi=2)], {"mode": mode})
case("div_none_mode_is_true_division", "div_mode", [ints(4, lo=1, hi=9), T([2, 3, 4, 5])], {"mode": None})
case("floor_divide_f32_exact_quotients", "floor_divide", [T([1., -1., 0.3, -0.3, 7.5]), T([0.1, 0.1, 0.1, 0.1, -2.5])], grad=False)

# ------------------------------------------------------------------ comparisons with Python ints, big int64

big = T([2**53 + 1, 2**53, -(2**63), 2**63 - 1, 5])
for op in ("eq", "ne", "lt", "le", "gt", "ge"):
    case(f"{op}_int64_long_beyond_2_53", op, [big], {"scalar": 2**53})
    case(f"{op}_f32_long_rounds_to_f32", op, [T([16777216., 16777218., 3.])], {"scalar": 16777217})
    case(f"{op}_uint8_negative_long_wraps", op, [T([200, 56, 0], dtype=u8)], {"scalar": -56})
case("gt_uint8_long_above_255_wraps", "gt", [T([200, 40], dtype=u8)], {"scalar": 300})
case("eq_int64_exact", "eq", [big, T([2**53 + 1, 2**53 + 1, -(2**63), 2**63 - 1, 6])])
case("add_int64_beyond_2_53", "add", [big], {"scalar": 2})

# ------------------------------------------------------------------ uint8, int8, bfloat16: conversion and promotion

case("to_uint8_wraps_and_truncates", "to", [T([-1.5, 300.7, -300., 255.9, 0.99])], {"dtype": "uint8"})
case("to_int8_wraps_and_truncates", "to", [T([-1.5, 300.7, -300., 127.9, -128.5])], {"dtype": "int8"})
case("to_uint8_from_int64_wraps", "to", [T([-1, 256, 257, 1000])], {"dtype": "uint8"})
case("to_int8_from_int64_wraps", "to", [T([-129, 128, 255, 1000])], {"dtype": "int8"})
case("to_bfloat16_rounds_nearest_even", "to",
     [T([0.1, 1. / 3, 1000.7, 1.00390625, 1.01171875, -2.5, 3.4e38, 1e-40, 0.])], {"dtype": "bfloat16"})
case("to_bfloat16_from_f64", "to", [T([0.1, 1.0000000001, 65504.], dtype=f64)], {"dtype": "bfloat16"})
case("to_bfloat16_nan_inf", "to", [T([nan, inf, -inf, -0.])], {"dtype": "bfloat16"}, grad=False)
case("to_bfloat16_grad", "to", [rnd(2, 3)], {"dtype": "bfloat16"})
case("to_f32_from_bfloat16", "to", [rnd(5, dtype=bf16)], {"dtype": "float32"})
case("to_uint8_from_bool", "to", [T([True, False])], {"dtype": "uint8"})
case("to_bool_from_int8", "to", [T([0, -1, 5], dtype=i8)], {"dtype": "bool"})
case("to_int16_from_uint8", "to", [T([0, 200, 255], dtype=u8)], {"dtype": "int16"})
case("promote_uint8_int8_gives_int16", "add", [T([200, 1, 255], dtype=u8), T([-1, 127, 1], dtype=i8)])
case("promote_uint8_int16", "mul", [T([200, 3], dtype=u8), T([300, -2], dtype=i16)])
case("promote_int8_int32", "sub", [T([-128, 5], dtype=i8), T([100000, 1], dtype=i32)])
case("promote_uint8_bool", "add", [T([254, 255], dtype=u8), T([True, True])])
case("promote_uint8_float32", "mul", [T([200, 3], dtype=u8), rnd(2)])
case("promote_bf16_f16_gives_f32", "add", [T([1.5, 0.1], dtype=bf16), T([2.25, 0.1], dtype=f16)])
case("promote_bf16_f32", "add", [T([1.5, 0.1], dtype=bf16), T([0.1, 0.2])])
case("promote_bf16_int64", "mul", [T([1.5, 0.1], dtype=bf16), T([3, 1000])])
case("promote_uint8_dim_int64_zerodim", "add", [T([250, 1], dtype=u8), T(10)])
case("uint8_arith_wraps", "add", [T([250, 5], dtype=u8), T([10, 250], dtype=u8)])
case("uint8_sub_scalar_wraps", "sub", [T([1, 2], dtype=u8)], {"scalar": 3})
case("uint8_mul_float_scalar", "mul", [T([1, 200], dtype=u8)], {"scalar": 1.5})
case("int8_arith_wraps", "mul", [T([100, -100, 3], dtype=i8), T([2, 2, -1], dtype=i8)])
case("int8_div_gives_float", "div", [T([7, -7], dtype=i8), T([2, 2], dtype=i8)])
case("uint8_floor_divide_remainder", "remainder", [T([200, 7, 255], dtype=u8), T([7, 3, 16], dtype=u8)])
case("bf16_add", "add", [rnd(4, dtype=bf16), rnd(4, dtype=bf16)])
case("bf16_mul_scalar", "mul", [T([0.1, 3.0, -1.7], dtype=bf16)], {"scalar": 0.3})
case("bf16_div", "div", [T([1., 2., 3.], dtype=bf16), T([3., 3., 7.], dtype=bf16)])
case("bf16_exp", "exp", [T([0.5, -1., 2.], dtype=bf16)])
case("bf16_sum_dim", "sum", [T([[0.5, 1.25], [2., 3.5]], dtype=bf16)], {"dim": 1})
case("bf16_maximum_nan", "maximum", [T([nan, 1.], dtype=bf16), T([0., 2.], dtype=bf16)])
case("uint8_sum_gives_int64", "sum", [T([200, 200, 255], dtype=u8)])
case("int8_neg_abs", "abs", [T([-128, -5, 7], dtype=i8)])
case("uint8_neg_wraps", "neg", [T([0, 1, 200], dtype=u8)])
case("uint8_relu", "relu", [T([0, 1, 200], dtype=u8)])
case("uint8_sqrt_gives_float", "sqrt", [T([0, 4, 200], dtype=u8)])
case("uint8_prod_gives_int64", "prod", [T([2, 3, 50], dtype=u8)])
case("int8_matmul", "matmul", [T([[1, 2], [3, -4]], dtype=i8), T([[5], [6]], dtype=i8)])
case("cat_uint8_int8_promotes", "cat", [T([1, 255], dtype=u8), T([-1], dtype=i8)], {"dim": 0})
case("cat_bf16_f32", "cat", [T([0.1], dtype=bf16), T([0.1])], {"dim": 0})

# ------------------------------------------------------------------ errors PyTorch raises

error("split_zero_size", "split", [rnd(2, 5)], {"split": 0, "dim": 1})
error("split_negative_size", "split", [rnd(2, 5)], {"split": -1, "dim": 1})
error("split_sizes_wrong_sum", "split", [rnd(2, 5)], {"split": [2, 2], "dim": 1})
error("split_sizes_negative", "split", [rnd(2, 5)], {"split": [6, -1], "dim": 1})
error("split_0dim", "split", [T(1.)], {"split": 1, "dim": 0})
error("split_dim_out_of_range", "split", [rnd(1, 2)], {"split": 1, "dim": 2})
error("chunk_zero_chunks", "chunk", [rnd(4)], {"chunks": 0, "dim": 0})
error("chunk_0dim", "chunk", [T(1.)], {"chunks": 2, "dim": 0})
error("unbind_0dim", "unbind", [T(1.)], {"dim": -1})
error("unbind_dim_out_of_range", "unbind", [rnd(2, 5)], {"dim": 2})
error("sort_dim_out_of_range", "sort", [rnd(2, 5)], {"dim": 3, "descending": False})
error("topk_k_too_large", "topk", [rnd(2, 5)], {"k": 6, "dim": -1, "largest": True, "sorted": True})
error("topk_k_negative", "topk", [rnd(2, 5)], {"k": -1, "dim": -1, "largest": True, "sorted": True})
error("topk_0dim_k2", "topk", [T(5.)], {"k": 2, "dim": 0, "largest": True, "sorted": True})
error("topk_bool", "topk", [T([True, False])], {"k": 1, "dim": 0, "largest": True, "sorted": True})
error("cumsum_dim_out_of_range", "cumsum", [rnd(2, 5)], {"dim": -3})
error("gather_int32_index", "gather", [rnd(2, 5), ints(2, 2, dtype=i32, lo=0, hi=2)], {"dim": 1})
error("gather_index_rank", "gather", [rnd(2, 5), T([0])], {"dim": 1})
error("gather_index_too_big_elsewhere", "gather", [rnd(2, 5), T([[0, 0, 0, 0, 0, 0]])], {"dim": 0})
error("gather_index_out_of_bounds", "gather", [rnd(2, 5), T([[5]])], {"dim": 1})
error("gather_negative_index", "gather", [rnd(2, 5), T([[-1]])], {"dim": 1})
error("gather_dim_out_of_range", "gather", [rnd(2, 5), T([[0]])], {"dim": -3})
error("scatter_dtype_mismatch", "scatter", [rnd(2, 5), T([[0]]), rnd(1, 1, dtype=f64)], {"dim": 1})
error("scatter_int32_index", "scatter", [rnd(2, 5), T([[0]], dtype=i32), rnd(1, 1)], {"dim": 1})
error("scatter_index_out_of_bounds", "scatter", [rnd(2, 5), T([[9]]), rnd(2, 5)], {"dim": 1})
error("scatter_index_too_big", "scatter", [rnd(2, 5), torch.zeros(3, 3, dtype=i64), rnd(2, 5)], {"dim": 1})
error("scatter_index_bigger_than_src", "scatter", [rnd(4, 5), torch.zeros(3, 3, dtype=i64), rnd(2, 5)], {"dim": 1})
error("scatter_index_rank", "scatter", [rnd(2, 5), T([[[0]]]), rnd(2, 5)], {"dim": 1})
error("scatter_src_rank_lower", "scatter", [rnd(2, 5), T([[0]]), rnd(5)], {"dim": 1})
error("scatter_value_index_too_big", "scatter_value", [rnd(2, 3), torch.zeros(3, 1, dtype=i64)], {"dim": 1, "value": 1.0})
error("scatter_add_dtype_mismatch", "scatter_add", [rnd(2, 3), T([[0]]), rnd(2, 3, dtype=f64)], {"dim": 1})
error("scatter_add_index_out_of_bounds", "scatter_add", [rnd(2, 3), T([[-1]]), rnd(2, 3)], {"dim": 1})
error("where_float_condition", "where", [rnd(3), rnd(3), rnd(3)])
error("where_broadcast", "where", [bools(3), rnd(2), rnd(3)])
error("masked_fill_value_tensor_1d", "masked_fill", [rnd(2, 3), bools(2, 3), rnd(1)])
error("masked_fill_mask_broadcast", "masked_fill", [rnd(2, 5), bools(3)], {"value": 1.0})
error("masked_fill_inplace_grows", "masked_fill_", [rnd(2, 5), bools(3, 2, 5)], {"value": 1.0})
error("clamp_tensor_none", "clamp_tensor", [rnd(3)], {})
error("clamp_tensor_broadcast", "clamp_tensor", [rnd(3), rnd(2)], {"min": 1})
error("softmax_int_last_dim", "softmax", [ints(2, 3)], {"dim": 1})
error("softmax_int_other_dim", "softmax", [ints(2, 3)], {"dim": 0})
error("log_softmax_int_last_dim", "log_softmax", [ints(2, 3)], {"dim": -1})
error("log_softmax_int_other_dim", "log_softmax", [ints(2, 3)], {"dim": 0})
error("softmax_dim_out_of_range", "softmax", [rnd(2, 3)], {"dim": 2})
error("div_bad_rounding_mode", "div_mode", [rnd(3)], {"mode": "round", "scalar": 2})
error("div_trunc_int_by_zero", "div_mode", [T([1, 2])], {"mode": "trunc", "scalar": 0})
error("div_floor_int_by_zero_tensor", "div_mode", [T([1, 2]), T([1, 0])], {"mode": "floor"})
error("div_trunc_inplace_int_by_float", "div_mode_", [T([1, 2]), rnd(2)], {"mode": "trunc"})

# ------------------------------------------------------------------ printing

show("uint8", T([0, 1, 127, 128, 200, 255], dtype=u8))
show("uint8_2d", T([[3, 17], [255, 0]], dtype=u8))
show("int8", T([-128, -1, 0, 127], dtype=i8))
show("int8_0dim", T(-7, dtype=i8))
show("bfloat16", T([0.1, 1. / 3, 1000.7], dtype=bf16))
show("bfloat16_whole", T([1., -2., 256.], dtype=bf16))
show("bfloat16_nan_inf", T([nan, inf, -inf, 1.5], dtype=bf16))
show("bfloat16_large", T([3.3895e38, -1.0], dtype=bf16))
show("bfloat16_requires_grad", T([0.5, 0.25], dtype=bf16).requires_grad_())
show("uint8_empty", torch.zeros(0, dtype=u8))
show("int8_empty_2d", torch.zeros(2, 0, dtype=i8))
show("int64_2_53_plus_1", T([9007199254740993]))
show("int64_extremes", T([-(2**63), 2**63 - 1, 2**53 + 1, -(2**53) - 1]))
show("int64_0dim_big", T(2**62 + 3))
show("int64_big_2d", T([[2**53 + 1, 1], [-3, 2**60 + 7]]))
show("int64_big_summarised", torch.arange(1500, dtype=i64) * 1000000000007 + 2**53)
show("int32_extremes", T([-(2**31), 2**31 - 1], dtype=i32))
show("uint8_summarised", (torch.arange(1200) % 256).to(u8))

# ------------------------------------------------------------------ tolist

listed("f32_2d", rnd(2, 3))
listed("int64_big", T([2**53 + 1, -(2**63), 2**63 - 1]))
listed("uint8", T([0, 200, 255], dtype=u8))
listed("int8_2d", T([[-128], [127]], dtype=i8))
listed("bool", T([[True, False]]))
listed("bfloat16", T([0.1, -2.5], dtype=bf16))
listed("f64_0dim", T(0.1, dtype=f64))
listed("int_0dim", T(-4))
listed("empty_2d", torch.zeros(2, 0))

# ------------------------------------------------------------------ promotion

promote = [[NAMES[a], NAMES[b], NAMES[torch.promote_types(a, b)]] for a in DTYPES.values() for b in DTYPES.values()]

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as fh:
    json.dump({"cases": cases, "errors": errors, "prints": prints, "tolist": tolists, "promote": promote}, fh,
              separators=(",", ":"),
              allow_nan=False)
    fh.write("\n")
print(f"{len(cases)} cases, {len(errors)} errors, {len(prints)} prints, {len(tolists)} tolist,"
      f" {os.path.getsize(OUT)} bytes -> {os.path.normpath(OUT)}")
