"""The weather-condition model family: variants and one SneakPeek model.

Hyperparameters were chosen by validation accuracy from a small grid: peak learning rate 3e-3
or 1e-2, weight decay 1e-2 or 0.1, dropout 0 or 0.5. The test split played no part.

Every model takes the shared float32 [N, 28] window features of seattle_weather.py (7 days of
4 readings, the record's own day first) and returns raw logits [N, 5]. A model that looks at
fewer days takes the leading `4 * days` features inside its graph (the input-resolution knob)
and standardises them with the training split's per-feature mean and standard deviation.
"""

import torch
from torch import nn

import seattle_weather
from model_spec import ModelSpec

READING_COUNT = len(seattle_weather.READINGS)
CLASS_COUNT = len(seattle_weather.CLASS_NAMES)


class WindowStandardize(nn.Module):
    """Keep the leading `days` days of the window and standardise each kept feature."""

    def __init__(self, days: int, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        if not 1 <= days <= seattle_weather.WINDOW_DAYS:
            raise ValueError(f"A window of {days} days is outside 1..{seattle_weather.WINDOW_DAYS}.")
        self.width = days * READING_COUNT
        self.register_buffer("mean", mean[: self.width].clone().float())
        self.register_buffer("std", std[: self.width].clone().float())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return (features[:, : self.width] - self.mean) / self.std


def build_mlp(days: int, hidden: tuple, dropout: float = 0.0):
    """Return a builder of a perceptron on `days` days with ReLU hidden layers of the given widths."""

    def build(mean: torch.Tensor, std: torch.Tensor) -> nn.Module:
        layers = [WindowStandardize(days, mean, std)]
        width = days * READING_COUNT
        for units in hidden:
            layers += [nn.Linear(width, units), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = units
        layers.append(nn.Linear(width, CLASS_COUNT))
        return nn.Sequential(*layers)

    return build


SNEAKPEEK = ModelSpec(
    id="weather-sneakpeek",
    build=build_mlp(1, ()),
    description=(
        "SneakPeek model: multinomial logistic regression on the day's own 4 readings; its posterior "
        "is softmax(logits / T) with the fitted temperature T."
    ),
    epochs=40,
    learning_rate=1e-2,
    weight_decay=1e-2,
    batch_size=32,
    is_sneakpeek=True,
)

VARIANTS = [
    ModelSpec(
        id="weather-1d-mlp16",
        build=build_mlp(1, (16,)),
        description="MLP on the day's own readings (window 1 day): 4 -> 16 ReLU -> 5.",
        epochs=40,
        learning_rate=1e-2,
        weight_decay=1e-2,
        batch_size=32,
    ),
    ModelSpec(
        id="weather-1d-mlp64x2",
        build=build_mlp(1, (64, 64)),
        description="Deeper and wider MLP on the day's own readings (depth and width knobs): 4 -> 64 -> 64 ReLU -> 5.",
        epochs=40,
        learning_rate=1e-2,
        weight_decay=1e-2,
        batch_size=32,
    ),
    ModelSpec(
        id="weather-3d-mlp32",
        build=build_mlp(3, (32,), dropout=0.5),
        description="MLP on a 3-day window, the day and the 2 before it (input-resolution knob): 12 -> 32 ReLU "
            "with dropout 0.5 -> 5.",
        epochs=40,
        learning_rate=1e-2,
        weight_decay=1e-2,
        batch_size=32,
    ),
    ModelSpec(
        id="weather-7d-mlp64x2",
        build=build_mlp(7, (64, 64), dropout=0.5),
        description=(
            "MLP on the full 7-day window (input-resolution, width and depth knobs): 28 -> 64 -> 64 ReLU "
            "with dropout 0.5 -> 5."
        ),
        epochs=40,
        learning_rate=3e-3,
        weight_decay=1e-2,
        batch_size=32,
    ),
]
