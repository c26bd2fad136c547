"""The product-recognition model family: three variants and one SneakPeek model.

Every model takes float32 [N, 1, 28, 28] images with pixel values in [0, 1] and returns raw
logits [N, 10]. Standardisation, pooling and any change of resolution happen inside the graph,
so the ONNX files share one input spec.

The PyTorch 1.13 from Debian 12 links a reference BLAS (`BLAS_INFO=generic`), which makes large
`nn.Linear` layers slow to train on the CPU, while convolutions run through oneDNN. The large
CNN therefore writes its fully connected hidden layer as a 7x7 convolution over the 7x7 feature
map, which computes the same function.
"""

import torch
from torch import nn

from model_spec import ModelSpec


class Standardize(nn.Module):
    """Subtract the training-split pixel mean and divide by its standard deviation."""

    def __init__(self, mean: float, std: float):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return (images - self.mean) / self.std


def build_sneakpeek(mean: float, std: float) -> nn.Module:
    """Multinomial logistic regression on 7x7 pixels, each the mean of a 4x4 block."""
    return nn.Sequential(
        Standardize(mean, std),
        nn.AvgPool2d(4),
        nn.Flatten(),
        nn.Linear(49, 10),
    )


def build_mlp(mean: float, std: float) -> nn.Module:
    """One-hidden-layer perceptron on 14x14 pixels, each the mean of a 2x2 block."""
    return nn.Sequential(
        Standardize(mean, std),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(196, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def build_cnn_small(mean: float, std: float) -> nn.Module:
    """Two 3x3 convolutions with 8 and 16 channels, each followed by 2x2 max pooling."""
    return nn.Sequential(
        Standardize(mean, std),
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    )


def build_cnn_large(mean: float, std: float) -> nn.Module:
    """Two 3x3 convolutions with 32 and 64 channels and batch normalisation, then a
    128-unit fully connected layer (as a 7x7 convolution) with dropout."""
    return nn.Sequential(
        Standardize(mean, std),
        nn.Conv2d(1, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Conv2d(64, 128, 7),
        nn.ReLU(),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(128, 10),
    )


SNEAKPEEK = ModelSpec(
    id="product-sneakpeek",
    build=build_sneakpeek,
    description=(
        "SneakPeek model: multinomial logistic regression on the image average-pooled to 7x7 "
        "(4x4 blocks, inside the graph); its posterior is softmax(logits / T) with the fitted temperature T."
    ),
    epochs=8,
    learning_rate=1e-2,
    is_sneakpeek=True,
)

VARIANTS = [
    ModelSpec(
        id="product-mlp",
        build=build_mlp,
        description=(
            "MLP on the image average-pooled to 14x14 inside the graph (input-resolution knob): "
            "196 -> 64 ReLU -> 10."
        ),
        epochs=15,
        learning_rate=3e-3,
    ),
    ModelSpec(
        id="product-cnn-small",
        build=build_cnn_small,
        description=(
            "Small CNN: 3x3 conv 8 ch, max-pool, 3x3 conv 16 ch, max-pool, linear 784 -> 10."
        ),
        epochs=10,
        learning_rate=5e-3,
    ),
    ModelSpec(
        id="product-cnn-large",
        build=build_cnn_large,
        description=(
            "Larger CNN (width knob): 3x3 conv 32 ch + batch norm, max-pool, 3x3 conv 64 ch + "
            "batch norm, max-pool, fully connected 3136 -> 128 (as a 7x7 conv), linear 128 -> 10."
        ),
        epochs=8,
        learning_rate=3e-3,
    ),
]
