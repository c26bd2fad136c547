"""The spam-filtering model family: variants and one SneakPeek model.

Every model takes the shared float32 [N, 4096] saturated token counts of spam_corpus.py and
returns raw logits [N, 2] (ham, spam). A model with M < 4096 buckets (the input-resolution
knob) first folds the counts inside its graph: it reshapes them to [N, 4096 / M, M] and sums
over the middle axis, which adds up the buckets that agree modulo M. Then it takes log1p of
the counts and standardises each bucket with the training split's mean and standard deviation.

The PyTorch 1.13 from Debian 12 links a reference BLAS (`BLAS_INFO=generic`), so `nn.Linear`
on 4096 inputs trains about 10 times slower than a 1x1 convolution, which runs through oneDNN.
`FastLinear` therefore computes the same product as a 1x1 convolution in PyTorch (training,
evaluation and the latency figures) and as an ordinary linear layer during ONNX export, so the
ONNX graph has a plain Gemm.
"""

import torch
import torch.nn.functional as F
from torch import nn

import spam_corpus
from model_spec import ModelSpec

CLASS_COUNT = len(spam_corpus.CLASS_NAMES)
# Lower bound on the per-bucket standard deviation, so that buckets that are (almost) always
# empty in the training split are not scaled up without limit. Chosen on validation accuracy
# among 0.05, 0.3 and 1.
MIN_STD = 0.3


class FastLinear(nn.Linear):
    """A linear layer that runs as a 1x1 convolution except during ONNX export (see the module doc)."""

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if torch.onnx.is_in_onnx_export():
            return super().forward(inputs)
        kernel = self.weight.view(self.out_features, self.in_features, 1, 1)
        return F.conv2d(inputs[:, :, None, None], kernel, self.bias).flatten(1)


class FoldLogStandardize(nn.Module):
    """Fold 4096 count buckets to `buckets`, take log1p and standardise per bucket."""

    def __init__(self, buckets: int, train_counts: torch.Tensor):
        super().__init__()
        if buckets <= 0 or spam_corpus.BUCKETS % buckets != 0:
            raise ValueError(f"{buckets} buckets do not divide {spam_corpus.BUCKETS}; choose a power of two up to 4096.")
        self.buckets = buckets
        self.groups = spam_corpus.BUCKETS // buckets
        features = self.transform(train_counts)
        self.register_buffer("mean", features.mean(dim=0))
        self.register_buffer("std", features.std(dim=0).clamp(min=MIN_STD))

    def transform(self, counts: torch.Tensor) -> torch.Tensor:
        if self.groups > 1:
            counts = counts.reshape(-1, self.groups, self.buckets).sum(dim=1)
        return torch.log1p(counts)

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        return (self.transform(counts) - self.mean) / self.std


def build_mlp(buckets: int, hidden: tuple, dropout: float = 0.0):
    """Return a builder of a perceptron on `buckets` folded buckets with ReLU hidden layers."""

    def build(train_counts: torch.Tensor) -> nn.Module:
        layers = [FoldLogStandardize(buckets, train_counts)]
        width = buckets
        for units in hidden:
            layers += [FastLinear(width, units), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = units
        layers.append(FastLinear(width, CLASS_COUNT))
        return nn.Sequential(*layers)

    return build


SNEAKPEEK = ModelSpec(
    id="spam-sneakpeek",
    build=build_mlp(256, ()),
    description=(
        "SneakPeek model: logistic regression on the counts folded to 256 buckets, log1p and "
        "standardised inside the graph; its posterior is softmax(logits / T) with the fitted temperature T."
    ),
    epochs=10,
    learning_rate=1e-2,
    weight_decay=1e-2,
    batch_size=64,
    is_sneakpeek=True,
)

VARIANTS = [
    ModelSpec(
        id="spam-1024-mlp32",
        build=build_mlp(1024, (32,), dropout=0.5),
        description="MLP on the counts folded to 1024 buckets (input-resolution knob): 1024 -> 32 ReLU with dropout 0.5 -> 2.",
        epochs=10,
        learning_rate=3e-3,
        weight_decay=1e-2,
        batch_size=64,
    ),
    ModelSpec(
        id="spam-4096-mlp64",
        build=build_mlp(4096, (64,), dropout=0.5),
        description="MLP on all 4096 buckets: 4096 -> 64 ReLU with dropout 0.5 -> 2.",
        epochs=10,
        learning_rate=3e-3,
        weight_decay=1e-2,
        batch_size=64,
    ),
    ModelSpec(
        id="spam-4096-mlp256x2",
        build=build_mlp(4096, (256, 64), dropout=0.5),
        description="Wider and deeper MLP on all 4096 buckets (width and depth knobs): 4096 -> 256 -> 64 ReLU with dropout 0.5 -> 2.",
        epochs=10,
        learning_rate=3e-3,
        weight_decay=1e-2,
        batch_size=64,
    ),
]
