#!/usr/bin/env python3
"""The PyTorch side of tests/test_pytorch_crosscheck.cpp.

  /usr/bin/python3 tests/pytorch_crosscheck.py ANCHOR_PATH WORKDIR

Builds the reference LeNet5 from ANCHOR_PATH (../shared/anchors/pytorch_lenet5.py, imported, not copied),
loads the weights the C++ test wrote, computes the logits of a batch in float32, then takes ONE step of
torch.optim.SGD(lr, momentum) on F.cross_entropy(logits, labels) (mean over the batch).

WORKDIR holds, written by the test (raw little-endian, no headers):
  config.json      {"batch": B, "learning_rate": lr, "momentum": m,
                    "layers": [{"name": "C1", "parameters": 156}, ...]}  (layers with parameters, in order)
  parameters.f32   the flat parameter buffer, in our order
  inputs.f32       B x 1 x 32 x 32 network inputs, already scaled
  labels.u8        B labels
and receives:
  logits.f32       B x 10, before the step
  parameters_after.f32  the flat parameters after the step, in our order
  result.json      {"loss": mean cross-entropy before the step, "torch": version}

Exit status 77 (the conventional "skipped") with the reason on stdout when torch cannot be imported.
"""
import array
import importlib.util
import json
import os
import sys

# Our flat order, layer by layer: conv weights [out][in][ky][kx] then bias[out]; dense weights [out][in] then
# bias[out]. That is PyTorch's own parameter order and layout for these modules; check_layout verifies it.
OUR_LAYERS = [("C1", "c1"), ("C3", "c3"), ("C5", "c5"), ("F6", "f6"), ("OUTPUT", "out")]


def read_floats(path, count):
    values = array.array("f")
    with open(path, "rb") as f:
        values.frombytes(f.read())
    if sys.byteorder != "little":
        values.byteswap()
    if len(values) != count:
        raise SystemExit(f"{path}: expected {count} float32 values, found {len(values)}")
    return values


def write_floats(path, tensor):
    values = array.array("f", tensor.detach().reshape(-1).tolist())
    if sys.byteorder != "little":
        values.byteswap()
    with open(path, "wb") as f:
        f.write(values.tobytes())


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


def main():
    if len(sys.argv) != 3:
        raise SystemExit(f"usage: {sys.argv[0]} ANCHOR_PATH WORKDIR")
    anchor_path, workdir = sys.argv[1], sys.argv[2]
    try:
        import torch
        import torch.nn.functional as F
    except Exception as error:  # ImportError, or a broken installation
        print(f"python3-torch is not usable ({type(error).__name__}: {error}); apt-get install python3-torch")
        return 77

    sys.dont_write_bytecode = True  # leave no __pycache__ beside the anchor
    spec = importlib.util.spec_from_file_location("pytorch_lenet5_anchor", anchor_path)
    anchor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(anchor)

    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    batch = int(config["batch"])

    torch.set_num_threads(1)
    model = anchor.LeNet5()  # the defaults: relu, average pooling
    check_layout(model, config["layers"])
    parameters = list(model.parameters())
    total = sum(p.numel() for p in parameters)
    flat = torch.tensor(read_floats(os.path.join(workdir, "parameters.f32"), total), dtype=torch.float32)
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(flat, parameters)

    inputs = torch.tensor(read_floats(os.path.join(workdir, "inputs.f32"), batch * 32 * 32),
                          dtype=torch.float32).reshape(batch, 1, 32, 32)
    with open(os.path.join(workdir, "labels.u8"), "rb") as f:
        labels = torch.tensor(list(f.read()), dtype=torch.long)
    if labels.numel() != batch:
        raise SystemExit(f"labels.u8: expected {batch} labels, found {labels.numel()}")

    optimizer = torch.optim.SGD(parameters, lr=float(config["learning_rate"]), momentum=float(config["momentum"]))
    logits = model(inputs)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()

    write_floats(os.path.join(workdir, "logits.f32"), logits)
    write_floats(os.path.join(workdir, "parameters_after.f32"), torch.nn.utils.parameters_to_vector(parameters))
    with open(os.path.join(workdir, "result.json"), "w") as f:
        json.dump({"loss": float(loss), "torch": torch.__version__}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
