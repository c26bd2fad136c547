"""Train, evaluate, calibrate, export and time one application's model family.

Every application's training script calls `train_family` with its model specs and its three
splits as (inputs, labels) tensors, then writes its files with the helpers of `outputs.py`.
"""

import os
import platform
import random
import statistics
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import calibration
import model_spec
import onnx_export

EVAL_BATCH = 1000
CALIBRATION_BINS = 15


@dataclass
class TrainedModel:
    """A trained model with everything the manifest, README and summary report about it."""

    spec: model_spec.ModelSpec
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


@dataclass(frozen=True)
class Family:
    """Output folder, class count, input shape and maximum batch of one application's models."""

    application_dir: str
    class_count: int
    input_shape: tuple
    max_batch: int


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def predict_logits(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.inference_mode():
        return torch.cat([model(inputs[start : start + EVAL_BATCH]) for start in range(0, len(inputs), EVAL_BATCH)])


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, classes: int) -> np.ndarray:
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels.numpy(), predicted.numpy()), 1)
    return matrix


def recall_per_class(matrix: np.ndarray) -> np.ndarray:
    """Return the recall of every class; a class without records gets NaN."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, matrix.diagonal() / np.maximum(totals, 1), np.nan)


def train_model(spec, build_arguments: tuple, seed: int, train_set, validation_set) -> tuple:
    """Train one model with AdamW and a one-cycle learning-rate schedule.

    Returns the model in eval mode and the training wall time in seconds.
    """
    seed_everything(seed)
    model = spec.build(*build_arguments)
    inputs, labels = train_set
    batch_size = spec.batch_size
    steps_per_epoch = (len(inputs) + batch_size - 1) // batch_size
    optimiser = torch.optim.AdamW(model.parameters(), lr=spec.learning_rate, weight_decay=spec.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=spec.learning_rate, total_steps=spec.epochs * steps_per_epoch
    )
    shuffler = torch.Generator().manual_seed(seed)
    class_weights = None if spec.class_weights is None else torch.tensor(spec.class_weights, dtype=torch.float32)

    started = time.perf_counter()
    for epoch in range(spec.epochs):
        model.train()
        order = torch.randperm(len(inputs), generator=shuffler)
        loss_sum = 0.0
        for step in range(steps_per_epoch):
            batch = order[step * batch_size : (step + 1) * batch_size]
            optimiser.zero_grad()
            # With class weights, the mean is over the batch's summed weights, not its records.
            loss = F.cross_entropy(model(inputs[batch]), labels[batch], weight=class_weights)
            loss.backward()
            optimiser.step()
            schedule.step()
            loss_sum += float(loss) * len(batch)

        validation_predicted = predict_logits(model, validation_set[0]).argmax(dim=1)
        validation_accuracy = float((validation_predicted == validation_set[1]).float().mean())
        print(
            f"  {spec.id} epoch {epoch + 1}/{spec.epochs}: training loss {loss_sum / len(inputs):.4f}, "
            f"validation accuracy {validation_accuracy:.4f}, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return model.eval(), time.perf_counter() - started


def evaluate(spec, model, seed, seconds, validation_set, test_set, family: Family) -> TrainedModel:
    validation_logits = predict_logits(model, validation_set[0])
    test_logits = predict_logits(model, test_set[0])
    confusion = confusion_matrix(validation_set[1], validation_logits.argmax(dim=1), family.class_count)
    test_confusion = confusion_matrix(test_set[1], test_logits.argmax(dim=1), family.class_count)
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
        parameters=model_spec.count_parameters(model),
        flops=model_spec.count_flops(model, family.input_shape),
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


def measure_latency(model: nn.Module, inputs: torch.Tensor, max_batch: int) -> dict:
    """Return the median wall time in ms of one forward pass at batch sizes 1 and `max_batch`."""
    repeats = {1: 300, max_batch: 60}
    latency = {}
    model.eval()
    with torch.inference_mode():
        for batch_size, count in repeats.items():
            batch = inputs[:batch_size].contiguous()
            for _ in range(20):
                model(batch)
            samples = []
            for _ in range(count):
                started = time.perf_counter()
                model(batch)
                samples.append((time.perf_counter() - started) * 1000.0)
            latency[batch_size] = statistics.median(samples)
    return latency


def export_model(trained: TrainedModel, out_dir: str, family: Family) -> None:
    relative = f"{family.application_dir}/{trained.spec.id}.onnx"
    path = os.path.join(out_dir, relative)
    exported = onnx_export.export_classifier(trained.model, path, family.input_shape)
    trained.file = relative
    trained.file_bytes = os.path.getsize(path)
    trained.sha256 = onnx_export.sha256_of_file(path)
    trained.opset = onnx_export.default_domain_opset(exported)
    trained.footprint = onnx_export.estimate_footprint(exported, family.max_batch)
    trained.footprint["method"] = onnx_export.describe_footprint_method(trained.footprint, family.max_batch)
    trained.footprint["operators"] = sorted({node.op_type for node in exported.graph.node})


def train_family(specs: list, build_arguments: tuple, base_seed: int, splits: tuple, family: Family, out_dir: str) -> list:
    """Train, evaluate, export and time every model of `specs` in order.

    Model `i` trains from seed `base_seed + i`. The SneakPeek model is also temperature-scaled
    on the validation split. `splits` contains the (inputs, labels) tensors of train, validation
    and test. Returns the trained models in the order of `specs`.
    """
    train_set, validation_set, test_set = splits
    os.makedirs(os.path.join(out_dir, family.application_dir), exist_ok=True)
    trained_models = []
    for index, spec in enumerate(specs):
        seed = base_seed + index
        print(f"Training {spec.id} ({spec.epochs} epochs, seed {seed}).", flush=True)
        model, seconds = train_model(spec, build_arguments, seed, train_set, validation_set)
        trained = evaluate(spec, model, seed, seconds, validation_set, test_set, family)
        if spec.is_sneakpeek:
            calibrate(trained, validation_set[1], test_set[1])
            before = trained.calibration["validationBefore"]["ece"]
            after = trained.calibration["validationAfter"]["ece"]
            print(f"  temperature {trained.calibration['temperature']:.4f}; validation ECE {before:.4f} -> {after:.4f}")
        export_model(trained, out_dir, family)
        trained.latency_ms = measure_latency(model, test_set[0], family.max_batch)
        trained_models.append(trained)
    return trained_models


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


def recall_extremes(recall: np.ndarray, class_names: list) -> tuple:
    """Return the (index, recall) of the lowest and highest recall among classes with records."""
    defined = np.flatnonzero(~np.isnan(recall))
    low = int(defined[np.argmin(recall[defined])])
    high = int(defined[np.argmax(recall[defined])])
    return (low, float(recall[low])), (high, float(recall[high]))


def format_summary(models: list, machine: str, class_names: list, max_batch: int) -> str:
    name_width = max(20, *(len(trained.spec.id) + 1 for trained in models))
    header = (
        f"{'model':<{name_width}} {'params':>9} {'FLOPs':>11} {'footprint':>11} {'ms@1':>7} {f'ms@{max_batch}':>7} {'val acc':>8} {'test acc':>8}"
        f"  {'min val recall':<22} {'max val recall':<22}"
    )
    lines = [f"Summary (PyTorch CPU latency is the median forward pass on {machine}):", header, "-" * len(header)]
    for trained in models:
        (low, low_recall), (high, high_recall) = recall_extremes(trained.validation_recall, class_names)
        lines.append(
            f"{trained.spec.id:<{name_width}} {trained.parameters:>9,} {trained.flops:>11,} {trained.footprint['bytes']:>11,} "
            f"{trained.latency_ms[1]:>7.3f} {trained.latency_ms[max_batch]:>7.3f} "
            f"{trained.validation_accuracy:>8.4f} {trained.test_accuracy:>8.4f}  "
            f"{f'{low_recall:.3f} {class_names[low]}':<22} {f'{high_recall:.3f} {class_names[high]}':<22}"
        )
    return "\n".join(lines)


def format_calibration_summary(sneakpeek: TrainedModel) -> str:
    result = sneakpeek.calibration
    return (
        f"SneakPeek temperature {result['temperature']:.4f}; ECE ({CALIBRATION_BINS} bins) on validation "
        f"{result['validationBefore']['ece']:.4f} before, {result['validationAfter']['ece']:.4f} after; "
        f"on test {result['testBefore']['ece']:.4f} before, {result['testAfter']['ece']:.4f} after."
    )
