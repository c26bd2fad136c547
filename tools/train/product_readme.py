"""Render the product-recognition section of models/README.md from one training run."""

import fashion_mnist
import outputs
import readme


def render_section(variants: list, sneakpeek, data, machine: str, wall_seconds: float, max_batch: int, files: dict) -> str:
    everything = [*variants, sneakpeek]
    names = fashion_mnist.CLASS_NAMES
    lines = [
        "## Product recognition (`product`)",
        "",
        "### Files",
        "",
        f"- `product/<id>.onnx`: the {len(variants)} variants and the SneakPeek model (ONNX opset "
        f"{variants[0].opset}, input `input` float32 [N, 1, 28, 28] = pixel / 255, output `logits` [N, 10]).",
        f"- `product/{files['inputs']}`, `product/{files['labels']}`: the "
        f"{len(data.test.labels)} official test images (784 raw bytes each, row-major) and their labels (one byte each).",
        f"- `product/{outputs.PREDICTIONS_FILE}`, `product/{outputs.REFERENCE_FILE}`, "
        f"`product/{outputs.RECORDED_FILE}`: as described above; `recorded.json` has no groups.",
        "",
        "### Data and licence",
        "",
        "Fashion-MNIST, by Zalando Research: 70,000 grayscale 28x28 images of clothing in 10 classes.",
        "The images are copyright 2017 Zalando SE and are published under the MIT licence (called",
        "Expat in Debian); the Debian packaging is copyright 2019-2020 Mo Zhou under the same licence.",
        f"The files come from the Debian package `{fashion_mnist.DEBIAN_PACKAGE}`, installed in",
        f"`{fashion_mnist.DEFAULT_DIR}/` (upstream: github.com/zalandoresearch/fashion-mnist).",
        "",
        "Classes, in output order: " + ", ".join(f"{index} {name}" for index, name in enumerate(names)) + ".",
        "",
        "### Splits",
        "",
        f"- Train: {len(data.train.labels):,} images of the official 60,000-image training set.",
        f"- Validation: the other {len(data.validation.labels):,}, {data.validation_per_class} per class, drawn",
        f"  within each class by `numpy.random.default_rng({data.seed})`. Confusion matrices, per-class",
        "  recall and the SneakPeek temperature come from this split.",
        f"- Test: the official {len(data.test.labels):,}-image test set, untouched during training.",
        "",
        "### Models",
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
        *readme.model_table(everything, names, "MFLOPs per image", lambda flops: f"{flops / 1e6:.3f}"),
        "",
        "MFLOPs count 2 x the multiply-accumulates of the convolution and linear layers; pooling,",
        "activations and normalisation are left out. Class recall is measured on the validation split.",
        "",
        *readme.footprint_paragraph(variants[0], max_batch),
        "",
        "Validation recall per class shows where the variants differ:",
        "",
        *readme.recall_table(everything, names),
        "",
        *readme.calibration_lines(sneakpeek, "### SneakPeek calibration"),
        "",
        *readme.latency_lines(everything, machine, max_batch, "### Measured cost in PyTorch"),
        "",
        f"The last run of `tools/train/train_product.py` took {wall_seconds:.0f} s on {machine}.",
    ]
    return readme.wrap_section("product", lines)
