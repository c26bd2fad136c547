"""Read Fashion-MNIST from its IDX files and split it into train, validation and test.

The IDX format (used by MNIST and Fashion-MNIST) is a big-endian header followed by raw bytes:
a 4-byte magic number whose third byte is the element type (0x08 = unsigned byte) and whose
fourth byte is the number of dimensions, then one 4-byte size per dimension.
"""

import gzip
import os
import struct
from dataclasses import dataclass

import numpy as np

DEBIAN_PACKAGE = "dataset-fashion-mnist"
DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

CLASS_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
IMAGE_SIDE = 28
UNSIGNED_BYTE = 0x08


@dataclass
class Split:
    """Images as uint8 [N, 28, 28] and labels as uint8 [N]."""

    images: np.ndarray
    labels: np.ndarray


@dataclass
class FashionMnist:
    train: Split
    validation: Split
    test: Split
    validation_per_class: int
    seed: int


def read_idx(path: str, expected_dims: int) -> np.ndarray:
    """Read one gzip-compressed IDX file of unsigned bytes into an array of its declared shape."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Fashion-MNIST file not found: {path}. "
            f"Install it with `apt-get install -y {DEBIAN_PACKAGE}` "
            f"or pass --data-dir with the folder that contains {os.path.basename(path)}."
        )
    with gzip.open(path, "rb") as stream:
        data = stream.read()

    if len(data) < 4:
        raise ValueError(f"Invalid IDX file {path}: {len(data)} bytes is shorter than the header.")
    zero0, zero1, element_type, dims = struct.unpack(">BBBB", data[:4])
    if zero0 != 0 or zero1 != 0 or element_type != UNSIGNED_BYTE or dims != expected_dims:
        raise ValueError(
            f"Invalid IDX file {path}: magic bytes {data[:4].hex()} do not declare "
            f"{expected_dims}-dimensional unsigned bytes (expected 0000080{expected_dims}). "
            f"Reinstall the package {DEBIAN_PACKAGE}."
        )

    header_end = 4 + 4 * dims
    shape = struct.unpack(f">{dims}I", data[4:header_end])
    body = np.frombuffer(data, dtype=np.uint8, offset=header_end)
    if body.size != int(np.prod(shape)):
        raise ValueError(
            f"Invalid IDX file {path}: the header declares shape {shape} "
            f"({int(np.prod(shape))} bytes) but {body.size} bytes follow it. "
            f"The file is truncated or corrupt; reinstall the package {DEBIAN_PACKAGE}."
        )
    return body.reshape(shape).copy()


def read_pair(data_dir: str, images_name: str, labels_name: str) -> Split:
    images = read_idx(os.path.join(data_dir, images_name), 3)
    labels = read_idx(os.path.join(data_dir, labels_name), 1)
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"{images_name}: images are {images.shape[1:]}, expected 28x28.")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_name} has {images.shape[0]} images but {labels_name} has "
            f"{labels.shape[0]} labels; the files do not belong together."
        )
    if labels.max() >= len(CLASS_NAMES):
        raise ValueError(f"{labels_name}: label {labels.max()} is out of range 0..9.")
    return Split(images, labels)


def load(data_dir: str, validation_per_class: int, seed: int) -> FashionMnist:
    """Load the official splits and hold out `validation_per_class` training images per class.

    The hold-out is stratified. Within each class, the training indices are shuffled by a
    NumPy generator seeded with `seed`, and the first `validation_per_class` go to validation.
    Both resulting splits keep the original record order.
    """
    official_train = read_pair(data_dir, TRAIN_IMAGES, TRAIN_LABELS)
    test = read_pair(data_dir, TEST_IMAGES, TEST_LABELS)

    rng = np.random.default_rng(seed)
    validation_mask = np.zeros(official_train.labels.shape[0], dtype=bool)
    for class_index in range(len(CLASS_NAMES)):
        members = np.flatnonzero(official_train.labels == class_index)
        if members.size <= validation_per_class:
            raise ValueError(
                f"Class {class_index} ({CLASS_NAMES[class_index]}) has {members.size} training "
                f"images, too few to hold out {validation_per_class} for validation."
            )
        validation_mask[rng.permutation(members)[:validation_per_class]] = True

    train = Split(official_train.images[~validation_mask], official_train.labels[~validation_mask])
    validation = Split(official_train.images[validation_mask], official_train.labels[validation_mask])
    return FashionMnist(train, validation, test, validation_per_class, seed)
