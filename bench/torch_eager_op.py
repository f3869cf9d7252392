"""PyTorch's per-op overhead for y = x + 1 on 1 and 64 float32 elements (compare with EagerOpBench).

Run: /usr/bin/python3 bench/torch_eager_op.py   (prints the median of 7 repeats, in microseconds)
"""
import statistics
import timeit

import torch

torch.set_num_threads(1)
for n in (1, 64):
    x = torch.rand(n)
    for name, stmt in (("addScalar", lambda: x + 1), ("addTensor", lambda: x + x)):
        number = 200_000
        runs = timeit.repeat(stmt, number=number, repeat=7)
        print(f"torch {name:9s} elements={n:3d}: {statistics.median(runs) / number * 1e6:.3f} us/op")
