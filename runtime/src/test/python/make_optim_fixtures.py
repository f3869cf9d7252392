#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/optim.json from PyTorch 1.13 (CPU, float32).

Run with /usr/bin/python3 (the system PyTorch). Three sections:
  losses     - forward value and input gradient of each loss for each reduction and option;
  optimizers - parameter trajectories over 20 steps of each optimizer on a fixed problem;
  schedulers - the learning rates of two parameter groups over 30 epochs.

The optimizer problem sets gradients explicitly to g = A*d + B*((d*d)*d), d = p - C, all in
float32 element-wise arithmetic, so the Java side computes bit-identical gradients and any
difference in a trajectory comes from the optimizer update itself.
Floats are widened to float64 by tolist(), which is exact.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "optim.json")
REDUCTIONS = ["none", "mean", "sum"]


def enc(t):
    if t is None:
        return None
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "data": t.detach().reshape(-1).tolist()}


def loss_cases():
    g = torch.Generator().manual_seed(0)
    randn = lambda *s: torch.randn(tuple(s[0]) if len(s) == 1 and not isinstance(s[0], int) else s, generator=g)
    rand = lambda *s: torch.rand(*s, generator=g)
    logits = randn(4, 5) * 2
    cls = torch.tensor([1, 0, 4, 2])
    cls_ign = torch.tensor([1, -100, 4, 2])
    w5 = rand(5) + 0.5
    spatial = randn(2, 3, 2, 2)
    spatial_t = torch.tensor([[[0, 2], [1, 1]], [[2, 0], [-100, 1]]])
    probs = torch.softmax(randn(4, 5), 1)
    big = torch.tensor([[1000.0, -1000.0, 0.0], [50.0, 51.0, 49.0]])
    ce = F.cross_entropy
    specs = [
        ("cross_entropy", logits, cls, {}),
        ("cross_entropy", logits, cls_ign, {}),
        ("cross_entropy", logits, cls, {"weight": w5}),
        ("cross_entropy", logits, cls_ign, {"weight": w5}),
        ("cross_entropy", logits, cls, {"ignore_index": 2}),
        ("cross_entropy", logits, cls_ign, {"label_smoothing": 0.1}),
        ("cross_entropy", logits, cls_ign, {"label_smoothing": 0.2, "weight": w5}),
        ("cross_entropy", spatial, spatial_t, {}),
        ("cross_entropy", spatial, spatial_t, {"weight": w5[:3], "label_smoothing": 0.1}),
        ("cross_entropy", logits, probs, {}),
        ("cross_entropy", logits, probs, {"weight": w5, "label_smoothing": 0.15}),
        ("cross_entropy", logits[0], torch.tensor(3), {}),
        ("cross_entropy", big, torch.tensor([1, 2]), {}),
        ("nll_loss", torch.log_softmax(logits, 1), cls_ign, {"weight": w5}),
        ("nll_loss", logits, cls, {}),
        ("binary_cross_entropy", torch.sigmoid(randn(3, 4)), rand(3, 4), {}),
        ("binary_cross_entropy", torch.sigmoid(randn(3, 4)), rand(3, 4), {"weight": rand(4) + 0.5}),
        ("binary_cross_entropy", torch.tensor([0.0, 1.0, 0.5, 1e-30]), torch.tensor([1.0, 0.0, 1.0, 1.0]), {}),
        ("binary_cross_entropy_with_logits", randn(3, 4) * 3, rand(3, 4), {}),
        ("binary_cross_entropy_with_logits", randn(3, 4) * 3, rand(3, 4),
         {"weight": rand(4) + 0.5, "pos_weight": rand(4) * 3}),
        ("binary_cross_entropy_with_logits", torch.tensor([200.0, -200.0, 0.0]), torch.tensor([0.0, 1.0, 1.0]), {}),
        ("l1_loss", randn(3, 4), randn(3, 4), {}),
        ("mse_loss", randn(3, 4), randn(3, 4), {}),
        ("huber_loss", randn(3, 4) * 2, randn(3, 4), {}),
        ("huber_loss", randn(3, 4) * 2, randn(3, 4), {"delta": 0.5}),
        ("smooth_l1_loss", randn(3, 4) * 2, randn(3, 4), {}),
        ("smooth_l1_loss", randn(3, 4) * 2, randn(3, 4), {"beta": 0.5}),
        ("smooth_l1_loss", randn(3, 4) * 2, randn(3, 4), {"beta": 0.0}),
    ]
    cases = []
    for name, inp, target, kw in specs:
        for red in REDUCTIONS:
            x = inp.clone().requires_grad_(True)
            out = getattr(F, name)(x, target, reduction=red, **kw)
            grad_out = randn(out.shape) if red == "none" else None
            out.backward(grad_out)
            case = {"loss": name, "reduction": red, "input": enc(inp), "target": enc(target),
                    "grad_output": enc(grad_out), "output": enc(out), "input_grad": enc(x.grad)}
            for k, v in kw.items():
                case[k] = enc(v) if isinstance(v, torch.Tensor) else v
            cases.append(case)
    return cases


def problem():
    g = torch.Generator().manual_seed(1)
    shapes = [(3, 5), (4,)]
    init = [torch.randn(*s, generator=g) for s in shapes]
    a = [torch.rand(*s, generator=g) + 0.5 for s in shapes]
    b = [torch.rand(*s, generator=g) * 0.05 for s in shapes]
    c = [torch.randn(*s, generator=g) for s in shapes]
    return init, a, b, c


OPTIMIZERS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.002, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5}),
    ("RMSprop", {"lr": 0.005, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.9, "eps": 1e-6}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.01, "eps": 1e-4}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "betas": (0.5, 0.9)}),
]


def optimizer_cases():
    init, a, b, c = problem()
    cases = []
    for name, kw in OPTIMIZERS + [("SGD_groups", {})]:
        params = [p.clone().requires_grad_(True) for p in init]
        if name == "SGD_groups":
            # Two groups: the second overrides lr and momentum of the defaults.
            opt = torch.optim.SGD([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.01, "momentum": 0.5}],
                                  lr=0.05, momentum=0.9, foreach=False)
        else:
            opt = getattr(torch.optim, name)(params, foreach=False, **kw)
        traj = []
        for _ in range(20):
            opt.zero_grad()
            with torch.no_grad():
                for p, ai, bi, ci in zip(params, a, b, c):
                    d = p - ci
                    p.grad = ai * d + bi * (d * d * d)
            opt.step()
            traj.append([v for p in params for v in p.detach().reshape(-1).tolist()])
        assert all(abs(v) < 10 for v in traj[-1]), (name, kw, traj[-1])  # the problem must stay tame
        cases.append({"optimizer": name, "options": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
                      "trajectory": traj})
    return {"init": [enc(t) for t in init], "a": [enc(t) for t in a], "b": [enc(t) for t in b],
            "c": [enc(t) for t in c], "cases": cases}


SCHEDULERS = [
    [("StepLR", {"step_size": 3})],
    [("StepLR", {"step_size": 5, "gamma": 0.5})],
    [("MultiStepLR", {"milestones": [5, 10, 10, 20], "gamma": 0.5})],
    [("ExponentialLR", {"gamma": 0.9})],
    [("CosineAnnealingLR", {"T_max": 10})],
    [("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01})],
    [("LinearLR", {})],
    [("LinearLR", {"start_factor": 0.5, "end_factor": 0.9, "total_iters": 8})],
    [("LinearLR", {"start_factor": 0.25, "total_iters": 4}), ("ExponentialLR", {"gamma": 0.9})],
]


def scheduler_cases():
    cases = []
    for chain in SCHEDULERS:
        p1, p2 = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
        opt = torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.05}], lr=0.1)
        scheds = [getattr(torch.optim.lr_scheduler, n)(opt, **kw) for n, kw in chain]
        lrs = [scheds[-1].get_last_lr()]
        for _ in range(30):
            opt.step()
            for s in scheds:
                s.step()
            lrs.append(scheds[-1].get_last_lr())
        cases.append({"chain": [{"scheduler": n, "options": kw} for n, kw in chain], "lrs": lrs})
    return cases


def main():
    torch.set_default_dtype(torch.float32)
    data = {"losses": loss_cases(), "optimizers": optimizer_cases(), "schedulers": scheduler_cases()}
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
