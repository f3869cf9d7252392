"""PyTorch's side of the GPU check (bench/gpu-check.sh, dev.kiln.bench.GpuCheck): the same workloads as Kiln's, on
CUDA, with TF32 off for matmuls and cuDNN, so every figure is FP32 on both sides.

Run:  python3 bench/torch_gpu.py [--device cuda|cpu] [--quick] [--data DIR]
      python3 bench/torch_gpu.py --quick --cpu          (the test run on a machine without a GPU)
  --device cuda (default) or cpu (--cpu is the same as --device cpu); --quick: tiny sizes and short windows;
  --data: the folder with mobile-price/train.csv and fashion-mnist/t10k-*-idx*-ubyte.gz (default
  bench/target/gpu-kit/data; missing files are replaced by random data of the same shape, and a line says so).

Workloads (ids shared with GpuCheck):
  mlp_b{64,1024}_{sgd,adam}  phone-price MLP 20-128-256-4, cross-entropy, samples/s. Each step moves the host batch to
                             the device and reads the loss back with loss.item(), as Kiln's Trainer.step does
                             (upload, step, read back the loss: the read-back synchronises).
  cnn_b{64,256}_adam         the Fashion-MNIST CNN of FashionCnn (conv32-pool-conv64-pool-fc128-dropout-fc10), Adam,
                             samples/s, same loop. cudnn.benchmark stays at its default (off).
  sgemm_4096                 torch.mm of two 4096x4096 float32 matrices, GFLOP/s (sgemm_256 with --quick), with
                             torch.cuda.synchronize() before the clock is read.
Each figure is the median of several timed windows after a warm-up.

Output, one line each, for GpuCheck to parse (it echoes them):
  torch info version=<v> device=<name> cuda=<v> tf32_matmul=False tf32_cudnn=False threads=<n>
  torch result id=<id> value=<figure> unit=<samples/s|GFLOP/s> windows=[...]
  torch skip id=<id> reason=<why>
  torch unavailable reason=<why>      (no torch, or no CUDA without --cpu: exits 0, Kiln's figures stand alone)
"""
import gzip
import os
import statistics
import sys
import time

ARGS = sys.argv[1:]


def option(name, default):
    if name in ARGS:
        i = ARGS.index(name)
        if i + 1 < len(ARGS):
            return ARGS[i + 1]
    return default


QUICK = "--quick" in ARGS
DEVICE = "cpu" if "--cpu" in ARGS else option("--device", "cuda")
DATA = option("--data", "bench/target/gpu-kit/data")
WINDOWS = 3 if QUICK else 5
WINDOW_S = 0.2 if QUICK else 1.0
WARMUP_S = 0.3 if QUICK else 2.0


def say(line):
    print("torch " + line, flush=True)


try:
    import torch
except Exception as e:  # ImportError, or a broken install
    say(f"unavailable reason=no PyTorch for {sys.executable} ({type(e).__name__}: {e})")
    sys.exit(0)

if DEVICE.startswith("cuda") and not torch.cuda.is_available():
    say(f"unavailable reason=torch {torch.__version__} (built for CUDA {torch.version.cuda}) sees no CUDA device")
    sys.exit(0)

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
if hasattr(torch, "set_float32_matmul_precision"):
    torch.set_float32_matmul_precision("highest")
dev = torch.device(DEVICE)
name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
say(f"info version={torch.__version__} device={name} cuda={torch.version.cuda} "
    f"tf32_matmul={torch.backends.cuda.matmul.allow_tf32} tf32_cudnn={torch.backends.cudnn.allow_tf32} "
    f"threads={torch.get_num_threads()}")


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def phone_price():
    path = os.path.join(DATA, "mobile-price", "train.csv")
    if os.path.isfile(path):
        rows = [line.strip().split(",") for line in open(path).read().splitlines()[1:] if line.strip()]
        x = torch.tensor([[float(v) for v in r[:20]] for r in rows])
        y = torch.tensor([int(float(r[20])) for r in rows])
        x = (x - x.mean(0)) / x.std(0, unbiased=False).clamp_min(1e-12)
        return x, y
    say(f"note reason=no {path}: the MLP trains on random data of the same shape")
    g = torch.Generator().manual_seed(0)
    return torch.randn(2000, 20, generator=g), torch.randint(0, 4, (2000,), generator=g)


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def fashion():
    images = os.path.join(DATA, "fashion-mnist", "t10k-images-idx3-ubyte.gz")
    labels = os.path.join(DATA, "fashion-mnist", "t10k-labels-idx1-ubyte.gz")
    if os.path.isfile(images) and os.path.isfile(labels):
        return idx(images).float().div_(255).reshape(-1, 1, 28, 28), idx(labels).long()
    say(f"note reason=no {images}: the CNN trains on random images of the same shape")
    g = torch.Generator().manual_seed(0)
    return torch.rand(2048, 1, 28, 28, generator=g), torch.randint(0, 10, (2048,), generator=g)


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(20, 128), torch.nn.ReLU(), torch.nn.Linear(128, 256), torch.nn.ReLU(),
                               torch.nn.Linear(256, 4))


def cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 7 * 7, 128), torch.nn.ReLU(), torch.nn.Dropout(0.25),
        torch.nn.Linear(128, 10))


def train(wid, net, opt_name, x, y, batch):
    """Median samples/s of WINDOWS windows after a warm-up: host batches moved to the device, loss.item() each step."""
    torch.manual_seed(0)
    model = net().to(dev)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01) if opt_name == "sgd" else torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = [(x[i:i + batch].contiguous(), y[i:i + batch].contiguous()) for i in range(0, len(y) - batch + 1, batch)]
    if not batches:
        say(f"skip id={wid} reason={len(y)} samples for batch {batch}")
        return
    last = [0.0]

    def window(seconds):
        done, k, t0 = 0, 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            xb, yb = batches[k]
            xb, yb = xb.to(dev), yb.to(dev)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            last[0] = loss.item()
            done += batch
            k = (k + 1) % len(batches)
        return done / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    window(WARMUP_S)
    warm = time.perf_counter() - t0
    rates = [window(WINDOW_S) for _ in range(WINDOWS)]
    say(f"result id={wid} value={statistics.median(rates):.1f} unit=samples/s "
        f"windows=[{','.join(f'{r:.0f}' for r in rates)}] warmup_s={warm:.1f} last_loss={last[0]:.4f}")


def sgemm(n):
    g = torch.Generator().manual_seed(4)
    a = (torch.rand(n, n, generator=g) * 2 - 1).to(dev)
    b = (torch.rand(n, n, generator=g) * 2 - 1).to(dev)
    c = torch.empty(n, n, device=dev)
    for _ in range(3):
        torch.mm(a, b, out=c)
    sync()
    t0 = time.perf_counter()
    torch.mm(a, b, out=c)
    sync()
    one = time.perf_counter() - t0
    reps = max(1, min(1000, round(WINDOW_S / 2 / one)))
    rates = []
    for _ in range(WINDOWS):
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b, out=c)
        sync()
        rates.append(2.0 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9)
    err = (c.double() - a.double() @ b.double()).abs().max().item() if n <= 1024 else \
        (c[:16].double() - a[:16].double() @ b.double()).abs().max().item()
    say(f"result id=sgemm_{n} value={statistics.median(rates):.1f} unit=GFLOP/s "
        f"windows=[{','.join(f'{r:.0f}' for r in rates)}] reps_per_window={reps} max_err={err:.1e}")


def guarded(wid, body):
    try:
        body()
    except Exception as e:  # report and go on with the next workload
        say(f"skip id={wid} reason={type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


px, py = phone_price()
for batch in (64, 1024):
    for opt_name in ("sgd", "adam"):
        wid = f"mlp_b{batch}_{opt_name}"
        guarded(wid, lambda: train(wid, mlp, opt_name, px, py, batch))
fx, fy = fashion()
for batch in (64, 256):
    wid = f"cnn_b{batch}_adam"
    guarded(wid, lambda: train(wid, cnn, "adam", fx, fy, batch))
n = 256 if QUICK else 4096
guarded(f"sgemm_{n}", lambda: sgemm(n))
