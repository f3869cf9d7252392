"""PyTorch 1.13 training throughput of the phone-price MLP (20-128-256-4), the workload of CompiledPhonePriceBench
and EagerPhonePriceBench.

Run: /usr/bin/python3 bench/torch_phone_price.py [--lr SGD_LR] [threads...]   (default: lr 0.01 as
CompiledPhonePriceBench uses, EagerPhonePriceBench passes 1e-3 -- the rate does not change the work per step;
threads 1 and 2, the cores of this machine).
Prints one line per case and thread count, then the best thread count per case ("threading tuned"):
  torch batch=<b> opt=<sgd|adam> threads=<t> samples_per_s=<median of 5 one-second runs> cpu_samples_per_s=<by process CPU time>
  torch_best batch=<b> opt=<sgd|adam> threads=<t> samples_per_s=<the larger median>

With --serve it instead reads requests "<batch> <opt> <threads> <seconds>" from stdin, one per line, and answers each
with one line "samples_per_s=<rate>" once it has trained that long (after a warm-up the first time a case is asked
for). CompiledPhonePriceBench uses this to alternate one-second runs of Kiln and PyTorch, so that both sides of each
ratio see the same state of a shared, noisy machine.
"""
import statistics
import sys
import time

import torch

ARGS = sys.argv[1:]
SGD_LR = 0.01
if ARGS[:1] == ["--lr"]:
    SGD_LR, ARGS = float(ARGS[1]), ARGS[2:]
SERVE = ARGS[:1] == ["--serve"]
THREADS = [] if SERVE else [int(t) for t in ARGS] or [1, 2]
torch.manual_seed(0)
SAMPLES = 1600
x_all = torch.randn(SAMPLES, 20)
y_all = torch.randint(0, 4, (SAMPLES,))


def trainer(batch, opt_name):
    """A fresh network and optimizer for one case; returns timed(seconds) -> (wall samples/s, CPU samples/s)."""
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
        done, t0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < seconds:
            for xb, yb in batches:
                step(xb, yb)
                done += batch
        return done / (time.perf_counter() - t0), done / (time.process_time() - c0)

    return timed


def run(batch, opt_name):
    timed = trainer(batch, opt_name)
    timed(1.0)  # warm-up
    runs = [timed(1.0) for _ in range(5)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def serve():
    cases = {}
    for line in sys.stdin:
        batch, opt_name, threads, seconds = line.split()
        torch.set_num_threads(int(threads))
        key = (int(batch), opt_name)
        if key not in cases:
            cases[key] = trainer(*key)
            cases[key](1.0)  # warm-up
        rate, _ = cases[key](float(seconds))
        print(f"samples_per_s={rate:.0f}", flush=True)


if SERVE:
    serve()
    sys.exit(0)

for batch in (8, 64):
    for opt_name in ("sgd", "adam"):
        best = (0, 0)
        for threads in THREADS:
            torch.set_num_threads(threads)
            rate, cpu_rate = run(batch, opt_name)
            best = max(best, (rate, threads))
            print(f"torch batch={batch} opt={opt_name} threads={threads} samples_per_s={rate:.0f} "
                  f"cpu_samples_per_s={cpu_rate:.0f}", flush=True)
        print(f"torch_best batch={batch} opt={opt_name} threads={best[1]} samples_per_s={best[0]:.0f}", flush=True)
