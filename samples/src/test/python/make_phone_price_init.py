"""Writes the initial weights PyTorch 1.13 gives the phone-price MLP for seed 42 (run: /usr/bin/python3 this file).

The compiled KilnPhonePrice.create(42) must reproduce them bit for bit; field names replace Sequential indices.
"""
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "fixtures" / "phone-price-seed42"
OUT.mkdir(parents=True, exist_ok=True)
torch.manual_seed(42)
net = torch.nn.Sequential(torch.nn.Linear(20, 128), torch.nn.ReLU(), torch.nn.Linear(128, 256), torch.nn.ReLU(),
                          torch.nn.Linear(256, 4))
names = {"0": "fc1", "2": "fc2", "4": "out"}
for key, value in net.state_dict().items():
    module, param = key.split(".")
    np.save(OUT / f"{names[module]}.{param}.npy", value.numpy())
