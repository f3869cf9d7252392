#!/usr/bin/python3
"""Writes runtime/src/test/resources/fixtures/safetensors/*.safetensors with numpy alone.

PyTorch 1.13 cannot write safetensors and the `safetensors` package is not installed here, so
this is a small writer that follows the format as the reference Rust writer (safetensors 0.3/0.4,
src/tensor.rs `prepare`/`serialize`) produces it:
  * tensors sorted by decreasing dtype alignment (the Rust Dtype enum order: BOOL < U8 < I8 <
    F8_E5M2 < F8_E4M3 < I16 < U16 < F16 < BF16 < I32 < U32 < F32 < F64 < I64 < U64), then by name
    (UTF-8 bytes); data laid out in that order, C order, little-endian;
  * header = serde_json compact JSON: "__metadata__" first (keys sorted here; Rust's HashMap order
    is arbitrary), then each tensor {"dtype","shape","data_offsets"} in layout order; non-ASCII
    written raw; padded with spaces to a multiple of 8 bytes;
  * 8-byte little-endian unsigned header length, header, data.
The Java test reads these files and checks that Kiln writes the same bytes for the same tensors.
"""
import json
import os
import struct

import numpy as np

ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
NUMPY = {np.dtype(np.bool_): "BOOL", np.dtype(np.uint8): "U8", np.dtype(np.int8): "I8", np.dtype(np.int16): "I16",
         np.dtype(np.float16): "F16", np.dtype(np.int32): "I32", np.dtype(np.float32): "F32",
         np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}


def save(path, tensors, metadata=None):
    """tensors: name -> (dtype name, shape, little-endian bytes) or a numpy array."""
    items = []
    for name, t in tensors.items():
        if isinstance(t, np.ndarray):
            t = (NUMPY[t.dtype], list(t.shape), np.ascontiguousarray(t).astype(t.dtype.newbyteorder("<")).tobytes())
        items.append((name, t))
    items.sort(key=lambda kv: (-ORDER.index(kv[1][0]), kv[0].encode("utf-8")))
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = dict(sorted(metadata.items(), key=lambda kv: kv[0].encode("utf-8")))
    for name, (dtype, shape, data) in items:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, (_, _, data) in items:
            f.write(data)


def bf16(values):
    """bfloat16 bytes: the top half of each float32 (the values chosen are exact in bfloat16)."""
    bits = np.asarray(values, dtype="<f4").view("<u4") >> 16
    return bits.astype("<u2").tobytes()


def main():
    out = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "safetensors")
    os.makedirs(out, exist_ok=True)
    save(os.path.join(out, "mixed.safetensors"), {
        "weight": (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) / 3,
        "bias": np.array([0.1, -1e-8, 3.4e38], dtype=np.float32),
        "step": np.array(-(2**62) - 5, dtype=np.int64),
        "mask": np.array([[True, False], [False, True]]),
        "half": np.array([1.5, -0.0, 65504], dtype=np.float16),
        "ids": np.array([-(2**31), -1, 0, 2**31 - 1], dtype=np.int32),
        "small": np.array([[-32768, 7], [0, 32767]], dtype=np.int16),
        "double": np.array([np.pi, -1e-300], dtype=np.float64),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "\u00e9t\u00e9.w": np.array([2.0], dtype=np.float32),
    }, metadata={"format": "pt", "note": "kiln \"fixture\"\n\u00e9"})
    # The reference implementation's own test vector: one F32 tensor [1, 2, 3], no metadata.
    save(os.path.join(out, "attn.safetensors"), {"attn.0": np.arange(6, dtype=np.float32).reshape(1, 2, 3)})
    # uint8, int8 and bfloat16 (Kiln read them widened once; the name stayed).
    save(os.path.join(out, "widened.safetensors"), {
        "b": ("BF16", [3], bf16([1.0, -2.5, 3.140625])),
        "u": np.array([0, 200, 255], dtype=np.uint8),
        "i": np.array([-128, 5, 127], dtype=np.int8),
    })
    # The byte-sized and bfloat16 dtypes among others, for the writer's alignment order and exact bits: bfloat16
    # -0.0, infinities, a NaN with payload, the largest finite and a subnormal, by their bit patterns.
    bf16_bits = np.array([0x8000, 0x7F80, 0xFF80, 0x7FC1, 0x7F7F, 0x0001, 0x3DCD, 0xC2F7], dtype="<u2")
    save(os.path.join(out, "small_dtypes.safetensors"), {
        "bf16": ("BF16", [2, 4], bf16_bits.tobytes()),
        "u8": np.array([[0, 1, 127], [128, 200, 255]], dtype=np.uint8),
        "i8": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        "a_bool": np.array([True, False, True]),
        "f32": np.array([0.5, -2.0], dtype=np.float32),
        "u8_scalar": np.array(7, dtype=np.uint8),
    })


if __name__ == "__main__":
    main()
