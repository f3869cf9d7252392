#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/print.json: tensors and PyTorch 1.13's repr of each.

Run with the system interpreter, which has torch 1.13:  /usr/bin/python3 make_print_fixtures.py

Each case stores everything TensorFormatter needs (shape, dtype, row-major values, autograd state,
and print options when not the defaults) so the Java test can rebuild the input exactly; the
expected string is whatever torch printed, never something typed by hand.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "print.json")

DEFAULT_OPTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)

cases = []


def value_of(v):
    # JSON has no nan/inf, so those travel as strings; every other float is written with Python's
    # shortest round-trip repr, which Java parses back to the same double.
    if isinstance(v, bool):
        return 1 if v else 0
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def add(name, t, **opts):
    flat = t.detach().reshape(-1)
    if t.dtype.is_floating_point:
        # float16/float32 widen to float64 exactly, so the values are the tensor's own.
        flat = flat.double()
    case = {
        "name": name,
        "shape": list(t.shape),
        "dtype": str(t.dtype).replace("torch.", ""),
        "values": [value_of(v) for v in flat.tolist()],
        "requires_grad": bool(t.requires_grad),
        "grad_fn": None if t.grad_fn is None else type(t.grad_fn).__name__,
    }
    if opts:
        torch.set_printoptions(**opts)
        # What torch now holds: a profile first, then the named options over it (as
        # set_printoptions applies them); sci_mode falls back to None when not named.
        full = dict(DEFAULT_OPTS)
        if "profile" in opts:
            full.update(profile_opts(opts["profile"]))
        full.update({k: v for k, v in opts.items() if k != "profile"})
        if math.isinf(full["threshold"]):
            full["threshold"] = "inf"
        case["options"] = full
    try:
        case["repr"] = repr(t)
        assert str(t) == case["repr"]
    finally:
        torch.set_printoptions(profile="default")
    cases.append(case)


def profile_opts(profile):
    return {
        "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
        "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
        "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
    }[profile]


T = torch.tensor
f16, f32, f64 = torch.float16, torch.float32, torch.float64
i16, i32, i64 = torch.int16, torch.int32, torch.int64
nan, inf = float("nan"), float("inf")
gen = torch.Generator().manual_seed(1234)

# --- the tensors printed in the course -------------------------------------------------------
add("course scalar 10", T(10))
add("course 2x2 ints", T([[1, 2], [3, 4]]))
add("course 3x2 ints", T([[1, 2], [3, 4], [5, 6]]))
add("course linspace(0,10,4)", torch.linspace(0, 10, 4))
add("course arange(0,10,2)", torch.arange(0, 10, 2))
add("course ones(2,3)", torch.ones(2, 3))
add("course full((2,3),255)", torch.full((2, 3), 255))
add("course zeros(2,3)", torch.zeros(2, 3))
add("course uninitialised empty(2,3)", T([[2.3420e18, 1.8581e-42, 0.0], [0.0, 0.0, 0.0]]))
add("course uninitialised, other garbage", T([[1.5220e-38, 0.0, 1.2164e-30], [0.0, 1.2158e-30, 0.0]]))
t1 = T([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
add("course t1*t2", t1 * t1)
add("course 3-D stack", torch.stack((t1, t1 * 2)))
add("course 3-D stack of floats", torch.stack((t1.float(), t1.float() / 4)))
add("course [100,2,3]", T([100, 2, 3]))
add("course ones(2,3) float64", torch.ones(2, 3, dtype=f64))

# --- every dtype, 1-D and 0-dim --------------------------------------------------------------
add("bool 1-D", T([True, False]))
add("bool all true", T([True, True, True]))
add("bool 2-D", T([[True, False, True], [False, False, True]]))
add("int16 1-D", T([1, -2, 300], dtype=i16))
add("int32 1-D", T([7, -8, 9], dtype=i32))
add("int32 extremes", T([-2147483648, 2147483647], dtype=i32))
add("int64 extremes", T([-9223372036854775808, 9223372036854775807]))
add("int64 2^53", T([2 ** 53, -(2 ** 53), 0]))
add("float16 1-D", T([0.1, 0.2, 65504.0], dtype=f16))
add("float16 fractions", T([0.1, 0.2, 0.3333], dtype=f16))
add("float16 tiny", T([1e-4, 6e-8], dtype=f16))
add("float32 1-D", T([1.5, 2.25, -3.125]))
add("float64 1-D", T([1.5, 2.25, -3.125], dtype=f64))
add("float64 third", T([1 / 3, 2 / 3], dtype=f64))
add("0-dim bool true", T(True))
add("0-dim bool false", T(False))
add("0-dim int16", T(3, dtype=i16))
add("0-dim int32", T(-12, dtype=i32))
add("0-dim int64 negative", T(-7))
add("0-dim float16", T(2.0, dtype=f16))
add("0-dim float16 fraction", T(0.1, dtype=f16))
add("0-dim float32", T(3.5))
add("0-dim float32 integral", T(3.0))
add("0-dim float64", T(3.5, dtype=f64))
add("0-dim small", T(1e-5))
add("0-dim large", T(1e10))
add("0-dim zero", T(0.0))
add("0-dim nan", T(nan))
add("0-dim -inf", T(-inf))
add("0-dim negative zero", T(-0.0))

# --- signs, alignment, magnitudes ------------------------------------------------------------
add("negative ints aligned", T([1, -100, 10000]))
add("negative floats", T([-1.5, 2.25, -3.125]))
add("negative integral floats", T([-1.0, 2.0]))
add("2-D mixed widths", T([[1.5, -22.25], [333.125, 4.0]]))
add("sci: small and one", T([1e-5, 1.0]))
add("sci: ratio over 1000 integral", T([1.0, 2000.0]))
add("no sci: ratio exactly 1000 integral", T([1.0, 1000.0]))
add("sci: ratio over 1000 fractional", T([0.001, 1.5]))
add("sci: integral over 1e8", T([123456789.0]))
add("no sci: integral below 1e8", T([99999999.0, 1.0], dtype=f64))
add("sci: 1e9", T([1e9, 2e9]))
add("sci: 1.5e9 fractional", T([1.5e9, 1.25]))
add("min 1e-4 float32 is below 1e-4", T([1e-4, 0.05]))
add("min 1e-4 float64 is not below 1e-4", T([1e-4, 0.05], dtype=f64))
add("sci negatives", T([-1e10, 1.0, 2.5]))
add("very small float32", T([1e-30, 2e-30]))
add("float32 subnormal", T([1e-45, 1e-40]))
add("very large float32", T([3e38, -1e38]))
add("float64 huge and tiny", T([1e300, -1e-300], dtype=f64))
add("rounding half even exact binary", T([0.00015, 0.5], dtype=f64))
add("rounding 0.99995 float32", T([0.99995, 0.12345]))
add("rounding 0.99995 float64", T([0.99995, 0.12345], dtype=f64))
add("rounding to 10.0000", T([9.99996, 1.5], dtype=f64))
add("integral floats", T([1.0, 2.0]))
add("integral floats wide", T([100.0, 2.0, 3.0]))
add("integral 2.5e7", T([25000000.0, 30000000.0]))

# --- nan, inf, negative zero ------------------------------------------------------------------
add("nan with fraction", T([nan, 1.5]))
add("inf -inf with one", T([inf, -inf, 1.0]))
add("nan alone", T([nan]))
add("all non-finite", T([nan, inf, -inf]))
add("nan inf integral", T([nan, inf, 2.0, 3.0]))
add("nan with sci", T([nan, 1e-8, 1.0]))
add("inf in 2-D", T([[inf, 0.5], [-inf, 0.25]]))
add("negative zero alone", T([-0.0]))
add("negative zero and one", T([-0.0, 1.0]))
add("negative zero and fraction", T([-0.0, 1.5]))
add("negative zero in sci", T([-0.0, 1e-5, 1.0]))
add("negative tiny in sci", T([-0.00001, 2.5e-4, 1.0], dtype=f64))
add("zeros with nan", T([0.0, nan]))

# --- empty tensors --------------------------------------------------------------------------
add("empty float32", torch.empty(0))
add("empty int64", torch.empty(0, dtype=i64))
add("empty bool", torch.empty(0, dtype=torch.bool))
add("empty float64", torch.empty(0, dtype=f64))
add("empty float16", torch.empty(0, dtype=f16))
add("empty 0x3", torch.empty(0, 3))
add("empty 2x0", torch.empty(2, 0))
add("empty 2x0x3 int32", torch.empty(2, 0, 3, dtype=i32))
add("empty requires_grad", torch.empty(0, requires_grad=True))
add("empty 0x3 float64 requires_grad", torch.empty(0, 3, dtype=f64, requires_grad=True))

# --- long rows that wrap ---------------------------------------------------------------------
add("30 floats wrap", torch.randn(30, generator=gen))
add("40 ints wrap", torch.arange(40))
add("40 wide ints wrap", torch.arange(40) * 1234567 - 20000000)
add("30 float64 wrap with dtype", torch.randn(30, generator=gen, dtype=f64))
add("3x30 floats wrap inside rows", torch.randn(3, 30, generator=gen))
add("2x2x25 ints wrap", torch.arange(100, dtype=i32).reshape(2, 2, 25))
add("20 sci floats wrap", torch.randn(20, generator=gen) * 1e6)
add("25 bools wrap", torch.arange(25) % 3 == 0)

# --- shapes ---------------------------------------------------------------------------------
add("4-D ints", torch.arange(24).reshape(2, 3, 2, 2))
add("4-D floats", (torch.arange(16, dtype=f32) / 8).reshape(2, 2, 2, 2))
add("5-D", torch.arange(8).reshape(1, 2, 1, 2, 2))
add("1 element", T([5.5]))
add("1x1", T([[5]]))
add("3x1", T([[1.0], [2.0], [3.0]]))
add("1x3", T([[1.0, 2.0, 3.0]]))
add("1x1x1", T([[[True]]]))

# --- summarised (more than 1000 elements) ----------------------------------------------------
add("1000 ints not summarised", torch.arange(1000))
add("1001 ints summarised", torch.arange(1001))
add("2000 floats summarised", torch.arange(2000, dtype=f32) / 4)
add("40x40 floats summarised", torch.arange(1600, dtype=f32).reshape(40, 40) / 10)
add("3x400x2 ints summarised", torch.arange(2400).reshape(3, 400, 2))
add("2x1000 summarised rows", torch.arange(2000).reshape(2, 1000))
add("1001 bools summarised", torch.arange(1001) % 2 == 0)
add("40x40 float64 sci summarised with grad",
    (torch.arange(1600, dtype=f64).reshape(40, 40) * 1e5).requires_grad_())

# --- autograd suffixes -----------------------------------------------------------------------
x = T([1.0, 2.0], requires_grad=True)
add("requires_grad leaf", x)
add("grad_fn Mul", x * 2)
add("grad_fn Add", x + 1)
add("grad_fn Sum 0-dim", (x * x).sum())
add("float64 requires_grad", T([1.5, 2.5], dtype=f64, requires_grad=True))
add("0-dim requires_grad", T(3.0, requires_grad=True))
w = T([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
add("grad_fn Mm", w @ w)
add("long row requires_grad wraps suffix", torch.randn(20, generator=gen).requires_grad_())
add("float64 long row grad_fn two suffixes",
    torch.randn(25, generator=gen, dtype=f64, requires_grad=True) * 2)
add("float64 row 8 elems grad_fn", T([1.25] * 8, dtype=f64, requires_grad=True) * 2)
add("float16 requires_grad", T([0.5, 1.5], dtype=f16, requires_grad=True))

# --- non-default print options ---------------------------------------------------------------
add("precision 2", T([1.12345, 2.5]), precision=2)
add("precision 0", T([1.5, 2.5, 3.49]), precision=0)
add("precision 0 sci", T([1e-5, 12345.0]), precision=0)
add("precision 8 float64", T([1 / 3, 2.0], dtype=f64), precision=8)
add("sci_mode True", T([1.5, 2.5]), sci_mode=True)
add("sci_mode True integral", T([1.0, 20.0]), sci_mode=True)
add("sci_mode False", T([1e-8, 1.0]), sci_mode=False)
add("sci_mode False: negative tiny rounds to -0.0000", T([-0.00001, 1.0], dtype=f64), sci_mode=False)
add("sci_mode True on zeros stays fixed", torch.zeros(3), sci_mode=True)
add("linewidth 40", torch.randn(20, generator=gen), linewidth=40)
add("threshold 5 edgeitems 2", torch.arange(10), threshold=5, edgeitems=2)
add("threshold 5 2-D", torch.arange(64, dtype=f32).reshape(8, 8), threshold=5)
add("profile short", torch.arange(1500, dtype=f32) / 3, profile="short")
add("profile full", torch.arange(1100), profile="full")
add("linewidth 20 deep indent", torch.arange(24).reshape(2, 2, 6), linewidth=20)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(cases, f, separators=(",", ":"))
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.normpath(OUT)}")
