"""Write an application's prediction, reference and recorded-output files under models/."""

import os

import numpy as np
import torch

import json_output

PREDICTIONS_FILE = "predictions.json"
REFERENCE_FILE = "reference.json"
RECORDED_FILE = "recorded.json"
RECORDED_DIGITS = 5


def write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)


def write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def write_predictions(models: list, application_dir: str) -> None:
    """Write each model's predicted class for every test record, in test order."""
    predictions = {trained.spec.id: trained.test_logits.argmax(dim=1).tolist() for trained in models}
    write_text(os.path.join(application_dir, PREDICTIONS_FILE), json_output.format_predictions(predictions))


def write_reference(models: list, test_inputs: torch.Tensor, application_dir: str, count: int) -> None:
    """Write each model's PyTorch logits for the first `count` test records in float32 precision."""
    reference = {}
    for trained in models:
        with torch.inference_mode():
            reference[trained.spec.id] = trained.model(test_inputs[:count]).numpy()
    write_text(os.path.join(application_dir, REFERENCE_FILE), json_output.format_reference(reference))


def _recorded_split(models: list, sneakpeek_logits: torch.Tensor, labels: torch.Tensor, which: str, groups) -> dict:
    split = {
        "labels": labels.tolist(),
        "predictions": {
            trained.spec.id: getattr(trained, f"{which}_logits").argmax(dim=1).tolist() for trained in models
        },
        "sneakpeekLogits": sneakpeek_logits.numpy().astype(np.float64),
    }
    if groups is not None:
        if len(groups) != len(split["labels"]):
            raise ValueError(f"{len(groups)} {which} groups for {len(split['labels'])} {which} records.")
        split["groups"] = list(groups)
    return split


def count_rounding_flips(logits: np.ndarray, digits: int) -> int:
    """Count rows whose argmax changes when every logit is rounded to `digits` significant digits."""
    rounded = np.array([[float(json_output.format_significant(float(v), digits)) for v in row] for row in logits])
    return int((rounded.argmax(axis=1) != logits.argmax(axis=1)).sum())


def write_recorded(
    application_id: str,
    models: list,
    sneakpeek,
    labels: tuple,
    application_dir: str,
    groups: tuple = (None, None),
) -> dict:
    """Write `recorded.json` in the `RecordedOutputs` format of src/core/manifest.ts.

    `models` lists every model (variants and SneakPeek model), `labels` the validation and
    test labels and `groups` the optional validation and test group strings. Returns the
    number of records per split whose SneakPeek argmax the rounding of logits changed.
    """
    recorded = {"application": application_id}
    flips = {}
    for which, split_labels, split_groups in zip(("validation", "test"), labels, groups):
        logits = getattr(sneakpeek, f"{which}_logits")
        recorded[which] = _recorded_split(models, logits, split_labels, which, split_groups)
        flips[which] = count_rounding_flips(logits.numpy().astype(np.float64), RECORDED_DIGITS)
    write_text(os.path.join(application_dir, RECORDED_FILE), json_output.format_recorded(recorded, RECORDED_DIGITS))
    return flips
