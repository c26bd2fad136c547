"""JSON writers that keep the committed files small and readable.

`format_compact` indents objects but puts every list of numbers or strings on one line, so a
confusion matrix reads as one row per line. Reference logits are written with the shortest
decimal that parses back to the same float32, which keeps full float32 precision.
"""

import json
import math
from typing import Any

import numpy as np


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _format_scalar(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"JSON cannot represent the number {value}.")
    return json.dumps(value, ensure_ascii=False)


def format_compact(value: Any, indent: int = 2, level: int = 0) -> str:
    """Format `value` as indented JSON with scalar-only lists kept on one line."""
    if _is_scalar(value):
        return _format_scalar(value)

    inner = " " * (indent * (level + 1))
    outer = " " * (indent * level)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(key))}: {format_compact(item, indent, level + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + outer + "}"
    if isinstance(value, (list, tuple)):
        if all(_is_scalar(item) for item in value):
            return "[" + ", ".join(_format_scalar(item) for item in value) + "]"
        items = [inner + format_compact(item, indent, level + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + outer + "]"
    raise TypeError(f"Cannot format a {type(value).__name__} as JSON.")


def format_float32(value: float) -> str:
    """Return the shortest decimal that parses back to the same float32 value."""
    single = np.float32(value)
    if not np.isfinite(single):
        raise ValueError(f"JSON cannot represent the logit {single}.")
    # NumPy prints a float32 with its shortest round-trip representation, such as "-2.3456788".
    text = str(single)
    if float(np.float32(float(text))) != float(single):
        raise AssertionError(f"{text} does not round-trip to the float32 {single!r}.")
    return text


def format_predictions(predictions: dict) -> str:
    """One line per model id: its predicted class for every test record."""
    lines = [f"  {json.dumps(model_id)}: [" + ",".join(str(int(c)) for c in classes) + "]" for model_id, classes in predictions.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def format_reference(reference: dict) -> str:
    """One line per record: the logits row of each model id, in float32 precision."""
    blocks = []
    for model_id, rows in reference.items():
        row_lines = ["    [" + ", ".join(format_float32(v) for v in row) + "]" for row in np.asarray(rows, dtype=np.float32)]
        blocks.append(f"  {json.dumps(model_id)}: [\n" + ",\n".join(row_lines) + "\n  ]")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def format_significant(value: float, digits: int) -> str:
    """Return `value` rounded to `digits` significant digits as a JSON number."""
    if not math.isfinite(value):
        raise ValueError(f"JSON cannot represent the logit {value}.")
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def _format_split(split: dict, digits: int) -> str:
    lines = [f'    "labels": [' + ",".join(str(int(label)) for label in split["labels"]) + "]"]
    prediction_lines = [
        f"      {json.dumps(model_id)}: [" + ",".join(str(int(c)) for c in classes) + "]"
        for model_id, classes in split["predictions"].items()
    ]
    lines.append('    "predictions": {\n' + ",\n".join(prediction_lines) + "\n    }")
    logit_lines = [
        "      [" + ",".join(format_significant(float(v), digits) for v in row) + "]" for row in split["sneakpeekLogits"]
    ]
    lines.append('    "sneakpeekLogits": [\n' + ",\n".join(logit_lines) + "\n    ]")
    if split.get("groups") is not None:
        lines.append('    "groups": [' + ",".join(json.dumps(str(group)) for group in split["groups"]) + "]")
    return "{\n" + ",\n".join(lines) + "\n  }"


def format_recorded(recorded: dict, digits: int = 5) -> str:
    """Format a `RecordedOutputs` object: one line per model's predictions and per logits row.

    SneakPeek logits are rounded to `digits` significant digits to keep the file small.
    """
    return (
        "{\n"
        f'  "application": {json.dumps(recorded["application"])},\n'
        f'  "validation": {_format_split(recorded["validation"], digits)},\n'
        f'  "test": {_format_split(recorded["test"], digits)}\n'
        "}\n"
    )
