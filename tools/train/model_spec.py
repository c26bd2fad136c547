"""The description of one model of an application's family and how to train it."""

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    """One model of the family and how to train it.

    `build` receives the application's normalisation arguments (for example the training
    split's mean and standard deviation) and returns an untrained model. `class_weights`, when
    set, contains one cross-entropy weight per class in output order; None trains unweighted.
    """

    id: str
    build: Callable[..., nn.Module]
    description: str
    epochs: int
    learning_rate: float
    is_sneakpeek: bool = False
    weight_decay: float = 1e-4
    batch_size: int = 128
    class_weights: tuple | None = None


def count_parameters(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)


def count_flops(model: nn.Module, input_shape: tuple) -> int:
    """Count floating-point operations per input as 2 x the multiply-accumulates of every
    convolution and linear layer. Pooling, activations and normalisation are not counted."""
    multiply_accumulates = 0

    def on_conv(module: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        nonlocal multiply_accumulates
        per_output = (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        multiply_accumulates += output[0].numel() * per_output

    def on_linear(module: nn.Linear, _inputs, output: torch.Tensor) -> None:
        nonlocal multiply_accumulates
        multiply_accumulates += output[0].numel() * module.in_features

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(on_conv))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(on_linear))

    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros((1, *input_shape)))
    model.train(was_training)
    for handle in handles:
        handle.remove()
    return 2 * multiply_accumulates
