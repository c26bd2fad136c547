"""Export a classifier to ONNX, check the file and estimate its device-memory footprint."""

import copy
import hashlib

import numpy as np
import onnx
import torch
from onnx import numpy_helper, shape_inference

INPUT_NAME = "input"
OUTPUT_NAME = "logits"
OPSET = 13
BATCH_AXIS = "batch"


def export_classifier(model: torch.nn.Module, path: str, input_shape: tuple) -> onnx.ModelProto:
    """Export `model` in eval mode with a dynamic batch axis, check the file and return it loaded."""
    model.eval()
    example = torch.zeros((1, *input_shape), dtype=torch.float32)
    torch.onnx.export(
        model,
        example,
        path,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: BATCH_AXIS}, OUTPUT_NAME: {0: BATCH_AXIS}},
        opset_version=OPSET,
        do_constant_folding=True,
    )

    exported = onnx.load(path)
    onnx.checker.check_model(exported, full_check=True)
    opset = default_domain_opset(exported)
    if opset != OPSET:
        raise RuntimeError(f"{path}: exported with opset {opset}, expected {OPSET}.")
    return exported


def default_domain_opset(model: onnx.ModelProto) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return entry.version
    raise ValueError("The model imports no opset of the default ONNX domain.")


def sha256_of_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def estimate_footprint(model: onnx.ModelProto, batch: int) -> dict:
    """Estimate device memory as initializer bytes plus every tensor the graph computes at `batch`.

    The batch axis of the graph input and output is fixed to `batch`, ONNX shape inference
    gives every node output a static shape, and each of those tensors, plus the graph input,
    counts at 4 bytes (float32) per element. Returns the parts and their sum in bytes.
    """
    initializer_bytes = sum(numpy_helper.to_array(tensor).nbytes for tensor in model.graph.initializer)

    fixed = copy.deepcopy(model)
    for value in list(fixed.graph.input) + list(fixed.graph.output):
        batch_dim = value.type.tensor_type.shape.dim[0]
        batch_dim.Clear()
        batch_dim.dim_value = batch
    inferred = shape_inference.infer_shapes(fixed, check_type=True, strict_mode=True)
    shapes = {
        value.name: [dim.dim_value if dim.HasField("dim_value") else None for dim in value.type.tensor_type.shape.dim]
        for value in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)
    }

    computed = [INPUT_NAME] + [name for node in inferred.graph.node for name in node.output]
    activation_bytes = 0
    for name in computed:
        shape = shapes.get(name)
        if shape is None or any(dim is None for dim in shape):
            raise RuntimeError(f"Shape inference left tensor {name!r} without a static shape: {shape}.")
        activation_bytes += 4 * int(np.prod(shape, dtype=np.int64))

    return {
        "initializerBytes": int(initializer_bytes),
        "activationBytes": int(activation_bytes),
        "tensorCount": len(computed),
        "bytes": int(initializer_bytes + activation_bytes),
    }


def describe_footprint_method(parts: dict, batch: int) -> str:
    return (
        f"Estimate: {parts['initializerBytes']} bytes of ONNX initializers plus "
        f"{parts['activationBytes']} bytes for the input and every tensor a graph node "
        f"produces ({parts['tensorCount']} tensors, logits included) at batch size {batch} "
        f"in float32, with shapes from ONNX shape inference. It ignores runtime workspace, "
        f"allocator padding and any buffer reuse by onnxruntime-web."
    )
