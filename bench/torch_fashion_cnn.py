"""PyTorch 1.13 training throughput of the Fashion-MNIST CNN of FashionMnistCompiled (the compiled FashionCnn):
Conv2d(32,3,p1) ReLU MaxPool(2) Conv2d(64,3,p1) ReLU MaxPool(2) Flatten Linear(128) ReLU Dropout(0.25) Linear(10),
Adam 1e-3, batch 64, on random 28x28 images (throughput does not depend on the values).

Run: /usr/bin/python3 bench/torch_fashion_cnn.py [threads...]   (default: 1 and 2)
Prints: torch_cnn threads=<t> samples_per_s=<median of 3 runs of 30 steps> cpu_samples_per_s=<by process CPU time>
"""
import statistics
import sys
import time

import torch

THREADS = [int(t) for t in sys.argv[1:]] or [1, 2]
torch.manual_seed(0)
BATCH = 64
x = torch.rand(BATCH * 8, 1, 28, 28)
y = torch.randint(0, 10, (BATCH * 8,))


def net():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Dropout(0.25),
        torch.nn.Linear(128, 10))


for threads in THREADS:
    torch.set_num_threads(threads)
    model = net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def steps(count):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(count):
            s = (i % 8) * BATCH
            opt.zero_grad()
            loss_fn(model(x[s:s + BATCH]), y[s:s + BATCH]).backward()
            opt.step()
        return count * BATCH / (time.perf_counter() - t0), count * BATCH / (time.process_time() - c0)

    steps(5)  # warm-up
    runs = [steps(30) for _ in range(3)]
    print(f"torch_cnn threads={threads} samples_per_s={statistics.median(r[0] for r in runs):.0f} "
          f"cpu_samples_per_s={statistics.median(r[1] for r in runs):.0f}", flush=True)
