#!/usr/bin/env python3
"""The PyTorch side of tests/test_pytorch_classic.cpp.

  /usr/bin/python3 tests/pytorch_classic_crosscheck.py ANCHOR_PATH WORKDIR

Builds the 1998 LeNet-5 of ANCHOR_PATH (../shared/anchors/pytorch_lenet5_classic.py, imported, not copied) with
subsample="mean" (our trainable subsampling scales the block's mean), our RBF prototypes and our flat parameters,
once in float64 and once in float32, encodes the raw MNIST bytes with the anchor's encode(), and computes the
penalties, the MAP (eq. 9, our j) and MSE (eq. 8) losses (means over the batch), both losses' gradients, and the
parameters after one torch.optim.SGD step (no momentum) on the MAP loss.

Our flat order is the anchor's PARAMETER_ORDER: per layer weights (S2/S4: coefficients) then biases, C3 packed
with the connected kernels only, C3 map by C3 map, the connected S2 maps ascending. check_layout verifies the
sizes and Table I; a different packing would show as differences in the C3 values themselves.

WORKDIR holds, written by the test (raw little-endian, no headers):
  config.json     {"count": N, "map_constant": j, "learning_rate": lr,
                   "layers": [{"name": "C1", "parameters": 156}, ...], "c3_connections": [[0, 1, 2], ...]}
  images.u8       N x 28 x 28 MNIST bytes;  labels.u8  N labels
  prototypes.f64  10 x 84;  parameters.f64  the 60,000 parameters in our flat order
and receives, for each PRECISION in float64 and float32 (values widened to float64):
  inputs_PRECISION.f64      N x 32 x 32, encode(images, dtype=PRECISION)
  penalties_PRECISION.f64   N x 10
  map_gradient_PRECISION.f64, mse_gradient_PRECISION.f64, after_sgd_PRECISION.f64   60,000 each
  result.json               {"map_loss_PRECISION": ..., "mse_loss_PRECISION": ..., "torch": version}
The float64 network takes encode(images) in float32, widened: our InputEncoder rounds its inputs to float32
for either precision, so both double networks see the same inputs and the comparison measures the networks.

Exit status 77 (the conventional "skipped") with the reason on stdout when torch cannot be imported.
"""
import math
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_exchange import SKIPPED, Workdir, import_anchor, import_torch  # noqa: E402


def check_layout(anchor, config):
    """Our layers with parameters must be the anchor's, size for size, and our C3 table its Table I."""
    sizes = {}
    for name, shape in anchor.PARAMETER_ORDER:
        layer = name.split(".")[0]
        sizes[layer] = sizes.get(layer, 0) + math.prod(shape)
    ours = {layer["name"]: layer["parameters"] for layer in config["layers"]}
    if list(ours.items()) != list(sizes.items()):
        raise SystemExit(f"our layers with parameters {ours} differ from the anchor's {sizes}")
    if config["c3_connections"] != anchor.TABLE_I:
        raise SystemExit(f"our C3 connections {config['c3_connections']} differ from Table I {anchor.TABLE_I}")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {sys.argv[0]} ANCHOR_PATH WORKDIR")
    torch = import_torch()
    if torch is None:
        return SKIPPED
    anchor = import_anchor(sys.argv[1], "pytorch_lenet5_classic_anchor")
    work = Workdir(sys.argv[2])
    config = work.config()
    check_layout(anchor, config)
    count, j, learning_rate = int(config["count"]), float(config["map_constant"]), float(config["learning_rate"])

    images = torch.tensor(work.read("images.u8", "B", count * 28 * 28), dtype=torch.uint8).reshape(count, 28, 28)
    labels = torch.tensor(work.read("labels.u8", "B", count), dtype=torch.long)
    prototypes = torch.tensor(work.read("prototypes.f64", "d", 10 * 84), dtype=torch.float64)
    parameters = torch.tensor(work.read("parameters.f64", "d", 60000), dtype=torch.float64)

    result = {"torch": torch.__version__}
    for dtype, precision in ((torch.float64, "float64"), (torch.float32, "float32")):
        work.write(f"inputs_{precision}.f64", anchor.encode(images, dtype=dtype), "d")
        inputs = anchor.encode(images, dtype=torch.float32).to(dtype)
        model = anchor.LeNet5Classic(prototypes, subsample="mean", dtype=dtype)
        model.load_flat(parameters.to(dtype))

        penalties = model(inputs)
        work.write(f"penalties_{precision}.f64", penalties, "d")
        for name, loss in (("mse", anchor.mse_loss(penalties, labels)), ("map", anchor.map_loss(penalties, labels, j))):
            model.zero_grad(set_to_none=True)
            loss.backward(retain_graph=True)
            work.write(f"{name}_gradient_{precision}.f64", model.flat(gradients=True), "d")
            result[f"{name}_loss_{precision}"] = float(loss)

        # The MAP loss's gradient is the last one computed: the step the C++ side takes.
        torch.optim.SGD(model.parameters(), lr=learning_rate).step()
        work.write(f"after_sgd_{precision}.f64", model.flat(), "d")
    work.write_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
