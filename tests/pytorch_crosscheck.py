#!/usr/bin/env python3
"""The PyTorch side of tests/test_pytorch_crosscheck.cpp.

  /usr/bin/python3 tests/pytorch_crosscheck.py ANCHOR_PATH WORKDIR

Builds the reference LeNet5 from ANCHOR_PATH (../shared/anchors/pytorch_lenet5.py, imported, not copied) with our
weights, in float32, and
  - computes the logits of a batch of given network inputs;
  - encodes MNIST bytes exactly as the anchor's own training does, with its load(..., normalize=True) (MNIST
    mean and deviation, padding with the background value), and trains on them, for each run, from our weights:
    `steps` steps of torch.optim.SGD (momentum, weight_decay) or torch.optim.Adam (weight_decay: L2 added to the
    gradient, as ours does), each on F.cross_entropy of the whole set (mean over it).

WORKDIR holds, written by the test (raw little-endian, no headers):
  config.json      {"batch": B, "layers": [{"name": "C1", "parameters": 156}, ...],  (layers with parameters)
                    "runs": [{"name": ..., "optimizer": "sgd"|"adam", "learning_rate": lr, "momentum": m,
                              "weight_decay": wd, "steps": n}, ...]}
  parameters.f32   the flat parameter buffer, in our order
  inputs.f32       B x 1 x 32 x 32 network inputs, already scaled (for the logits)
  t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte   the training images, as IDX files for the anchor's load()
and receives:
  logits.f32          B x 10
  after_RUN.f32       the flat parameters after each run, in our order
  result.json         {"loss_RUN_STEP": mean cross-entropy before step STEP (1-based) of each run, "torch": version}

Exit status 77 (the conventional "skipped") with the reason on stdout when torch cannot be imported.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_exchange import SKIPPED, Workdir, import_anchor, import_torch  # noqa: E402

# Our flat order, layer by layer: conv weights [out][in][ky][kx] then bias[out]; dense weights [out][in] then
# bias[out]. That is PyTorch's own parameter order and layout for these modules; check_layout verifies it.
OUR_LAYERS = [("C1", "c1"), ("C3", "c3"), ("C5", "c5"), ("F6", "f6"), ("OUTPUT", "out")]


def check_layout(model, layers):
    """Our layers with parameters must map one to one, size for size, onto the module's (weight, bias) pairs."""
    names = [layer["name"] for layer in layers]
    if names != [ours for ours, _ in OUR_LAYERS]:
        raise SystemExit(f"layers with parameters are {names}, expected {[ours for ours, _ in OUR_LAYERS]}")
    expected_order = []
    for layer, (ours, theirs) in zip(layers, OUR_LAYERS):
        module = getattr(model, theirs)
        size = module.weight.numel() + module.bias.numel()
        if layer["parameters"] != size:
            raise SystemExit(f"layer {ours} has {layer['parameters']} parameters; PyTorch's {theirs} has {size} "
                             f"(weight {tuple(module.weight.shape)}, bias {tuple(module.bias.shape)})")
        expected_order += [f"{theirs}.weight", f"{theirs}.bias"]
    actual_order = [name for name, _ in model.named_parameters()]
    if actual_order != expected_order:
        raise SystemExit(f"PyTorch parameter order {actual_order} differs from ours {expected_order}")


def make_optimizer(torch, parameters, run):
    if run["optimizer"] == "sgd":
        return torch.optim.SGD(parameters, lr=run["learning_rate"], momentum=run["momentum"],
                               weight_decay=run["weight_decay"])
    if run["optimizer"] == "adam":
        return torch.optim.Adam(parameters, lr=run["learning_rate"], weight_decay=run["weight_decay"])
    raise SystemExit(f"unknown optimizer {run['optimizer']}")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {sys.argv[0]} ANCHOR_PATH WORKDIR")
    torch = import_torch()
    if torch is None:
        return SKIPPED
    import torch.nn.functional as F
    anchor = import_anchor(sys.argv[1], "pytorch_lenet5_anchor")
    work = Workdir(sys.argv[2])
    config = work.config()
    batch = int(config["batch"])

    def model_with_our_weights():
        model = anchor.LeNet5()  # the defaults: relu, average pooling
        check_layout(model, config["layers"])
        total = sum(p.numel() for p in model.parameters())
        flat = torch.tensor(work.read("parameters.f32", "f", total), dtype=torch.float32)
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(flat, model.parameters())
        return model

    inputs = torch.tensor(work.read("inputs.f32", "f", batch * 32 * 32), dtype=torch.float32).reshape(batch, 1, 32, 32)
    with torch.no_grad():
        work.write("logits.f32", model_with_our_weights()(inputs), "f")

    images, labels = anchor.load(work.path, "t10k", normalize=True)
    result = {"torch": torch.__version__}
    for run in config["runs"]:
        model = model_with_our_weights()
        optimizer = make_optimizer(torch, model.parameters(), run)
        for step in range(1, int(run["steps"]) + 1):
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            result[f"loss_{run['name']}_{step}"] = float(loss)
        work.write(f"after_{run['name']}.f32", torch.nn.utils.parameters_to_vector(model.parameters()), "f")
    work.write_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
