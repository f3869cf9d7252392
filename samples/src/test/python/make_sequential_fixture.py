#!/usr/bin/python3
"""Writes the PyTorch side of the phone-price state-dict round trip (run: /usr/bin/python3 this file).

PyTorch 1.13's nn.Sequential for the phone-price MLP after torch.manual_seed(0): its state dict as safetensors (keys
0.weight ... 4.bias, the form KilnPhonePrice.sequentialStateDict() uses) and a batch with torch's output as .npy.
SequentialStateDictTest loads the state into the generated model and compares its forward with torch's.
The safetensors package is not installed here, so the file is written by hand: 8-byte little-endian header length,
compact JSON header {name: {dtype, shape, data_offsets}} padded with spaces to 8 bytes, then the raw little-endian data.
"""
import json
import pathlib
import struct

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "resources" / "fixtures" / "phone-price-sequential"


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(20, 128), torch.nn.ReLU(), torch.nn.Linear(128, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 4))
    save_safetensors(OUT / "state.safetensors", net.state_dict())
    x = torch.randn(8, 20)
    with torch.no_grad():
        y = net(x)
    np.save(OUT / "input.npy", x.numpy().astype("<f4"))
    np.save(OUT / "output.npy", y.numpy().astype("<f4"))


if __name__ == "__main__":
    main()
