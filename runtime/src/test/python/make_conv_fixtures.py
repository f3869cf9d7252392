#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/conv.json from PyTorch 1.13: conv2d, max_pool2d and
avg_pool2d forward and backward, nn.Conv2d's default initialisation, module reprs, and the error
messages of invalid calls.

Run with /usr/bin/python3 (the system PyTorch). Each op case records its inputs, an upstream
tensor U, the output, and the gradients of sum(out * U) with respect to every input, so the Java
test can replay the op and its backward rule with the same upstream gradient.

float32 values are written as the shortest decimal that reads back as the same float32, to keep
the file small; float64 values and the initialisation values (compared bit for bit) are written
with Python's repr, which round-trips exactly.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "conv.json")


def vals(t):
    flat = t.detach().reshape(-1)
    if flat.dtype == torch.float32:
        return [float(repr(np.float32(v))) for v in flat.numpy()]
    return flat.tolist()


def tensor_entry(t):
    return {"shape": list(t.shape), "values": vals(t)}


def leaf(shape, dtype, ints=False):
    t = torch.randint(0, 3, shape).to(dtype) if ints else torch.randn(shape, dtype=dtype)
    return t.requires_grad_()


def record(kind, name, out, inputs, upstream, params):
    grad_fn = out.grad_fn.name()
    (out * upstream).sum().backward()
    case = {"kind": kind, "grad_fn": grad_fn, "name": name, "params": params, "dtype": str(out.dtype).replace("torch.", ""),
            "upstream": tensor_entry(upstream), "out": tensor_entry(out)}
    for key, t in inputs.items():
        if t is None:
            continue
        case[key] = tensor_entry(t)
        case["grad_" + key] = tensor_entry(t.grad)
    return case


def conv_case(name, x_shape, w_shape, bias=True, stride=1, padding=0, dilation=1, groups=1, dtype=torch.float32):
    x, w = leaf(x_shape, dtype), leaf(w_shape, dtype)
    b = leaf((w_shape[0],), dtype) if bias else None
    out = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    params = {"stride": pair(stride), "padding": pair(padding), "dilation": pair(dilation), "groups": groups}
    return record("conv2d", name, out, {"input": x, "weight": w, "bias": b}, torch.randn_like(out), params)


def max_case(name, x_shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False, ties=False,
             dtype=torch.float32):
    x = leaf(x_shape, dtype, ints=ties)
    out, idx = F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=ceil_mode, return_indices=True)
    params = {"kernel": pair(kernel), "stride": None if stride is None else pair(stride), "padding": pair(padding),
              "dilation": pair(dilation), "ceil_mode": ceil_mode}
    case = record("max_pool2d", name, out, {"input": x}, torch.randn_like(out), params)
    case["indices"] = idx.reshape(-1).tolist()
    return case


def avg_case(name, x_shape, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None, dtype=torch.float32):
    x = leaf(x_shape, dtype)
    out = F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    params = {"kernel": pair(kernel), "stride": None if stride is None else pair(stride), "padding": pair(padding),
              "ceil_mode": ceil_mode, "count_include_pad": count_include_pad, "divisor_override": divisor_override}
    return record("avg_pool2d", name, out, {"input": x}, torch.randn_like(out), params)


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def op_cases():
    torch.manual_seed(1234)
    f64 = torch.float64
    return [
        conv_case("basic", (2, 3, 7, 6), (4, 3, 3, 3)),
        conv_case("stride2_pad1_rect_kernel", (2, 2, 9, 8), (3, 2, 3, 2), stride=2, padding=1),
        conv_case("dilation2_rect_padding", (1, 2, 9, 10), (2, 2, 3, 3), padding=(2, 1), dilation=2),
        conv_case("groups2", (2, 4, 6, 5), (6, 2, 3, 3), padding=1, groups=2),
        conv_case("depthwise_multiplier2", (1, 3, 5, 7), (6, 1, 3, 3), stride=(2, 1), padding=1, groups=3),
        conv_case("pointwise_no_bias", (2, 5, 4, 3), (4, 5, 1, 1), bias=False),
        conv_case("pointwise_strided", (1, 3, 7, 7), (2, 3, 1, 1), stride=(2, 3)),
        conv_case("kernel_equals_input", (2, 2, 5, 5), (3, 2, 5, 5)),
        conv_case("padding_wider_than_image", (1, 1, 2, 3), (1, 1, 3, 3), stride=2, padding=2),
        conv_case("mixed_all", (2, 4, 11, 9), (4, 2, 2, 3), stride=(2, 1), padding=(0, 2), dilation=(1, 3), groups=2),
        conv_case("unbatched", (3, 6, 6), (2, 3, 3, 3), padding=1),
        conv_case("basic_float64", (2, 3, 7, 6), (4, 3, 3, 3), stride=(1, 2), padding=1, dtype=f64),
        conv_case("groups_float64", (1, 4, 6, 6), (4, 2, 2, 2), dilation=2, groups=2, bias=False, dtype=f64),
        max_case("k2", (2, 3, 6, 6), 2),
        max_case("k3_s2_p1_ceil", (1, 2, 7, 8), 3, 2, 1, ceil_mode=True),
        max_case("overlapping_k3_s1", (1, 2, 5, 6), 3, 1),
        max_case("ties_overlapping", (2, 2, 6, 6), 2, 1, ties=True),
        max_case("ties_padded", (1, 2, 7, 7), 3, 2, 1, ties=True),
        max_case("dilation2_rect", (1, 1, 7, 9), (2, 3), (1, 2), (1, 1), 2),
        max_case("ceil_drops_last_window", (1, 1, 5, 5), 2, 2, 1, ceil_mode=True),
        max_case("ceil_odd", (1, 1, 5, 5), 2, ceil_mode=True),
        max_case("unbatched", (2, 5, 5), 2),
        max_case("k3_s2_float64", (1, 2, 7, 7), 3, 2, 1, dtype=f64),
        avg_case("k2", (2, 3, 6, 6), 2),
        avg_case("k3_s2_p1_include_pad", (1, 2, 7, 8), 3, 2, 1),
        avg_case("k3_s2_p1_exclude_pad", (1, 2, 7, 8), 3, 2, 1, count_include_pad=False),
        avg_case("ceil_include_pad", (1, 2, 6, 7), 3, 2, 1, ceil_mode=True),
        avg_case("ceil_exclude_pad", (1, 2, 6, 7), 3, 2, 1, ceil_mode=True, count_include_pad=False),
        avg_case("ceil_drops_last_window", (1, 1, 5, 5), 2, 2, 1, ceil_mode=True),
        avg_case("rect_overlapping", (1, 2, 6, 7), (2, 3), (1, 2), (1, 1)),
        avg_case("divisor_override", (1, 2, 5, 5), 3, 1, 1, divisor_override=3),
        avg_case("unbatched", (2, 5, 5), 2),
        avg_case("k3_s2_float64", (1, 2, 7, 7), 3, 2, 1, count_include_pad=False, dtype=f64),
    ]


def init_cases():
    """nn.Conv2d's default init; several layers after one seed check the order of the draws too."""
    specs = [
        (0, [dict(in_channels=1, out_channels=32, kernel_size=3, padding=1)]),
        (7, [dict(in_channels=8, out_channels=16, kernel_size=3)]),
        (7, [dict(in_channels=4, out_channels=6, kernel_size=(3, 5), groups=2)]),
        (0, [dict(in_channels=3, out_channels=4, kernel_size=2, bias=False),
             dict(in_channels=1, out_channels=4, kernel_size=3),
             dict(in_channels=4, out_channels=8, kernel_size=3)]),
    ]
    cases = []
    for seed, layers in specs:
        torch.manual_seed(seed)
        out = []
        for kw in layers:
            m = torch.nn.Conv2d(**kw)
            out.append({"args": {k: pair(v) if k == "kernel_size" else v for k, v in kw.items()},
                        "weight": {"shape": list(m.weight.shape), "values": m.weight.reshape(-1).tolist()},
                        "bias": None if m.bias is None else m.bias.tolist()})
        cases.append({"seed": seed, "layers": out})
    return cases


def reprs():
    nn = torch.nn
    return {
        "conv_basic": str(nn.Conv2d(1, 32, 3, padding=1)),
        "conv_plain": str(nn.Conv2d(1, 2, 3)),
        "conv_all": str(nn.Conv2d(4, 8, (3, 5), stride=2, padding=(1, 2), dilation=2, groups=2, bias=False)),
        "max_default": str(nn.MaxPool2d(2)),
        "max_all": str(nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)),
        "avg_default": str(nn.AvgPool2d(2)),
        "avg_all": str(nn.AvgPool2d(3, 1, 1, ceil_mode=True, count_include_pad=False)),
    }


def error_cases():
    """Invalid calls and PyTorch's message for each (the exception type is Java's business)."""
    def conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, xt="float32", wt="float32", bt="float32"):
        return {"op": "conv2d", "input": x, "input_dtype": xt, "weight": w, "weight_dtype": wt, "bias": b,
                "bias_dtype": bt, "stride": pair(stride) if isinstance(stride, tuple) else [stride],
                "padding": list(padding) if isinstance(padding, tuple) else [padding],
                "dilation": list(dilation) if isinstance(dilation, tuple) else [dilation], "groups": groups}

    def pool(op, x, kernel, stride=None, padding=0, dilation=1, dtype="float32", divisor=None):
        tup = lambda v: list(v) if isinstance(v, tuple) else [v]
        return {"op": op, "input": x, "input_dtype": dtype, "kernel": tup(kernel),
                "stride": None if stride is None else tup(stride), "padding": tup(padding), "dilation": tup(dilation),
                "divisor_override": divisor}

    specs = [
        conv([1, 2, 5, 5], [8, 3, 3, 3]),
        conv([1, 3, 2, 2], [8, 3, 3, 3]),
        conv([1, 3, 5, 5], [8, 3, 3, 3], dilation=3),
        conv([5, 5], [8, 3, 3, 3]),
        conv([1, 1, 3, 5, 5], [8, 3, 3, 3]),
        conv([1, 3, 5, 5], [8, 3, 3], stride=(1, 1)),
        conv([1, 3, 5, 5], [8, 3, 3]),
        conv([1, 3, 5, 5], [8, 3, 3, 3], padding=(1, 2, 3)),
        conv([1, 4, 5, 5], [8, 2, 3, 3], groups=3),
        conv([1, 3, 5, 5], [2, 3, 3, 3], groups=3),
        conv([1, 6, 5, 5], [8, 2, 3, 3], groups=2),
        conv([1, 3, 5, 5], [8, 3, 3, 3], b=[7]),
        conv([1, 3, 5, 5], [8, 3, 3, 3], b=[8, 1]),
        conv([1, 3, 5, 5], [8, 3, 3, 3], stride=0),
        conv([1, 3, 5, 5], [8, 3, 3, 3], padding=-1),
        conv([1, 3, 5, 5], [8, 3, 3, 3], dilation=0),
        conv([1, 3, 5, 5], [8, 3, 3, 3], groups=0),
        conv([1, 3, 5, 5], [8, 3, 3, 3], xt="float64"),
        conv([1, 3, 5, 5], [8, 3, 3, 3], wt="float64"),
        conv([1, 3, 5, 5], [8, 3, 3, 3], b=[8], bt="float64"),
        conv([1, 3, 5, 5], [8, 3, 3, 3], xt="float16", wt="float16"),
        pool("max_pool2d", [1, 1, 2, 2], 3),
        pool("max_pool2d", [1, 1, 5, 5], 3, padding=2),
        pool("max_pool2d", [1, 1, 5, 5], 3, stride=0),
        pool("max_pool2d", [1, 1, 5, 5], 0),
        pool("max_pool2d", [1, 1, 5, 5], 0, stride=1),
        pool("max_pool2d", [1, 1, 5, 5], 2, stride=-1),
        pool("max_pool2d", [1, 1, 5, 5], 3, dilation=0),
        pool("max_pool2d", [1, 1, 5, 5], 3, padding=-1),
        pool("max_pool2d", [1, 1, 5, 5], 3, stride=2, dilation=3),
        pool("max_pool2d", [5, 5], 3),
        pool("max_pool2d", [1, 0, 5, 5], 3),
        pool("max_pool2d", [1, 1, 5, 5], (2, 2, 2)),
        pool("max_pool2d", [1, 1, 5, 5], 2, stride=(1, 1, 1)),
        pool("max_pool2d", [1, 1, 5, 5], 2, padding=(1, 1, 1)),
        pool("max_pool2d", [1, 1, 5, 5], 2, dilation=(1, 1, 1)),
        pool("max_pool2d", [1, 1, 5, 5], 2, dtype="int64"),
        pool("avg_pool2d", [1, 1, 2, 2], 3),
        pool("avg_pool2d", [1, 1, 5, 5], 3, padding=2),
        pool("avg_pool2d", [1, 1, 5, 5], 3, stride=0),
        pool("avg_pool2d", [1, 1, 5, 5], 0, stride=1),
        pool("avg_pool2d", [1, 1, 5, 5], 3, padding=-1),
        pool("avg_pool2d", [5, 5], 3),
        pool("avg_pool2d", [2, 1, 0, 5], 2),
        pool("avg_pool2d", [1, 1, 5, 5], (2, 2, 2)),
        pool("avg_pool2d", [1, 1, 5, 5], 2, padding=(1, 1, 1)),
        pool("avg_pool2d", [1, 1, 5, 5], 2, divisor=0),
        pool("avg_pool2d", [1, 1, 5, 5], 2, dtype="float16"),
    ]
    dtypes = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "int64": torch.int64}
    out = []
    for s in specs:
        x = torch.zeros(s["input"], dtype=dtypes[s["input_dtype"]])
        try:
            if s["op"] == "conv2d":
                w = torch.zeros(s["weight"], dtype=dtypes[s["weight_dtype"]])
                b = None if s["bias"] is None else torch.zeros(s["bias"], dtype=dtypes[s["bias_dtype"]])
                F.conv2d(x, w, b, s["stride"], s["padding"], s["dilation"], s["groups"])
            elif s["op"] == "max_pool2d":
                F.max_pool2d(x, s["kernel"], s["stride"], s["padding"], s["dilation"])
            else:
                F.avg_pool2d(x, s["kernel"], s["stride"], s["padding"], divisor_override=s["divisor_override"])
        except (RuntimeError, IndexError) as e:
            s["message"] = str(e)
            out.append(s)
            continue
        raise AssertionError("no error for " + repr(s))
    return out


def main():
    data = {"torch_version": torch.__version__, "cases": op_cases(), "init": init_cases(), "reprs": reprs(),
            "errors": error_cases()}
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
