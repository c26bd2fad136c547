"""Train the product-recognition models on Fashion-MNIST and write them to models/.

Stages:
1. Read the IDX files and hold out a stratified validation split from the official training set.
2. Train the SneakPeek model and the three variants, each from its own fixed seed.
3. Fit the SneakPeek temperature on the validation split and measure calibration.
4. Export every model to ONNX (opset 13, dynamic batch) and estimate its footprint.
5. Measure PyTorch CPU latency and FLOPs per input.
6. Write the test set, predictions, reference logits, manifest entry and models/README.md.

Run with Debian's interpreter, `/usr/bin/python3`, which has python3-torch and python3-onnx;
`npm run train` installs what is missing and runs this script.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import calibration
import fashion_mnist
import json_output
import manifest_entry
import onnx_export
import product_models
import readme

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APPLICATION_DIR = "product"
INPUT_SHAPE = (1, fashion_mnist.IMAGE_SIDE, fashion_mnist.IMAGE_SIDE)
MAX_BATCH = 32
REFERENCE_COUNT = 64
TRAIN_BATCH = 128
EVAL_BATCH = 1000
CALIBRATION_BINS = 15


@dataclass
class TrainedModel:
    """A trained model with everything the manifest, README and summary report about it."""

    spec: product_models.ModelSpec
    model: nn.Module
    seed: int
    train_seconds: float
    validation_logits: torch.Tensor
    test_logits: torch.Tensor
    confusion: np.ndarray
    validation_accuracy: float
    test_accuracy: float
    validation_recall: np.ndarray
    test_recall: np.ndarray
    parameters: int
    flops: int
    latency_ms: dict = field(default_factory=dict)
    file: str = ""
    file_bytes: int = 0
    sha256: str = ""
    opset: int = 0
    footprint: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)


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


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def to_tensors(split: fashion_mnist.Split) -> tuple:
    """Return images as float32 [N, 1, 28, 28] in [0, 1] (raw byte / 255) and labels as int64."""
    images = torch.from_numpy(split.images).float().div_(255.0).unsqueeze(1)
    return images, torch.from_numpy(split.labels).long()


def predict_logits(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.inference_mode():
        return torch.cat([model(images[start : start + EVAL_BATCH]) for start in range(0, len(images), EVAL_BATCH)])


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, classes: int) -> np.ndarray:
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels.numpy(), predicted.numpy()), 1)
    return matrix


def recall_per_class(matrix: np.ndarray) -> np.ndarray:
    return matrix.diagonal() / matrix.sum(axis=1)


def train_model(spec, mean, std, seed, train_set, validation_set) -> tuple:
    """Train one model with AdamW and a one-cycle learning-rate schedule.

    Returns the model in eval mode and the training wall time in seconds.
    """
    seed_everything(seed)
    model = spec.build(mean, std)
    images, labels = train_set
    steps_per_epoch = (len(images) + TRAIN_BATCH - 1) // TRAIN_BATCH
    optimiser = torch.optim.AdamW(model.parameters(), lr=spec.learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=spec.learning_rate, total_steps=spec.epochs * steps_per_epoch
    )
    shuffler = torch.Generator().manual_seed(seed)

    started = time.perf_counter()
    for epoch in range(spec.epochs):
        model.train()
        order = torch.randperm(len(images), generator=shuffler)
        loss_sum = 0.0
        for step in range(steps_per_epoch):
            batch = order[step * TRAIN_BATCH : (step + 1) * TRAIN_BATCH]
            optimiser.zero_grad()
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += float(loss) * len(batch)

        validation_predicted = predict_logits(model, validation_set[0]).argmax(dim=1)
        validation_accuracy = float((validation_predicted == validation_set[1]).float().mean())
        print(
            f"  {spec.id} epoch {epoch + 1}/{spec.epochs}: training loss {loss_sum / len(images):.4f}, "
            f"validation accuracy {validation_accuracy:.4f}, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return model.eval(), time.perf_counter() - started


def evaluate(spec, model, seed, seconds, validation_set, test_set) -> TrainedModel:
    classes = len(fashion_mnist.CLASS_NAMES)
    validation_logits = predict_logits(model, validation_set[0])
    test_logits = predict_logits(model, test_set[0])
    confusion = confusion_matrix(validation_set[1], validation_logits.argmax(dim=1), classes)
    test_confusion = confusion_matrix(test_set[1], test_logits.argmax(dim=1), classes)
    return TrainedModel(
        spec=spec,
        model=model,
        seed=seed,
        train_seconds=seconds,
        validation_logits=validation_logits,
        test_logits=test_logits,
        confusion=confusion,
        validation_accuracy=float(confusion.trace() / confusion.sum()),
        test_accuracy=float(test_confusion.trace() / test_confusion.sum()),
        validation_recall=recall_per_class(confusion),
        test_recall=recall_per_class(test_confusion),
        parameters=product_models.count_parameters(model),
        flops=product_models.count_flops(model, INPUT_SHAPE),
    )


def calibrate(trained: TrainedModel, validation_labels, test_labels) -> None:
    """Fit the temperature on validation logits and record NLL and ECE before and after."""
    temperature = calibration.fit_temperature(trained.validation_logits, validation_labels)

    def measure(logits, labels, scale):
        return {
            "nll": calibration.negative_log_likelihood(logits, labels, scale),
            "ece": calibration.expected_calibration_error(
                torch.softmax(logits.double() / scale, dim=1), labels, CALIBRATION_BINS
            ),
        }

    trained.calibration = {
        "temperature": temperature,
        "validationBefore": measure(trained.validation_logits, validation_labels, 1.0),
        "validationAfter": measure(trained.validation_logits, validation_labels, temperature),
        "testBefore": measure(trained.test_logits, test_labels, 1.0),
        "testAfter": measure(trained.test_logits, test_labels, temperature),
    }


def measure_latency(model: nn.Module, images: torch.Tensor) -> dict:
    """Return the median wall time in ms of one forward pass at batch sizes 1 and 32."""
    repeats = {1: 300, MAX_BATCH: 60}
    latency = {}
    model.eval()
    with torch.inference_mode():
        for batch_size, count in repeats.items():
            batch = images[:batch_size].contiguous()
            for _ in range(20):
                model(batch)
            samples = []
            for _ in range(count):
                started = time.perf_counter()
                model(batch)
                samples.append((time.perf_counter() - started) * 1000.0)
            latency[batch_size] = statistics.median(samples)
    return latency


def export_model(trained: TrainedModel, out_dir: str) -> None:
    relative = f"{APPLICATION_DIR}/{trained.spec.id}.onnx"
    path = os.path.join(out_dir, relative)
    exported = onnx_export.export_classifier(trained.model, path, INPUT_SHAPE)
    trained.file = relative
    trained.file_bytes = os.path.getsize(path)
    trained.sha256 = onnx_export.sha256_of_file(path)
    trained.opset = onnx_export.default_domain_opset(exported)
    trained.footprint = onnx_export.estimate_footprint(exported, MAX_BATCH)
    trained.footprint["method"] = onnx_export.describe_footprint_method(trained.footprint, MAX_BATCH)
    trained.footprint["operators"] = sorted({node.op_type for node in exported.graph.node})


def describe_machine(threads: int) -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores available, no GPU used, PyTorch {torch.__version__} with {threads} threads"


def write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)


def write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def write_test_files(models: list, test_split: fashion_mnist.Split, test_images: torch.Tensor, out_dir: str) -> None:
    application_dir = os.path.join(out_dir, APPLICATION_DIR)
    write_bytes(os.path.join(application_dir, manifest_entry.TEST_IMAGES_FILE), test_split.images.astype(np.uint8).tobytes(order="C"))
    write_bytes(os.path.join(application_dir, manifest_entry.TEST_LABELS_FILE), test_split.labels.astype(np.uint8).tobytes())

    predictions = {trained.spec.id: trained.test_logits.argmax(dim=1).tolist() for trained in models}
    write_text(os.path.join(application_dir, manifest_entry.PREDICTIONS_FILE), json_output.format_predictions(predictions))

    reference = {}
    for trained in models:
        with torch.inference_mode():
            reference[trained.spec.id] = trained.model(test_images[:REFERENCE_COUNT]).numpy()
    write_text(os.path.join(application_dir, manifest_entry.REFERENCE_FILE), json_output.format_reference(reference))


def format_summary(models: list, machine: str) -> str:
    names = fashion_mnist.CLASS_NAMES
    header = (
        f"{'model':<20} {'params':>8} {'MFLOPs':>7} {'ms@1':>7} {'ms@32':>7} {'val acc':>8} {'test acc':>8}"
        f"  {'min val recall':<22} {'max val recall':<22}"
    )
    lines = [f"Summary (PyTorch CPU latency is the median forward pass on {machine}):", header, "-" * len(header)]
    for trained in models:
        recall = trained.validation_recall
        low, high = int(np.argmin(recall)), int(np.argmax(recall))
        lines.append(
            f"{trained.spec.id:<20} {trained.parameters:>8} {trained.flops / 1e6:>7.3f} "
            f"{trained.latency_ms[1]:>7.3f} {trained.latency_ms[MAX_BATCH]:>7.3f} "
            f"{trained.validation_accuracy:>8.4f} {trained.test_accuracy:>8.4f}  "
            f"{f'{recall[low]:.3f} {names[low]}':<22} {f'{recall[high]:.3f} {names[high]}':<22}"
        )
    return "\n".join(lines)


def main() -> int:
    arguments = parse_arguments()
    started = time.perf_counter()
    torch.set_num_threads(arguments.threads)
    torch.use_deterministic_algorithms(True)
    seed_everything(arguments.seed)
    machine = describe_machine(arguments.threads)
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

    os.makedirs(os.path.join(arguments.out_dir, APPLICATION_DIR), exist_ok=True)
    specs = [product_models.SNEAKPEEK, *product_models.VARIANTS]
    trained_models = []
    for index, spec in enumerate(specs):
        seed = arguments.seed + index
        print(f"Training {spec.id} ({spec.epochs} epochs, seed {seed}).", flush=True)
        model, seconds = train_model(spec, mean, std, seed, train_set, validation_set)
        trained = evaluate(spec, model, seed, seconds, validation_set, test_set)
        if spec.is_sneakpeek:
            calibrate(trained, validation_set[1], test_set[1])
            before = trained.calibration["validationBefore"]["ece"]
            after = trained.calibration["validationAfter"]["ece"]
            print(f"  temperature {trained.calibration['temperature']:.4f}; validation ECE {before:.4f} -> {after:.4f}")
        export_model(trained, arguments.out_dir)
        trained.latency_ms = measure_latency(model, test_set[0])
        trained_models.append(trained)

    sneakpeek, variants = trained_models[0], trained_models[1:]
    write_test_files(trained_models, data.test, test_set[0], arguments.out_dir)
    manifest_path = os.path.join(arguments.out_dir, "manifest.json")
    application = manifest_entry.build_application(
        variants, sneakpeek, data, arguments.data_dir, MAX_BATCH, REFERENCE_COUNT
    )
    write_text(manifest_path, manifest_entry.merge_into_manifest(manifest_path, application))
    wall_seconds = time.perf_counter() - started
    write_text(
        os.path.join(arguments.out_dir, "README.md"),
        readme.render(variants, sneakpeek, data, machine, wall_seconds, MAX_BATCH, CALIBRATION_BINS),
    )

    print()
    print(format_summary(trained_models, machine))
    print(
        f"SneakPeek temperature {sneakpeek.calibration['temperature']:.4f}; ECE ({CALIBRATION_BINS} bins) on validation "
        f"{sneakpeek.calibration['validationBefore']['ece']:.4f} before, {sneakpeek.calibration['validationAfter']['ece']:.4f} after; "
        f"on test {sneakpeek.calibration['testBefore']['ece']:.4f} before, {sneakpeek.calibration['testAfter']['ece']:.4f} after."
    )
    print(f"Wrote {arguments.out_dir}/manifest.json, README.md and {APPLICATION_DIR}/ in {wall_seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (FileNotFoundError, ValueError) as error:
        # The error of a missing or invalid input file names the path and the fix.
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
