#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/random.json from PyTorch 1.13's CPU generator.

Run from anywhere with /usr/bin/python3 (the system PyTorch). Every case is a manual_seed (or a
fresh torch.Generator) followed by a sequence of ops whose outputs are recorded, so the Java test
can replay the same sequence on dev.kiln.tensor.random.Generator and compare value for value.

Floats are written with Python's repr, which round-trips float64 exactly; float32 values are
widened to float64 first, which is exact, so the Java side can narrow them back without loss.
"""
import json
import os

import torch

SEEDS = [0, 3, 42, 12345]
SIZES = [1, 5, 15, 16, 17, 33, 100]
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def values(t):
    # tolist() widens float32 to Python float exactly and keeps int64 as int.
    return t.reshape(-1).tolist()


def run(op):
    """Runs one op description on the default generator and returns its output values."""
    kind, n = op["op"], op.get("n")
    dtype = DTYPES.get(op.get("dtype"))
    if kind == "rand":
        return values(torch.rand(n, dtype=dtype))
    if kind == "randn":
        return values(torch.randn(n, dtype=dtype))
    if kind == "uniform":
        return values(torch.empty(n, dtype=dtype).uniform_(op["from"], op["to"]))
    if kind == "normal":
        return values(torch.empty(n, dtype=dtype).normal_(mean=op["mean"], std=op["std"]))
    if kind == "randint":
        return values(torch.randint(op["low"], op["high"], (n,), dtype=torch.int64))
    if kind == "random64":
        # random_() on int64 is random64() % 2^63.
        return values(torch.empty(n, dtype=torch.int64).random_())
    if kind == "randperm":
        return values(torch.randperm(n))
    if kind == "bernoulli":
        return values(torch.empty(n, dtype=dtype).bernoulli_(op["p"]))
    if kind == "dropout_mask":
        out = torch.nn.functional.dropout(torch.ones(n), p=op["p"], training=True)
        return [1 if v != 0 else 0 for v in values(out)]
    raise ValueError(kind)


def cpu_capability():
    # The float32 normal_ path depends on it (AVX2 Box-Muller vs scalar); 1.13 only reports it here.
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def case(name, seed, ops):
    torch.manual_seed(seed)
    recorded = []
    for op in ops:
        op = dict(op)
        op["values"] = run(op)
        recorded.append(op)
    return {"name": name, "seed": seed, "initial_seed": torch.initial_seed(), "ops": recorded}


def main():
    cases = []
    for seed in SEEDS:
        for n in SIZES:
            for dt in DTYPES:
                cases.append(case(f"rand {dt} n={n}", seed, [{"op": "rand", "dtype": dt, "n": n}]))
                cases.append(case(f"randn {dt} n={n}", seed, [{"op": "randn", "dtype": dt, "n": n}]))
                cases.append(case(f"normal_(2, 0.5) {dt} n={n}", seed,
                                  [{"op": "normal", "dtype": dt, "n": n, "mean": 2.0, "std": 0.5}]))
                cases.append(case(f"uniform_(-1, 1) {dt} n={n}", seed,
                                  [{"op": "uniform", "dtype": dt, "n": n, "from": -1.0, "to": 1.0}]))
            cases.append(case(f"randint(0, 2) n={n}", seed, [{"op": "randint", "n": n, "low": 0, "high": 2}]))
            cases.append(case(f"randint(-5, 1000) n={n}", seed,
                              [{"op": "randint", "n": n, "low": -5, "high": 1000}]))
            cases.append(case(f"randint(0, 2**40) n={n}", seed,
                              [{"op": "randint", "n": n, "low": 0, "high": 2 ** 40}]))
        for n in (5, 17, 100):
            cases.append(case(f"randperm({n})", seed, [{"op": "randperm", "n": n}]))
        cases.append(case("bernoulli_(0.5) float32", seed, [{"op": "bernoulli", "dtype": "float32", "n": 33, "p": 0.5}]))
        cases.append(case("bernoulli_(0.3) float64", seed, [{"op": "bernoulli", "dtype": "float64", "n": 17, "p": 0.3}]))
        cases.append(case("dropout(p=0.5) mask", seed, [{"op": "dropout_mask", "n": 40, "p": 0.5}]))
        cases.append(case("dropout(p=0.1) mask", seed, [{"op": "dropout_mask", "n": 40, "p": 0.1}]))

    # Bounds whose product with the uniform is inexact pin the fused multiply-add in uniform_.
    cases.append(case("uniform_(-0.3, 1.7) float32", 7, [{"op": "uniform", "dtype": "float32", "n": 64, "from": -0.3, "to": 1.7}]))
    cases.append(case("uniform_(-0.3, 1.7) float64", 7, [{"op": "uniform", "dtype": "float64", "n": 64, "from": -0.3, "to": 1.7}]))
    # A std that is not a power of two pins the fused multiply-add in the normal transform.
    cases.append(case("normal_(0.1, 0.3) float32 n=40", 8, [{"op": "normal", "dtype": "float32", "n": 40, "mean": 0.1, "std": 0.3}]))
    cases.append(case("normal_(0.1, 0.3) float32 n=7", 8, [{"op": "normal", "dtype": "float32", "n": 7, "mean": 0.1, "std": 0.3}]))
    # The float32 AVX2 Box-Muller over many blocks, to exercise Cephes log/sincos broadly.
    cases.append(case("randn float32 n=1000", 9, [{"op": "randn", "dtype": "float32", "n": 1000}]))
    cases.append(case("random_() int64", 11, [{"op": "random64", "n": 8}]))
    cases.append(case("randint(0, 2**32 - 1)", 12, [{"op": "randint", "n": 8, "low": 0, "high": 2 ** 32 - 1}]))

    # Sequences: state carries from op to op, including the cached second Box-Muller sample.
    cases.append(case("course: rand(2,3) then randn(2,3)", 3,
                      [{"op": "rand", "dtype": "float32", "n": 6}, {"op": "randn", "dtype": "float32", "n": 6}]))
    cases.append(case("randn(5) leaves a cached sample for randn(3)", 0,
                      [{"op": "randn", "dtype": "float64", "n": 5}, {"op": "randn", "dtype": "float64", "n": 3}]))
    cases.append(case("bulk randn does not touch the cache", 42,
                      [{"op": "randn", "dtype": "float32", "n": 3}, {"op": "randn", "dtype": "float32", "n": 20},
                       {"op": "randn", "dtype": "float32", "n": 2}]))
    cases.append(case("mixed sequence", 12345,
                      [{"op": "rand", "dtype": "float32", "n": 4}, {"op": "randn", "dtype": "float32", "n": 17},
                       {"op": "randint", "n": 3, "low": -5, "high": 1000}, {"op": "randperm", "n": 10},
                       {"op": "rand", "dtype": "float64", "n": 3}, {"op": "randn", "dtype": "float64", "n": 1},
                       {"op": "normal", "dtype": "float32", "n": 1, "mean": 2.0, "std": 0.5},
                       {"op": "bernoulli", "dtype": "float32", "n": 5, "p": 0.5}]))

    # initial_seed keeps all 64 bits (unsigned), but only the low 32 seed the engine.
    seeds = []
    for s in SEEDS + [2 ** 40 + 5, -1]:
        torch.manual_seed(s)
        seeds.append({"seed": s, "initial_seed": torch.initial_seed(), "rand": values(torch.rand(3))})
    torch.manual_seed(0)
    torch.randn(1)  # leaves a cached sample behind
    torch.manual_seed(0)
    reseeded = values(torch.randn(2, dtype=torch.float64))

    fresh = torch.Generator()
    fresh_values = {"initial_seed": fresh.initial_seed(), "rand": values(torch.rand(5, generator=fresh))}

    out = {
        "torch_version": torch.__version__,
        "cpu_capability": cpu_capability(),
        "mkl": torch.backends.mkl.is_available(),
        "cases": cases,
        "seeds": seeds,
        "reseed_clears_cache": {"seed": 0, "randn_float64": reseeded},
        "fresh_generator": fresh_values,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "resources", "fixtures", "random.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
