#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/rnn.json and fixtures/safetensors/gru_bidirectional.safetensors from
PyTorch 1.13: nn.RNN (tanh, relu), nn.LSTM and nn.GRU forward and backward, their default initialisation after
torch.manual_seed, their reprs, and torch.nn.utils.clip_grad_norm_ / clip_grad_value_.

Run with /usr/bin/python3 (the system PyTorch):  /usr/bin/python3 runtime/src/test/python/make_rnn_fixtures.py

Each layer case records the module's state dict (the Java test loads it), the input and initial states, the outputs
and final states, and the gradients of the scalar loss sum(output * U) + sum(h_n * V) [+ sum(c_n * W)] with respect
to the input, the initial states and every parameter. Cases with dropout run in training mode right after
torch.manual_seed(case seed), so the Java test can draw the same masks.

float32 values are written as the shortest decimal that reads back as the same float32 (exact round trip), float64
values with Python's repr (also exact).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_safetensors_fixture import save as save_safetensors  # noqa: E402

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "fixtures", "rnn.json")
SAFETENSORS = os.path.join(HERE, "..", "resources", "fixtures", "safetensors", "gru_bidirectional.safetensors")


def vals(t):
    flat = t.detach().reshape(-1)
    if flat.dtype == torch.float32:
        return [float(repr(np.float32(v))) for v in flat.numpy()]
    return flat.tolist()


def entry(t):
    return {"shape": list(t.shape), "values": vals(t)}


def make(mode, args):
    nn = torch.nn
    kw = {k: args[k] for k in ("num_layers", "bias", "batch_first", "dropout", "bidirectional") if k in args}
    if "dtype" in args:
        kw["dtype"] = getattr(torch, args["dtype"])
    if mode == "LSTM":
        return nn.LSTM(args["input_size"], args["hidden_size"], **kw)
    if mode == "GRU":
        return nn.GRU(args["input_size"], args["hidden_size"], **kw)
    return nn.RNN(args["input_size"], args["hidden_size"], nonlinearity=args.get("nonlinearity", "tanh"), **kw)


def layer_case(name, mode, args, seq=5, batch=3, given_state=True, unbatched=False, train=False, seed=None):
    dtype = getattr(torch, args.get("dtype", "float32"))
    m = make(mode, args)
    # Weights spread wider than the default init, so that every gate saturates differently.
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.8, 0.8)
    m.train(train)
    d = 2 if args.get("bidirectional", False) else 1
    layers = args.get("num_layers", 1)
    h = args["hidden_size"]
    if unbatched:
        x_shape, s_shape = (seq, args["input_size"]), (layers * d, h)
    elif args.get("batch_first", False):
        x_shape, s_shape = (batch, seq, args["input_size"]), (layers * d, batch, h)
    else:
        x_shape, s_shape = (seq, batch, args["input_size"]), (layers * d, batch, h)
    x = torch.randn(x_shape, dtype=dtype).requires_grad_()
    states = []
    if given_state:
        states = [(torch.randn(s_shape, dtype=dtype) * 0.8).requires_grad_() for _ in range(2 if mode == "LSTM" else 1)]
    if seed is not None:
        torch.manual_seed(seed)
    if mode == "LSTM":
        out, (h_n, c_n) = m(x, tuple(states) if states else None)
        finals = [h_n, c_n]
    else:
        out, h_n = m(x, states[0] if states else None)
        finals = [h_n]
    upstream = [torch.randn_like(out)] + [torch.randn_like(f) for f in finals]
    loss = sum((t * u).sum() for t, u in zip([out] + finals, upstream))
    loss.backward()
    case = {"name": name, "mode": mode, "args": args, "train": train, "seed": seed, "dtype": str(dtype)[6:],
            "state_dict": {k: entry(v) for k, v in m.state_dict().items()},
            "input": entry(x), "output": entry(out), "h_n": entry(finals[0]), "upstream": [entry(u) for u in upstream],
            "grads": {"input": entry(x.grad)}}
    if mode == "LSTM":
        case["c_n"] = entry(finals[1])
    for i, s in enumerate(states):
        case["h0" if i == 0 else "c0"] = entry(s)
        case["grads"]["h0" if i == 0 else "c0"] = entry(s.grad)
    for k, p in m.named_parameters():
        case["grads"][k] = entry(p.grad)
    return case, m


def layer_cases():
    torch.manual_seed(2024)
    two = dict(input_size=4, hidden_size=5, num_layers=2)
    cases = []
    for mode, extra in (("RNN", {"nonlinearity": "tanh"}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})):
        tag = mode.lower() + ("_" + extra["nonlinearity"] if extra else "")
        for bf in (False, True):
            cases.append(layer_case(f"{tag}_2layers_batch_first_{bf}", mode, dict(two, batch_first=bf, **extra))[0])
        cases.append(layer_case(f"{tag}_2layers_bidirectional", mode, dict(two, bidirectional=True, **extra))[0])
        cases.append(layer_case(f"{tag}_zero_state_no_bias", mode, dict(input_size=3, hidden_size=4, bias=False, **extra),
                                given_state=False)[0])
        cases.append(layer_case(f"{tag}_unbatched", mode, dict(two, **extra), unbatched=True)[0])
        cases.append(layer_case(f"{tag}_dropout_training", mode, dict(two, dropout=0.4, batch_first=True, **extra),
                                train=True, seed=77)[0])
        cases.append(layer_case(f"{tag}_float64_bidirectional_batch_first", mode,
                                dict(input_size=3, hidden_size=4, num_layers=2, batch_first=True, bidirectional=True,
                                     dtype="float64", **extra), seq=4, batch=2)[0])
    return cases


def init_cases():
    """Default initialisation after manual_seed: two modules in a row check the order of the draws too."""
    specs = [
        (0, [("RNN", dict(input_size=4, hidden_size=5, num_layers=2)),
             ("LSTM", dict(input_size=3, hidden_size=6))]),
        (0, [("LSTM", dict(input_size=6, hidden_size=8, num_layers=2, bidirectional=True))]),
        (7, [("GRU", dict(input_size=5, hidden_size=3, num_layers=3, bias=False)),
             ("RNN", dict(input_size=2, hidden_size=2, nonlinearity="relu", bidirectional=True))]),
    ]
    cases = []
    for seed, modules in specs:
        torch.manual_seed(seed)
        out = []
        for mode, args in modules:
            m = make(mode, args)
            out.append({"mode": mode, "args": args, "repr": repr(m),
                        "state_dict": {k: entry(v) for k, v in m.state_dict().items()}})
        cases.append({"seed": seed, "modules": out})
    return cases


def reprs():
    nn = torch.nn
    ms = [nn.RNN(10, 20), nn.RNN(10, 20, 2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5,
                                  bidirectional=True),
          nn.LSTM(3, 4, num_layers=3, dropout=0.25), nn.GRU(1, 2, batch_first=True)]
    return [repr(m) for m in ms]


def clip_cases():
    torch.manual_seed(5)
    shapes = [(3, 4), (4,), (2, 2, 3)]
    cases = []
    for max_norm, norm_type in ((1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, float("inf")), (2.0, 3.0)):
        params = [torch.randn(s, requires_grad=True) for s in shapes]
        for p in params:
            p.grad = torch.randn(p.shape) * 2
        no_grad = torch.randn(2, requires_grad=True)  # skipped: no gradient
        grads = [entry(p.grad) for p in params]
        total = torch.nn.utils.clip_grad_norm_(params + [no_grad], max_norm, norm_type)
        cases.append({"kind": "norm", "max_norm": max_norm, "norm_type": "inf" if norm_type == float("inf") else norm_type,
                      "grads": grads, "total": float(repr(np.float32(total.item()))),
                      "clipped": [entry(p.grad) for p in params]})
    params = [torch.randn(s, requires_grad=True) for s in shapes]
    for p in params:
        p.grad = torch.randn(p.shape)
    grads = [entry(p.grad) for p in params]
    torch.nn.utils.clip_grad_value_(params, 0.7)
    cases.append({"kind": "value", "clip_value": 0.7, "grads": grads, "clipped": [entry(p.grad) for p in params]})
    return cases


def safetensors_case():
    """A bidirectional GRU's state dict as a safetensors file, and what it computes on a fixed input."""
    torch.manual_seed(99)
    m = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    save_safetensors(SAFETENSORS, {k: v.numpy() for k, v in m.state_dict().items()})
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        out, h_n = m(x)
    return {"input": entry(x), "output": entry(out), "h_n": entry(h_n)}


def main():
    fixture = {"torch": torch.__version__, "layers": layer_cases(), "init": init_cases(), "reprs": reprs(),
               "clip": clip_cases(), "safetensors_gru": safetensors_case()}
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes and", os.path.normpath(SAFETENSORS))


if __name__ == "__main__":
    main()
