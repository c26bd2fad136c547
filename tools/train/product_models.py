"""The product-recognition model family: three variants and one SneakPeek model, and the two
specialist variants of the study family in models/study/ (see `SPECIALISTS`).

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


def build_two_conv(mean: float, std: float, first: int, second: int) -> nn.Module:
    """Two 3x3 convolutions with `first` and `second` channels, each followed by 2x2 max
    pooling, then one linear layer on the 7x7 feature map."""
    return nn.Sequential(
        Standardize(mean, std),
        nn.Conv2d(1, first, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(first, second, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(second * 7 * 7, 10),
    )


def build_cnn_small(mean: float, std: float) -> nn.Module:
    """Two 3x3 convolutions with 8 and 16 channels, each followed by 2x2 max pooling."""
    return build_two_conv(mean, std, 8, 16)


def build_cnn_specialist(mean: float, std: float) -> nn.Module:
    """The small CNN at 1.5 times its width: 12 and 24 channels."""
    return build_two_conv(mean, std, 12, 24)


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

# The specialist study family (models/study/): two variants of one architecture that differ only
# in their class-weighted cross-entropy. Each weighs the classes of its group at 1 and every other
# class at SPECIALIST_OTHER_WEIGHT, so the other classes still train but hardly move the weights.
# Both still output all 10 classes.
UPPER_BODY_CLASSES = (0, 2, 3, 4, 6)  # T-shirt/top, Pullover, Dress, Coat, Shirt
SHOES_BAGS_CLASSES = (1, 5, 7, 8, 9)  # Trouser, Sandal, Sneaker, Bag, Ankle boot
SPECIALIST_OTHER_WEIGHT = 0.003


def group_weights(favoured: tuple) -> tuple:
    """Return one cross-entropy weight per class: 1 for the favoured classes, a small one for the rest."""
    return tuple(1.0 if index in favoured else SPECIALIST_OTHER_WEIGHT for index in range(10))


SPECIALISTS = [
    ModelSpec(
        id="product-cnn-upper",
        build=build_cnn_specialist,
        description=(
            "Upper-body specialist: 3x3 conv 12 ch, max-pool, 3x3 conv 24 ch, max-pool, linear 1176 -> 10, "
            "trained with class weight 1 on T-shirt/top, Pullover, Dress, Coat and Shirt and "
            f"{SPECIALIST_OTHER_WEIGHT:g} on the other classes."
        ),
        epochs=10,
        learning_rate=5e-3,
        class_weights=group_weights(UPPER_BODY_CLASSES),
    ),
    ModelSpec(
        id="product-cnn-shoes-bags",
        build=build_cnn_specialist,
        description=(
            "Footwear, bag and trouser specialist: the architecture of product-cnn-upper, trained with "
            "class weight 1 on Trouser, Sandal, Sneaker, Bag and Ankle boot and "
            f"{SPECIALIST_OTHER_WEIGHT:g} on the other classes."
        ),
        epochs=10,
        learning_rate=5e-3,
        class_weights=group_weights(SHOES_BAGS_CLASSES),
    ),
]
