#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/data/dataloader.json from PyTorch 1.13's DataLoader.

Run with /usr/bin/python3 (the system PyTorch 1.13). Each case iterates a DataLoader over
TensorDataset(arange(n)) for two epochs and records the batches, then one torch.rand draw from the
default generator, so the Java test checks both the order and how many random numbers the loader
consumed (1.13 draws a _base_seed per iterator and, without a generator, a sampler seed).
"""
import json
import os

import torch
from torch.utils.data import DataLoader, TensorDataset


def run_case(n, batch_size, shuffle, drop_last, seed, use_generator):
    torch.manual_seed(seed)
    data = TensorDataset(torch.arange(n))
    g = torch.Generator().manual_seed(seed + 1) if use_generator else None
    loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=g)
    epochs = [[b[0].tolist() for b in loader] for _ in range(2)]
    return {
        "n": n, "batchSize": batch_size, "shuffle": shuffle, "dropLast": drop_last, "seed": seed,
        "generatorSeed": seed + 1 if use_generator else None,
        "length": len(loader),
        "epochs": epochs,
        # float32 widened to float64 by tolist() is exact.
        "randAfter": torch.rand(3).tolist(),
        "generatorRandAfter": torch.rand(2, generator=g).tolist() if use_generator else None,
    }


def main():
    cases = []
    for seed in (0, 42, 1234):
        for n, bs, drop in ((10, 3, False), (10, 3, True), (12, 4, False), (12, 4, True), (7, 1, False), (5, 8, False)):
            for use_gen in (False, True):
                cases.append(run_case(n, bs, True, drop, seed, use_gen))
        cases.append(run_case(10, 3, False, False, seed, False))
    # The seed a generator-less RandomSampler draws: int64 random_() on the default generator.
    seeds = []
    for s in (0, 7, 2**40 + 3):
        torch.manual_seed(s)
        seeds.append({"seed": s, "draws": [int(torch.empty((), dtype=torch.int64).random_().item()) for _ in range(3)]})
    out = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "data", "dataloader.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases, "int64Random": seeds}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
