"""Render models/README.md from the measured results of one training run."""

import numpy as np

import fashion_mnist
import manifest_entry


def _kib(count: int) -> str:
    return f"{count / 1024:,.1f} KiB"


def _recall_extremes(recall: np.ndarray) -> tuple:
    names = fashion_mnist.CLASS_NAMES
    low, high = int(np.argmin(recall)), int(np.argmax(recall))
    return f"{recall[low]:.3f} ({names[low]})", f"{recall[high]:.3f} ({names[high]})"


def _model_table(models: list) -> list:
    lines = [
        "| id | parameters | MFLOPs per image | ONNX file | footprint estimate | validation accuracy | test accuracy | lowest class recall | highest class recall |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for trained in models:
        low, high = _recall_extremes(trained.validation_recall)
        lines.append(
            f"| `{trained.spec.id}` | {trained.parameters:,} | {trained.flops / 1e6:.3f} | {_kib(trained.file_bytes)} "
            f"| {_kib(trained.footprint['bytes'])} | {trained.validation_accuracy:.4f} | {trained.test_accuracy:.4f} "
            f"| {low} | {high} |"
        )
    return lines


def _recall_table(models: list) -> list:
    lines = [
        "| class | " + " | ".join(f"`{trained.spec.id}`" for trained in models) + " |",
        "|---|" + "---:|" * len(models),
    ]
    for index, name in enumerate(fashion_mnist.CLASS_NAMES):
        lines.append(f"| {name} | " + " | ".join(f"{trained.validation_recall[index]:.3f}" for trained in models) + " |")
    return lines


def _latency_table(models: list, max_batch: int) -> list:
    lines = ["| id | batch 1 (ms) | batch 32 (ms) | training time (s) |", "|---|---:|---:|---:|"]
    for trained in models:
        lines.append(
            f"| `{trained.spec.id}` | {trained.latency_ms[1]:.3f} | {trained.latency_ms[max_batch]:.3f} "
            f"| {trained.train_seconds:.0f} |"
        )
    return lines


def render(variants: list, sneakpeek, data, machine: str, wall_seconds: float, max_batch: int, bins: int) -> str:
    everything = [*variants, sneakpeek]
    calibration = sneakpeek.calibration
    first_footprint = variants[0].footprint
    lines = [
        "# Models",
        "",
        "This folder holds the trained models that the runtime serves, the manifest that describes",
        "them, and a copy of the test data for replay and for checking onnxruntime-web against",
        "PyTorch. `tools/train/train_product.py` writes every file here for the product-recognition",
        "application; do not edit them by hand.",
        "",
        "- `manifest.json`: applications, models, sizes, SHA-256 hashes, validation confusion",
        "  matrices, accuracies, footprint estimates and dataset provenance, in the format of",
        "  `src/core/manifest.ts`.",
        f"- `product/<id>.onnx`: the {len(variants)} variants and the SneakPeek model (ONNX opset "
        f"{variants[0].opset}, input `input` float32 [N, 1, 28, 28] = pixel / 255, output `logits` [N, 10]).",
        f"- `product/{manifest_entry.TEST_IMAGES_FILE}`, `product/{manifest_entry.TEST_LABELS_FILE}`: the "
        f"{len(data.test.labels)} official test images (784 raw bytes each, row-major) and their labels (one byte each).",
        f"- `product/{manifest_entry.PREDICTIONS_FILE}`: each model's predicted class for every test image, computed in PyTorch.",
        f"- `product/{manifest_entry.REFERENCE_FILE}`: each model's PyTorch logits for the first 64 test images, in float32 precision.",
        "",
        "## Data and licence",
        "",
        "Fashion-MNIST, by Zalando Research: 70,000 grayscale 28x28 images of clothing in 10 classes.",
        "The images are copyright 2017 Zalando SE and are published under the MIT licence (called",
        "Expat in Debian); the Debian packaging is copyright 2019-2020 Mo Zhou under the same licence.",
        f"The files come from the Debian package `{fashion_mnist.DEBIAN_PACKAGE}`, installed in",
        f"`{fashion_mnist.DEFAULT_DIR}/` (upstream: github.com/zalandoresearch/fashion-mnist).",
        "",
        "Classes, in output order: " + ", ".join(f"{index} {name}" for index, name in enumerate(fashion_mnist.CLASS_NAMES)) + ".",
        "",
        "## Splits",
        "",
        f"- Train: {len(data.train.labels):,} images of the official 60,000-image training set.",
        f"- Validation: the other {len(data.validation.labels):,}, {data.validation_per_class} per class, drawn",
        f"  within each class by `numpy.random.default_rng({data.seed})`. Confusion matrices, per-class",
        "  recall and the SneakPeek temperature come from this split.",
        f"- Test: the official {len(data.test.labels):,}-image test set, untouched during training.",
        "",
        "## Models",
        "",
        "Every model standardises the pixels with the training split's mean and standard deviation",
        "inside the graph. Trained with AdamW (weight decay 1e-4), a one-cycle learning-rate schedule and",
        "batches of 128, with fixed seeds.",
        "",
    ]
    for trained in everything:
        lines.append(
            f"- `{trained.spec.id}`: {trained.spec.description} {trained.spec.epochs} epochs, "
            f"peak learning rate {trained.spec.learning_rate:g}."
        )
    lines += [
        "",
        *_model_table(everything),
        "",
        "MFLOPs count 2 x the multiply-accumulates of the convolution and linear layers; pooling,",
        "activations and normalisation are left out. Class recall is measured on the validation split.",
        "",
        f"Footprint estimates (`maxBatch` {max_batch}) are the ONNX initializer bytes plus the input and every",
        f"tensor a graph node produces at batch size {max_batch} in float32, with shapes from ONNX shape",
        "inference. They ignore runtime workspace, allocator padding and buffer reuse, so they are",
        f"estimates, not measurements. For `{variants[0].spec.id}`: {first_footprint['initializerBytes']:,} bytes of",
        f"initializers plus {first_footprint['activationBytes']:,} bytes of activations.",
        "",
        "Validation recall per class shows where the variants differ:",
        "",
        *_recall_table(everything),
        "",
        "## SneakPeek calibration",
        "",
        f"The SneakPeek posterior is `softmax(logits / T)` with T = {calibration['temperature']:.4f}, fitted on the",
        "validation split by minimising the negative log-likelihood over log T with L-BFGS. Expected",
        f"calibration error uses {bins} equal-width confidence bins:",
        "",
        "| split | NLL before | NLL after | ECE before | ECE after |",
        "|---|---:|---:|---:|---:|",
    ]
    for split in ("validation", "test"):
        before, after = calibration[f"{split}Before"], calibration[f"{split}After"]
        lines.append(
            f"| {split} | {before['nll']:.4f} | {after['nll']:.4f} | {before['ece']:.4f} | {after['ece']:.4f} |"
        )
    lines += [
        "",
        "## Measured cost in PyTorch",
        "",
        f"Median wall time of one forward pass on {machine}, from one run of the training",
        "script, so the figures vary with other load on the machine. Training time is per model.",
        "The Debian build of PyTorch links a reference BLAS, so layers that PyTorch runs as matrix",
        "products (`nn.Linear`) are slower here than in an optimised build; onnxruntime-web's",
        "latency has to be profiled separately.",
        "",
        *_latency_table(everything, max_batch),
        "",
        "## Retraining",
        "",
        "```",
        "npm run train",
        "```",
        "",
        "installs `dataset-fashion-mnist`, `python3-torch` and `python3-onnx` through apt-get when they",
        "are missing, then runs `/usr/bin/python3 tools/train/train_product.py`; `npm run train -- --help`",
        f"lists its options. The last run took {wall_seconds:.0f} s on {machine}.",
        "Reruns on the same machine reproduce the same weights, files and accuracies; only the",
        "timings and `generatedAt` change.",
        "`npx vitest run test/models` then checks every file's size and hash against the manifest",
        "and onnxruntime-web's outputs against the PyTorch reference logits.",
        "",
    ]
    return "\n".join(lines)
