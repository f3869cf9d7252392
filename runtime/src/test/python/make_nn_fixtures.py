#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/nn.json from PyTorch 1.13 for the dev.kiln.nn tests.

Run with /usr/bin/python3 (the system PyTorch). Sections:
  layers     each layer/activation on fixed inputs and state, in train or eval mode: the output,
             the input gradient and parameter gradients of sum(out * W), and the state afterwards
  defaults   state dicts right after manual_seed(s) and construction (PyTorch's reset_parameters)
  inits      every torch.nn.init function after a seed, plus gains and fans
  dropout    dropout outputs after a seed, and the statistics of a large mask
  running    BatchNorm running statistics after three training steps
  keys/reprs state_dict keys and module reprs
  erf        math.erf at points spread over its range (for the GELU kernel)

Tensors are {"shape", "dtype", "values"}; float32 values are widened to float64, which is exact,
and Python's float repr round-trips, so Java can narrow them back bit for bit.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F


def t(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""),
            "values": x.detach().reshape(-1).tolist()}


class CustomNet(nn.Module):
    """The course's custom network; the Java twin is NnCustomNetworkTest.CustomNet."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 3)
        self.fc2 = nn.Linear(3, 2)
        self.fc3 = nn.Linear(2, 2)
        nn.init.xavier_uniform_(self.fc1.weight)
        nn.init.kaiming_uniform_(self.fc2.weight, nonlinearity='relu')

    def forward(self, x):
        x = torch.sigmoid(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return torch.softmax(self.fc3(x), dim=1)


# name -> (constructor, input shape or explicit input, modes); the Java test has the same names.
LAYERS = {
    "linear": (lambda: nn.Linear(4, 3), [2, 4]),
    "linear_nobias": (lambda: nn.Linear(4, 3, bias=False), [5, 4]),
    "linear_3d": (lambda: nn.Linear(4, 3), [2, 3, 4]),
    "flatten": (lambda: nn.Flatten(), [2, 3, 2]),
    "dropout": (lambda: nn.Dropout(0.3), [4, 5]),
    "bn1d_2d": (lambda: nn.BatchNorm1d(3), [4, 3]),
    "bn1d_3d": (lambda: nn.BatchNorm1d(3), [4, 3, 5]),
    "bn2d": (lambda: nn.BatchNorm2d(3), [2, 3, 4, 4]),
    "bn1d_noaffine": (lambda: nn.BatchNorm1d(3, affine=False), [5, 3]),
    "bn1d_notrack": (lambda: nn.BatchNorm1d(3, track_running_stats=False), [5, 3]),
    "layernorm": (lambda: nn.LayerNorm(4), [2, 3, 4]),
    "layernorm_2d": (lambda: nn.LayerNorm([3, 4]), [2, 3, 4]),
    "layernorm_noaffine": (lambda: nn.LayerNorm(4, elementwise_affine=False), [3, 4]),
    "embedding": (lambda: nn.Embedding(10, 3), torch.tensor([[1, 2, 4], [4, 3, 9]])),
    "embedding_pad": (lambda: nn.Embedding(10, 3, padding_idx=0), torch.tensor([[0, 2, 0], [5, 2, 1]])),
    "sequential": (lambda: nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.BatchNorm1d(6), nn.Dropout(0.5),
                                         nn.Linear(6, 2), nn.LogSoftmax(dim=1)), [5, 4]),
    "custom": (CustomNet, [4, 3]),
}

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU,
    "leaky_relu_0.2": lambda: nn.LeakyReLU(0.2), "softmax_1": lambda: nn.Softmax(dim=1),
    "softmax_0": lambda: nn.Softmax(dim=0), "log_softmax_1": lambda: nn.LogSoftmax(dim=1),
    "log_softmax_-1": lambda: nn.LogSoftmax(dim=-1), "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU(approximate='tanh'),
}
LARGE = torch.tensor([[1000.0, 1001.0, 1002.0, 999.0], [-1000.0, 0.0, 1000.0, 10.0], [88.0, 89.0, -90.0, 0.5]])


def perturb_state(m, gen):
    """Replaces every parameter and running statistic with seeded values, so nothing is trivial."""
    with torch.no_grad():
        for name, v in m.state_dict().items():
            if not v.is_floating_point():
                v.fill_(2)
            elif name.endswith("running_var"):
                v.copy_(torch.rand(v.shape, generator=gen) + 0.5)
            else:
                v.copy_(torch.randn(v.shape, generator=gen))


def layer_case(name, module, x, train, seed=None, dtype=torch.float32):
    gen = torch.Generator().manual_seed(len(name) * 7 + (1 if train else 0))
    if module is not None and dtype == torch.float64:
        module = module.double()
    perturb_state(module, gen)
    if isinstance(x, list):
        x = (torch.randn(x, generator=gen, dtype=dtype) * 2).requires_grad_()
    state = {k: t(v) for k, v in module.state_dict().items()}
    module.train(train)
    if seed is not None:
        torch.manual_seed(seed)
    out = module(x)
    w = torch.randn(out.shape, generator=gen, dtype=out.dtype)
    (out * w).sum().backward()
    case = {"name": name, "train": train, "input": t(x), "state": state, "W": t(w), "out": t(out),
            "grads": {k: t(p.grad) for k, p in module.named_parameters() if p.grad is not None},
            "state_after": {k: t(v) for k, v in module.state_dict().items()}}
    if seed is not None:
        case["seed"] = seed
    if x.is_floating_point():
        case["grad_input"] = t(x.grad)
    return case


def layers():
    cases = []
    for name, (ctor, shape) in LAYERS.items():
        for train in (True, False):
            seed = 5 if name in ("dropout", "sequential") and train else None
            cases.append(layer_case(name, ctor(), shape if isinstance(shape, list) else shape.clone(), train, seed))
    for name, ctor in ACTIVATIONS.items():
        for dtype in (torch.float32, torch.float64):
            cases.append(layer_case(name + "@" + str(dtype).replace("torch.", ""), ctor(), [3, 5], True, dtype=dtype))
        big = LARGE.clone().requires_grad_()
        cases.append(layer_case(name + "@large", ctor(), big, True))
    return cases


def defaults():
    ctors = {
        "linear_20_128": (0, lambda: nn.Linear(20, 128)),
        "linear_3_1": (42, lambda: nn.Linear(3, 1)),
        "linear_nobias_5_7": (1, lambda: nn.Linear(5, 7, bias=False)),
        "sequential_3_linears": (7, lambda: nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 2), nn.Linear(2, 2))),
        "embedding_10_3": (0, lambda: nn.Embedding(10, 3)),
        "embedding_4_3": (2, lambda: nn.Embedding(4, 3)),
        "embedding_pad": (3, lambda: nn.Embedding(6, 4, padding_idx=1)),
        "batchnorm1d_4": (0, lambda: nn.BatchNorm1d(4)),
        "batchnorm2d_3": (0, lambda: nn.BatchNorm2d(3)),
        "layernorm_5": (0, lambda: nn.LayerNorm(5)),
        "custom": (0, CustomNet),
    }
    out = []
    for name, (seed, ctor) in ctors.items():
        torch.manual_seed(seed)
        m = ctor()
        out.append({"name": name, "seed": seed, "state": {k: t(v) for k, v in m.state_dict().items()},
                    "next_rand": torch.rand(3).tolist()})
    return out


INITS = {
    "uniform": lambda w: nn.init.uniform_(w),
    "uniform_-0.5_2": lambda w: nn.init.uniform_(w, -0.5, 2.0),
    "normal": lambda w: nn.init.normal_(w),
    "normal_1_0.5": lambda w: nn.init.normal_(w, 1.0, 0.5),
    "constant_0.3": lambda w: nn.init.constant_(w, 0.3),
    "zeros": nn.init.zeros_,
    "ones": nn.init.ones_,
    "xavier_uniform": lambda w: nn.init.xavier_uniform_(w),
    "xavier_uniform_gain2": lambda w: nn.init.xavier_uniform_(w, gain=2.0),
    "xavier_normal": lambda w: nn.init.xavier_normal_(w),
    "xavier_normal_tanh": lambda w: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain('tanh')),
    "kaiming_uniform": lambda w: nn.init.kaiming_uniform_(w),
    "kaiming_uniform_a0.1_fanout_relu": lambda w: nn.init.kaiming_uniform_(w, a=0.1, mode='fan_out', nonlinearity='relu'),
    "kaiming_uniform_sqrt5": lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)),
    "kaiming_normal": lambda w: nn.init.kaiming_normal_(w),
    "kaiming_normal_a0.2_fanout": lambda w: nn.init.kaiming_normal_(w, a=0.2, mode='fan_out'),
    "kaiming_normal_tanh": lambda w: nn.init.kaiming_normal_(w, nonlinearity='tanh'),
}


def inits():
    cases = []
    for name, fn in INITS.items():
        for shape in ([5, 4], [3, 2], [4, 3, 2, 2]):
            torch.manual_seed(11)
            w = torch.empty(shape)
            fn(w)
            cases.append({"name": name, "shape": shape, "out": t(w)})
    gains = {n: nn.init.calculate_gain(n) for n in
             ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
              "sigmoid", "tanh", "relu", "leaky_relu", "selu"]}
    gains["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
    gains["leaky_relu_sqrt5"] = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    fans = [{"shape": s, "fans": list(nn.init._calculate_fan_in_and_fan_out(torch.empty(s)))}
            for s in ([5, 4], [3, 2], [4, 3, 2, 2], [6, 2, 5])]
    return {"cases": cases, "gains": gains, "fans": fans}


def dropout():
    cases = []
    for seed, p, dtype, shape in [(0, 0.5, torch.float32, [4, 5]), (3, 0.3, torch.float32, [40]),
                                  (7, 0.8, torch.float64, [3, 7]), (1, 0.1, torch.float32, [2, 3, 4])]:
        gen = torch.Generator().manual_seed(seed + 100)
        x = torch.randn(shape, generator=gen, dtype=dtype)
        torch.manual_seed(seed)
        y = F.dropout(x, p, training=True)
        cases.append({"seed": seed, "p": p, "x": t(x), "out": t(y)})
    torch.manual_seed(123)
    y = F.dropout(torch.ones(10000), 0.3)
    stats = {"seed": 123, "p": 0.3, "n": 10000, "zeros": int((y == 0).sum()), "mean": float(y.mean()),
             "kept_value": float(y.max())}
    return {"cases": cases, "stats": stats}


def running():
    cases = []
    for name, ctor, shape in [("bn1d", lambda: nn.BatchNorm1d(3), [6, 3]),
                              ("bn1d_cma", lambda: nn.BatchNorm1d(3, momentum=None), [6, 3]),
                              ("bn1d_3d", lambda: nn.BatchNorm1d(2, momentum=0.3), [4, 2, 3]),
                              ("bn2d", lambda: nn.BatchNorm2d(2), [3, 2, 3, 3])]:
        gen = torch.Generator().manual_seed(9)
        m = ctor()
        inputs, outs = [], []
        for _ in range(3):
            x = torch.randn(shape, generator=gen) * 2 + 1
            inputs.append(t(x))
            outs.append(t(m(x)))
        m.eval()
        x = torch.randn(shape, generator=gen)
        cases.append({"name": name, "inputs": inputs, "outs": outs, "eval_input": t(x), "eval_out": t(m(x)),
                      "state": {k: t(v) for k, v in m.state_dict().items()}})
    return cases


def keys_and_reprs():
    seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(), nn.BatchNorm1d(8), nn.Linear(8, 2))
    keys = {"sequential": list(seq.state_dict().keys()), "custom": list(CustomNet().state_dict().keys()),
            "sequential_parameters": [k for k, _ in seq.named_parameters()]}
    modules = {
        "linear": nn.Linear(20, 128), "linear_nobias": nn.Linear(3, 1, bias=False), "sequential": seq,
        "flatten": nn.Flatten(), "flatten_0_2": nn.Flatten(0, 2), "dropout": nn.Dropout(), "dropout_0.25": nn.Dropout(0.25),
        "bn1d": nn.BatchNorm1d(3), "bn2d_cma_noaffine": nn.BatchNorm2d(16, momentum=None, affine=False),
        "bn1d_eps_notrack": nn.BatchNorm1d(4, eps=1e-3, track_running_stats=False),
        "layernorm": nn.LayerNorm(4), "layernorm_2d": nn.LayerNorm([3, 4], eps=1e-6, elementwise_affine=False),
        "embedding": nn.Embedding(10, 3), "embedding_pad": nn.Embedding(10, 3, padding_idx=-1),
        "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(),
        "leaky_relu_0.2": nn.LeakyReLU(0.2), "softmax": nn.Softmax(dim=1), "log_softmax": nn.LogSoftmax(dim=-1),
        "gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate='tanh'), "custom": CustomNet(),
    }
    return keys, {k: repr(m) for k, m in modules.items()}


def erf_table():
    xs = [i / 16 for i in range(-112, 113)] + [1e-300, 1e-12, 0.3333, 0.84375, 0.9999, 1.0001, 1.25, 2.857, 5.9, 6.0, 27.0]
    xs += [0.123456789 * k for k in range(1, 50)]
    return [[x, math.erf(x)] for x in xs]


def main():
    keys, reprs = keys_and_reprs()
    data = {"torch_version": torch.__version__, "layers": layers(), "defaults": defaults(), "inits": inits(),
            "dropout": dropout(), "running": running(), "keys": keys, "reprs": reprs, "erf": erf_table()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "nn.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
