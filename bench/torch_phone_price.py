"""PyTorch 1.13 training throughput of the phone-price MLP (20-128-256-4), the workload of CompiledPhonePriceBench
and EagerPhonePriceBench.

Run: /usr/bin/python3 bench/torch_phone_price.py [threads [sgd_lr]]   (default 1 thread: fastest here for these
small matrices on the shared 2-core machine; SGD lr 0.01 as CompiledPhonePriceBench uses, EagerPhonePriceBench
passes 1e-3: the rate does not change the work per step). Prints one line per case:
  torch batch=<b> opt=<sgd|adam> samples_per_s=<median of 5 one-second runs>
"""
import statistics
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
SGD_LR = float(sys.argv[2]) if len(sys.argv) > 2 else 0.01
torch.manual_seed(0)
SAMPLES = 1600
x_all = torch.randn(SAMPLES, 20)
y_all = torch.randint(0, 4, (SAMPLES,))


def run(batch, opt_name):
    net = torch.nn.Sequential(torch.nn.Linear(20, 128), torch.nn.ReLU(), torch.nn.Linear(128, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 4))
    opt = torch.optim.SGD(net.parameters(), lr=SGD_LR) if opt_name == "sgd" else torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = [(x_all[i:i + batch], y_all[i:i + batch]) for i in range(0, SAMPLES - batch + 1, batch)]

    def step(xb, yb):
        opt.zero_grad()
        loss_fn(net(xb), yb).backward()
        opt.step()

    def timed(seconds):
        done, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for xb, yb in batches:
                step(xb, yb)
                done += batch
        return done / (time.perf_counter() - t0)

    timed(1.0)  # warm-up
    return statistics.median(timed(1.0) for _ in range(5))


for batch in (8, 64):
    for opt_name in ("sgd", "adam"):
        print(f"torch batch={batch} opt={opt_name} samples_per_s={run(batch, opt_name):.0f}", flush=True)
