#!/usr/bin/env python3
"""Writes the .npy fixtures that NpyTest reads, and checks that Kiln-written files load in NumPy.

    python3 make_npy_fixtures.py             # (re)write runtime/src/test/resources/fixtures/npy/
    python3 make_npy_fixtures.py --verify D  # numpy.load every D/<name>.npy, compare to fixture <name>

The fixtures are deterministic, so rerunning the script leaves git clean unless NumPy changes its
output. expected.json records, per fixture, the Kiln dtype, the shape and the elements in row-major
order: integers and bools as values, floating-point numbers as their raw bits (signed integers of
the same width), because JSON cannot spell NaN or -0.0 and the Java test compares bit-exactly.
"canonical" marks files that numpy.save wrote for a little-endian, C-order array of a Kiln dtype:
Kiln must write exactly the same bytes for them.
"""
import argparse
import io
import json
import os
import sys
import warnings

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "npy"))

# The bits of each float width, as the signed integer type the Java test reads them into.
BITS_VIEW = {np.float16: "<i2", np.float32: "<i4", np.float64: "<i8"}

# NumPy storage type -> Kiln dtype name; uint16 and uint32 widen losslessly on reading.
KILN_DTYPE = {
    np.bool_: "bool", np.int8: "int8", np.uint8: "uint8", np.int16: "int16", np.uint16: "int32",
    np.int32: "int32", np.uint32: "int64", np.int64: "int64",
    np.float16: "float16", np.float32: "float32", np.float64: "float64",
}
KILN_NATIVE = {"|b1", "|u1", "|i1", "<i2", "<i4", "<i8", "<f2", "<f4", "<f8"}


def specials(dtype):
    """Values that catch byte-order, sign and rounding mistakes: signed zero, inf, NaN, tiny."""
    info = np.finfo(dtype)
    return np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, info.tiny, info.max, info.min,
                     1.0 / 3.0, 65504.0 if dtype == np.float16 else 1e30], dtype=dtype)


def fixtures():
    """name -> (array, how to write it). Writers: 'save' (numpy.save), or a format version tuple."""
    f = {}
    f["bool_5"] = (np.array([True, False, False, True, True]), "save")
    f["int16_2x3"] = (np.array([[-32768, -1, 0], [1, 12345, 32767]], dtype="<i2"), "save")
    f["int32_2x3"] = (np.array([[-2**31, -7, 0], [7, 100000, 2**31 - 1]], dtype="<i4"), "save")
    f["int64_4"] = (np.array([-2**63, -1, 2**40 + 3, 2**63 - 1], dtype="<i8"), "save")
    f["float16_3x4"] = (specials(np.float16).reshape(3, 4), "save")
    f["float32_2x6"] = (specials(np.float32).reshape(2, 6), "save")
    f["float64_12"] = (specials(np.float64), "save")
    # A NaN with a payload: any conversion through a Java double or a canonicalising NaN shows.
    f["float32_nan_payload"] = (np.array([1, 0x7FC00001, 0xFF800001 - 2**32], dtype="<i4")
                                .view("<f4"), "save")
    f["scalar_float64"] = (np.array(3.25, dtype="<f8"), "save")
    f["empty_float32_0x3"] = (np.zeros((0, 3), dtype="<f4"), "save")
    f["int32_2x3x4"] = (np.arange(24, dtype="<i4").reshape(2, 3, 4) * 3 - 30, "save")
    f["big_endian_float64_2x3"] = (np.array([[1.5, -0.0, np.inf], [np.nan, 1e-300, -7.0]],
                                            dtype=">f8"), "save")
    f["big_endian_int32_3"] = (np.array([1, -2, 2**31 - 1], dtype=">i4"), "save")
    f["big_endian_float16_4"] = (np.array([1.0, -0.5, np.inf, 6e-8], dtype=">f2"), "save")
    f["fortran_float32_3x4"] = (np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4) / 4),
                                "save")
    f["fortran_int64_2x3x4"] = (np.asfortranarray(np.arange(24, dtype="<i8").reshape(2, 3, 4)),
                                "save")
    f["uint8_6"] = (np.array([0, 1, 127, 128, 200, 255], dtype="|u1"), "save")
    f["int8_4"] = (np.array([-128, -1, 0, 127], dtype="|i1"), "save")
    f["uint16_3"] = (np.array([0, 32768, 65535], dtype="<u2"), "save")
    f["uint32_3"] = (np.array([0, 2**31, 2**32 - 1], dtype="<u4"), "save")
    f["version2_float64_2x2"] = (np.array([[1.0, 2.0], [3.0, 4.0]], dtype="<f8"), (2, 0))
    f["version3_int16_3"] = (np.array([5, -6, 7], dtype="<i2"), (3, 0))
    return f


def handcrafted_header():
    """A header NumPy would not write but reads: double quotes, other key order, a Python 2 'L'
    suffix, 16-byte alignment (what NumPy before 1.9 used) and no trailing newline."""
    arr = np.array([[0.5, -1.0, 2.0]], dtype="<f8")
    text = b'{"shape": (1L, 3L), "fortran_order": False, "descr": "<f8"}'
    text += b" " * (-(10 + len(text)) % 16)
    return arr, b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + arr.tobytes()


def save(path, arr, how):
    if how == "save":
        np.save(path, arr)
    else:
        with open(path, "wb") as fp:
            npformat.write_array(fp, arr, version=how, allow_pickle=False)


def expected_entry(arr, canonical):
    t = arr.dtype.type
    flat = arr.reshape(-1, order="C")
    entry = {"dtype": KILN_DTYPE[t], "shape": list(arr.shape), "canonical": canonical}
    if t in BITS_VIEW:
        entry["bits"] = [int(v) for v in flat.astype(arr.dtype.newbyteorder("<")).view(BITS_VIEW[t])]
    else:
        entry["values"] = [bool(v) if t is np.bool_ else int(v) for v in flat]
    return entry


def write_all():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for name, (arr, how) in fixtures().items():
        save(os.path.join(OUT, name + ".npy"), arr, how)
        canonical = how == "save" and arr.dtype.str in KILN_NATIVE and arr.flags.c_contiguous
        expected[name] = expected_entry(arr, canonical)
    arr, raw = handcrafted_header()
    with open(os.path.join(OUT, "handcrafted_header.npy"), "wb") as fp:
        fp.write(raw)
    with warnings.catch_warnings():  # NumPy warns that the 'L' suffix needed its Python 2 filter
        warnings.simplefilter("ignore", UserWarning)
        assert np.array_equal(np.load(os.path.join(OUT, "handcrafted_header.npy")), arr)
    expected["handcrafted_header"] = expected_entry(arr, False)
    with open(os.path.join(OUT, "expected.json"), "w") as fp:
        json.dump(expected, fp, indent=1, sort_keys=True)
        fp.write("\n")
    print(f"wrote {len(expected)} fixtures to {OUT}")


def verify(directory):
    """Loads each Kiln-written <name>.npy and requires the fixture's values, bit for bit, in the
    Kiln dtype (so widened uint16 comes back as int32), and bytes equal to numpy.save's."""
    checked = 0
    for name, (arr, _) in fixtures().items():
        path = os.path.join(directory, name + ".npy")
        if not os.path.exists(path):
            continue
        got = np.load(path, allow_pickle=False)
        # astype rather than ascontiguousarray, which would turn the 0-d scalar into shape (1,).
        want = arr.astype(np.dtype(KILN_DTYPE[arr.dtype.type]).newbyteorder("<"), order="C")
        if got.dtype != want.dtype or got.shape != want.shape or got.tobytes() != want.tobytes():
            sys.exit(f"{path}: got {got.dtype} {got.shape} {got!r}, want {want.dtype} {want.shape}")
        buf = io.BytesIO()
        np.save(buf, want)
        with open(path, "rb") as fp:
            if fp.read() != buf.getvalue():
                sys.exit(f"{path}: loads correctly but its bytes differ from numpy.save's")
        checked += 1
    if checked == 0:
        sys.exit(f"no fixture-named .npy files in {directory}")
    print(f"{checked} Kiln-written files load in NumPy {np.__version__} bit-exactly")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--verify", metavar="DIR", help="check Kiln-written files instead of writing")
    args = p.parse_args()
    verify(args.verify) if args.verify else write_all()
