"""What the python sides of the PyTorch cross-checks share (tests/pytorch_crosscheck.py, the modern preset;
tests/pytorch_classic_crosscheck.py, the classic one): raw little-endian arrays in the scratch folder the C++ test
made, the anchor imported from its path (not copied), and the exit status 77 ("skipped") where torch is absent.
"""
import array
import importlib.util
import json
import os
import sys

SKIPPED = 77


def import_torch():
    """torch, or None after printing why not (the C++ test shows it as the skip reason)."""
    try:
        import torch
    except Exception as error:  # ImportError, or a broken installation
        print(f"python3-torch is not usable ({type(error).__name__}: {error}); apt-get install python3-torch")
        return None
    torch.set_num_threads(1)
    return torch


def import_anchor(path, name):
    sys.dont_write_bytecode = True  # leave no __pycache__ beside the anchor
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Workdir:
    def __init__(self, path):
        self.path = path

    def config(self):
        with open(os.path.join(self.path, "config.json")) as f:
            return json.load(f)

    def read(self, name, typecode, count):
        """`count` values of array typecode "f" (float32), "d" (float64) or "B" (uint8), as a list."""
        values = array.array(typecode)
        with open(os.path.join(self.path, name), "rb") as f:
            values.frombytes(f.read())
        if sys.byteorder != "little":
            values.byteswap()
        if len(values) != count:
            raise SystemExit(f"{name}: expected {count} values of type {typecode}, found {len(values)}")
        return values.tolist()

    def write(self, name, tensor, typecode):
        values = array.array(typecode, tensor.detach().reshape(-1).tolist())
        if sys.byteorder != "little":
            values.byteswap()
        with open(os.path.join(self.path, name), "wb") as f:
            f.write(values.tobytes())

    def write_result(self, result):
        with open(os.path.join(self.path, "result.json"), "w") as f:
            json.dump(result, f)
