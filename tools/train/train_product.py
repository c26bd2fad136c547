"""Train the product-recognition models on Fashion-MNIST and write them to models/.

Stages:
1. Read the IDX files and hold out a stratified validation split from the official training set.
2. Train the SneakPeek model and the three variants, each from its own fixed seed.
3. Fit the SneakPeek temperature on the validation split and measure calibration.
4. Export every model to ONNX (opset 13, dynamic batch) and estimate its footprint.
5. Measure PyTorch CPU latency and FLOPs per input.
6. Write the test set, predictions, reference logits, recorded outputs, manifest entry and
   the product section of models/README.md.

Run with Debian's interpreter, `/usr/bin/python3`, which has python3-torch and python3-onnx;
`npm run train` installs what is missing and runs this script.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch

import fashion_mnist
import manifest_entry
import onnx_export
import outputs
import product_models
import product_readme
import readme
import training

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APPLICATION_ID = "product"
APPLICATION_DIR = "product"
INPUT_SHAPE = (1, fashion_mnist.IMAGE_SIDE, fashion_mnist.IMAGE_SIDE)
MAX_BATCH = 32
REFERENCE_COUNT = 64
TEST_IMAGES_FILE = "test-images.u8"
TEST_LABELS_FILE = "test-labels.u8"

def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data-dir",
        default=fashion_mnist.DEFAULT_DIR,
        help="folder with the four gzip-compressed Fashion-MNIST IDX files (default: %(default)s)",
    )
    parser.add_argument(
        "--out-dir",
        default=os.path.join(REPO_ROOT, "models"),
        help="folder that receives manifest.json, README.md and product/ (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=2025, help="base seed of every random choice (default: %(default)s)")
    parser.add_argument(
        "--validation-per-class",
        type=int,
        default=600,
        help="training images per class held out for validation (default: %(default)s, 6,000 in all)",
    )
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (default: %(default)s)")
    return parser.parse_args()


def to_tensors(split: fashion_mnist.Split) -> tuple:
    """Return images as float32 [N, 1, 28, 28] in [0, 1] (raw byte / 255) and labels as int64."""
    images = torch.from_numpy(split.images).float().div_(255.0).unsqueeze(1)
    return images, torch.from_numpy(split.labels).long()


def write_test_files(models: list, test_split: fashion_mnist.Split, test_images: torch.Tensor, out_dir: str) -> None:
    application_dir = os.path.join(out_dir, APPLICATION_DIR)
    outputs.write_bytes(os.path.join(application_dir, TEST_IMAGES_FILE), test_split.images.astype(np.uint8).tobytes(order="C"))
    outputs.write_bytes(os.path.join(application_dir, TEST_LABELS_FILE), test_split.labels.astype(np.uint8).tobytes())
    outputs.write_predictions(models, application_dir)
    outputs.write_reference(models, test_images, application_dir, REFERENCE_COUNT)


def build_application(
    variants: list, sneakpeek, data: fashion_mnist.FashionMnist, data_dir: str, max_batch: int, reference_count: int
) -> dict:
    """Return the `ApplicationManifest` of the product-recognition application."""
    train_count = len(data.train.labels)
    validation_count = len(data.validation.labels)
    test_count = len(data.test.labels)
    directory = "product"
    return {
        "id": APPLICATION_ID,
        "name": "Product recognition",
        "classes": list(fashion_mnist.CLASS_NAMES),
        "input": {
            "name": onnx_export.INPUT_NAME,
            "shape": [-1, 1, fashion_mnist.IMAGE_SIDE, fashion_mnist.IMAGE_SIDE],
            "elementType": "float32",
            "preprocessing": {
                "description": (
                    "28x28 8-bit grayscale pixels, row-major, each divided by 255; every model "
                    "standardises and pools inside its graph"
                ),
                "scale": 1 / 255,
            },
        },
        "weight": 1,
        "defaultDeadlineMs": 500,
        "variants": [manifest_entry.variant_entry(trained, max_batch) for trained in variants],
        "sneakpeek": manifest_entry.sneakpeek_entry(sneakpeek),
        "testSet": manifest_entry.test_set_entry(
            directory,
            TEST_IMAGES_FILE,
            TEST_LABELS_FILE,
            test_count,
            fashion_mnist.IMAGE_SIDE * fashion_mnist.IMAGE_SIDE,
            reference_count,
            (
                f"The official Fashion-MNIST test split ({test_count} images, 28x28 pixels, "
                "in the original order), Copyright 2017 Zalando SE, MIT licence."
            ),
        ),
        "recordedFile": f"{directory}/{outputs.RECORDED_FILE}",
        "dataset": {
            "name": "Fashion-MNIST",
            "licence": "MIT",
            "source": (
                f"Debian package {fashion_mnist.DEBIAN_PACKAGE}, read from "
                f"{data_dir.rstrip('/')}/{{train,t10k}}-{{images-idx3,labels-idx1}}-ubyte.gz"
            ),
            "split": (
                f"train {train_count} and validation {validation_count} from the official 60000 "
                f"training images, stratified ({data.validation_per_class} validation images per "
                f"class, chosen by numpy.random.default_rng({data.seed})); test: the official "
                f"{test_count} test images"
            ),
            "trainingCommand": manifest_entry.TRAINING_COMMAND,
        },
    }


def main() -> int:
    arguments = parse_arguments()
    started = time.perf_counter()
    torch.set_num_threads(arguments.threads)
    torch.use_deterministic_algorithms(True)
    training.seed_everything(arguments.seed)
    machine = training.describe_machine(arguments.threads)
    print(f"Training product-recognition models on {machine}.", flush=True)

    data = fashion_mnist.load(arguments.data_dir, arguments.validation_per_class, arguments.seed)
    train_set, validation_set, test_set = to_tensors(data.train), to_tensors(data.validation), to_tensors(data.test)
    # Standardisation constants come from the training split only and are baked into each graph.
    mean = float(train_set[0].mean())
    std = float(train_set[0].std())
    print(
        f"Read {len(data.train.labels)} training, {len(data.validation.labels)} validation and "
        f"{len(data.test.labels)} test images from {arguments.data_dir}; pixel mean {mean:.4f}, std {std:.4f}.",
        flush=True,
    )

    family = training.Family(APPLICATION_DIR, len(fashion_mnist.CLASS_NAMES), INPUT_SHAPE, MAX_BATCH)
    specs = [product_models.SNEAKPEEK, *product_models.VARIANTS]
    trained_models = training.train_family(
        specs, (mean, std), arguments.seed, (train_set, validation_set, test_set), family, arguments.out_dir
    )

    sneakpeek, variants = trained_models[0], trained_models[1:]
    write_test_files(trained_models, data.test, test_set[0], arguments.out_dir)
    application_dir = os.path.join(arguments.out_dir, APPLICATION_DIR)
    flips = outputs.write_recorded(
        APPLICATION_ID, [*variants, sneakpeek], sneakpeek, (validation_set[1], test_set[1]), application_dir
    )
    manifest_path = os.path.join(arguments.out_dir, "manifest.json")
    application = build_application(variants, sneakpeek, data, arguments.data_dir, MAX_BATCH, REFERENCE_COUNT)
    outputs.write_text(manifest_path, manifest_entry.merge_into_manifest(manifest_path, application))
    wall_seconds = time.perf_counter() - started
    readme_path = os.path.join(arguments.out_dir, "README.md")
    section = product_readme.render_section(
        variants,
        sneakpeek,
        data,
        machine,
        wall_seconds,
        MAX_BATCH,
        {"inputs": TEST_IMAGES_FILE, "labels": TEST_LABELS_FILE},
    )
    outputs.write_text(readme_path, readme.merge_section(readme_path, APPLICATION_ID, section))

    print()
    print(training.format_summary(trained_models, machine, fashion_mnist.CLASS_NAMES, MAX_BATCH))
    print(training.format_calibration_summary(sneakpeek))
    print(f"Rounding the recorded SneakPeek logits changed the argmax of {flips['validation']} validation and {flips['test']} test records.")
    print(f"Wrote {arguments.out_dir}/manifest.json, README.md and {APPLICATION_DIR}/ in {wall_seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (FileNotFoundError, ValueError) as error:
        # The error of a missing or invalid input file names the path and the fix.
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
