#!/usr/bin/python3
"""PyTorch's float32 square matmul (torch.mm into a preallocated output) for GemmBench.

Alone it prints GFLOP/s = 2*n^3 / seconds / 1e9 for each size on 1 and 2 threads:
    /usr/bin/python3 bench/torch_matmul.py 64 256 512 1024 2048
With --serve it reads requests "<n> <threads> <seconds>" from stdin, one per line, and answers each
with "gflops=<x>" after multiplying for about that long (inputs made and warmed once per size).
"""
import statistics
import sys
import time

import torch

CACHE = {}


def operands(n):
    if n not in CACHE:
        g = torch.Generator().manual_seed(42)
        a = torch.rand(n, n, generator=g) * 2 - 1
        b = torch.rand(n, n, generator=g) * 2 - 1
        c = torch.empty(n, n)
        for _ in range(3):
            torch.mm(a, b, out=c)
        CACHE[n] = (a, b, c)
    return CACHE[n]


def gflops(n, threads, seconds):
    torch.set_num_threads(threads)
    a, b, c = operands(n)
    torch.mm(a, b, out=c)  # after a thread-count change
    done, t0 = 0, time.perf_counter()
    while True:
        for _ in range(max(1, 2 ** 22 // (n * n * n) )):
            torch.mm(a, b, out=c)
            done += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return 2.0 * n ** 3 * done / elapsed / 1e9


def serve():
    for line in sys.stdin:
        n, threads, seconds = line.split()
        print(f"gflops={gflops(int(n), int(threads), float(seconds)):.2f}", flush=True)


if sys.argv[1:2] == ["--serve"]:
    serve()
else:
    print(f"torch {torch.__version__}; default threads {torch.get_num_threads()}")
    for n in [int(s) for s in sys.argv[1:]] or [64, 256, 512, 1024, 2048]:
        for threads in (1, 2):
            runs = [gflops(n, threads, 0.3) for _ in range(5)]
            print(f"torch.mm n={n} threads={threads}: median {statistics.median(runs):.1f} GFLOP/s", flush=True)
