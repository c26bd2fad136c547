"""Render models/README.md: a shared header, one section per application and a retraining note.

Each application's training script renders only its own section. `merge_section` keeps the
sections of the other applications from the existing file, found by their HTML comment
markers, so that `npm run train -- --app weather` leaves the product section as it was.
"""

import os
import re

import numpy as np

import training

# Section order in the README; a section of an application not listed here goes last.
APPLICATION_ORDER = ["product", "weather", "spam"]
_SECTION = re.compile(r"<!-- application (?P<id>[a-z0-9-]+) -->\n.*?<!-- end application (?P=id) -->\n", re.S)


def kib(count: int) -> str:
    return f"{count / 1024:,.1f} KiB"


def _recall_cell(recall: np.ndarray, index: int, class_names: list) -> str:
    return f"{recall[index]:.3f} ({class_names[index]})"


def model_table(models: list, class_names: list, flops_heading: str, format_flops) -> list:
    lines = [
        f"| id | parameters | {flops_heading} | ONNX file | footprint estimate | validation accuracy | test accuracy | lowest class recall | highest class recall |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for trained in models:
        (low, _), (high, _) = training.recall_extremes(trained.validation_recall, class_names)
        lines.append(
            f"| `{trained.spec.id}` | {trained.parameters:,} | {format_flops(trained.flops)} | {kib(trained.file_bytes)} "
            f"| {kib(trained.footprint['bytes'])} | {trained.validation_accuracy:.4f} | {trained.test_accuracy:.4f} "
            f"| {_recall_cell(trained.validation_recall, low, class_names)} "
            f"| {_recall_cell(trained.validation_recall, high, class_names)} |"
        )
    return lines


def recall_table(models: list, class_names: list, split: str = "validation") -> list:
    lines = [
        "| class | " + " | ".join(f"`{trained.spec.id}`" for trained in models) + " |",
        "|---|" + "---:|" * len(models),
    ]
    for index, name in enumerate(class_names):
        cells = []
        for trained in models:
            value = getattr(trained, f"{split}_recall")[index]
            cells.append("n/a" if np.isnan(value) else f"{value:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def footprint_paragraph(example, max_batch: int) -> list:
    footprint = example.footprint
    return [
        f"Footprint estimates (`maxBatch` {max_batch}) are the ONNX initializer bytes plus the input and every",
        f"tensor a graph node produces at batch size {max_batch}, with shapes from ONNX shape inference and 4",
        "bytes per element (float32; the few int64 outputs of Constant nodes count 4 bytes per element",
        "too). Every tensor counts as live at once, as if onnxruntime-web reused no buffer, and runtime",
        "workspace and allocator padding are left out, so the figures are estimates, not measurements.",
        "The runtime keeps the estimates of its resident variants within its memory budget; SneakPeek",
        "models run on WASM in the scheduler worker and do not count against it. For",
        f"`{example.spec.id}`: {footprint['initializerBytes']:,} bytes of initializers plus",
        f"{footprint['activationBytes']:,} bytes of activations.",
    ]


def calibration_lines(sneakpeek, heading: str) -> list:
    calibration = sneakpeek.calibration
    lines = [
        heading,
        "",
        f"The SneakPeek posterior is `softmax(logits / T)` with T = {calibration['temperature']:.4f}, fitted on the",
        "validation split by minimising the negative log-likelihood over log T with L-BFGS. Expected",
        f"calibration error uses {training.CALIBRATION_BINS} equal-width confidence bins:",
        "",
        "| split | NLL before | NLL after | ECE before | ECE after |",
        "|---|---:|---:|---:|---:|",
    ]
    for split in ("validation", "test"):
        before, after = calibration[f"{split}Before"], calibration[f"{split}After"]
        lines.append(
            f"| {split} | {before['nll']:.4f} | {after['nll']:.4f} | {before['ece']:.4f} | {after['ece']:.4f} |"
        )
    return lines


def latency_table(models: list, max_batch: int) -> list:
    lines = [f"| id | batch 1 (ms) | batch {max_batch} (ms) | training time (s) |", "|---|---:|---:|---:|"]
    for trained in models:
        lines.append(
            f"| `{trained.spec.id}` | {trained.latency_ms[1]:.3f} | {trained.latency_ms[max_batch]:.3f} "
            f"| {trained.train_seconds:.0f} |"
        )
    return lines


def latency_lines(models: list, machine: str, max_batch: int, heading: str) -> list:
    return [
        heading,
        "",
        f"Median wall time of one forward pass on {machine}, from one run of the training",
        "script, so the figures vary with other load on the machine. Training time is per model.",
        "The Debian build of PyTorch links a reference BLAS, so layers that PyTorch runs as matrix",
        "products (`nn.Linear`) are slower here than in an optimised build; onnxruntime-web's",
        "latency has to be profiled separately.",
        "",
        *latency_table(models, max_batch),
    ]


def wrap_section(application_id: str, lines: list) -> str:
    return f"<!-- application {application_id} -->\n" + "\n".join(lines).rstrip("\n") + f"\n<!-- end application {application_id} -->\n"


def _header() -> list:
    return [
        "# Models",
        "",
        "This folder holds the trained models that the runtime serves, the manifest that describes",
        "them, and a copy of each application's test data for replay and for checking onnxruntime-web",
        "against PyTorch. The training scripts in `tools/train/` write every file listed in this",
        "README; do not edit them by hand.",
        "",
        "- `manifest.json`: applications, models, sizes, SHA-256 hashes, validation confusion",
        "  matrices, accuracies, footprint estimates and dataset provenance, in the format of",
        "  `src/core/manifest.ts`.",
        "- `<application>/recorded.json`: every model's predicted class and the SneakPeek model's logits",
        "  (rounded to 5 significant digits) on every validation and test record, with the true labels,",
        "  in the `RecordedOutputs` format of `src/core/manifest.ts`, for the simulator. Records keep",
        "  the order of their split, and the test order is the replay order.",
        "- `<application>/predictions.json`: each model's predicted class for every test record, computed in PyTorch.",
        "- `<application>/reference.json`: each model's PyTorch logits for the first 64 test records, in float32 precision.",
        "",
    ]


def _retraining() -> list:
    return [
        "## Retraining",
        "",
        "```",
        "npm run train                    # every application",
        "npm run train -- --app weather   # one application: product, weather or spam",
        "```",
        "",
        "`tools/train.mjs` installs `python3-torch` and `python3-onnx` (and `dataset-fashion-mnist`",
        "for the product application) through apt-get when they are missing, checks that `npm ci`",
        "installed the npm data packages, then runs `/usr/bin/python3 tools/train/train_<application>.py`",
        "for each application; `npm run train -- --help` lists the options. Each section above gives",
        "the wall time of its last run. Reruns on the same machine reproduce the same weights, files",
        "and accuracies; only the timings and `generatedAt` change.",
        "`npx vitest run test/models` then checks every file's size and hash against the manifest,",
        "onnxruntime-web's outputs against the PyTorch reference logits, and the recorded outputs",
        "against the manifest.",
        "",
        "`study/` holds a second product family for experiments, not served by default: the shipped",
        "product models plus two class-weighted specialists, written by",
        "`npm run train -- --app product --study specialists`. See [study/README.md](study/README.md).",
        "",
    ]


def _existing_sections(path: str) -> dict:
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    return {match.group("id"): match.group(0) for match in _SECTION.finditer(text)}


def merge_section(path: str, application_id: str, section: str) -> str:
    """Return the README text with `section` replacing the section of `application_id`."""
    sections = _existing_sections(path)
    sections[application_id] = section
    order = [name for name in APPLICATION_ORDER if name in sections]
    order += sorted(name for name in sections if name not in APPLICATION_ORDER)
    body = "\n".join(sections[name] for name in order)
    return "\n".join(_header()) + "\n" + body + "\n" + "\n".join(_retraining())
