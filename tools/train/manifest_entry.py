"""Build the parts of an application's entry of models/manifest.json and merge it in.

The fields follow the TypeScript interfaces in src/core/manifest.ts (`ApplicationManifest`
and the types it uses), and the training scripts write those fields and no others.
"""

import datetime
import json
import os

import json_output
import onnx_export
import outputs

FORMAT_VERSION = 1
DECIMALS = 6
TRAINING_COMMAND = "npm run train"


def _model_file_fields(trained) -> dict:
    return {
        "id": trained.spec.id,
        "description": trained.spec.description,
        "file": trained.file,
        "bytes": trained.file_bytes,
        "sha256": trained.sha256,
        "outputName": onnx_export.OUTPUT_NAME,
        "outputKind": "logits",
        "parameters": trained.parameters,
        "opset": trained.opset,
    }


def variant_entry(trained, max_batch: int) -> dict:
    """Return a `ModelEntry`."""
    return {
        **_model_file_fields(trained),
        "maxBatch": max_batch,
        "footprint": {"bytes": trained.footprint["bytes"], "method": trained.footprint["method"]},
        "confusion": trained.confusion.tolist(),
        "validationAccuracy": round(trained.validation_accuracy, DECIMALS),
        "testAccuracy": round(trained.test_accuracy, DECIMALS),
    }


def sneakpeek_entry(trained) -> dict:
    """Return a `SneakPeekEntry`, whose calibration error is the validation ECE after scaling."""
    return {
        **_model_file_fields(trained),
        "temperature": round(trained.calibration["temperature"], DECIMALS),
        "confusion": trained.confusion.tolist(),
        "validationAccuracy": round(trained.validation_accuracy, DECIMALS),
        "testAccuracy": round(trained.test_accuracy, DECIMALS),
        "calibrationError": round(trained.calibration["validationAfter"]["ece"], DECIMALS),
    }


def test_set_entry(
    application_dir: str,
    inputs_file: str,
    labels_file: str,
    count: int,
    record_bytes: int,
    reference_count: int,
    description: str,
) -> dict:
    """Return a `TestSetEntry` whose predictions and reference files have the standard names."""
    return {
        "inputsFile": f"{application_dir}/{inputs_file}",
        "labelsFile": f"{application_dir}/{labels_file}",
        "count": count,
        "recordBytes": record_bytes,
        "predictionsFile": f"{application_dir}/{outputs.PREDICTIONS_FILE}",
        "referenceFile": f"{application_dir}/{outputs.REFERENCE_FILE}",
        "referenceCount": reference_count,
        "description": description,
    }


def generated_at() -> str:
    """Return the current UTC time, or SOURCE_DATE_EPOCH when set, as ISO 8601."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        if epoch
        else datetime.datetime.now(datetime.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def merge_into_manifest(path: str, application: dict) -> str:
    """Return the manifest text with `application` replacing the entry of the same id.

    Entries of other applications in an existing manifest are kept in place, so each
    application's training script can rewrite its own entry.
    """
    applications = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as stream:
            try:
                existing = json.load(stream)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON ({error}); fix or delete it and rerun.") from error
        version = existing.get("formatVersion")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"{path} has formatVersion {version!r}, but this script writes version {FORMAT_VERSION}; "
                f"delete it or update the script."
            )
        applications = list(existing.get("applications", []))

    ids = [entry.get("id") for entry in applications]
    if application["id"] in ids:
        applications[ids.index(application["id"])] = application
    else:
        applications.append(application)

    manifest = {"formatVersion": FORMAT_VERSION, "generatedAt": generated_at(), "applications": applications}
    return json_output.format_compact(manifest) + "\n"
