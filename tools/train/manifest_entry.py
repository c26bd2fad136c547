"""Build the product application's entry of models/manifest.json.

The fields follow the TypeScript interfaces in src/core/manifest.ts (`ApplicationManifest`
and the types it uses), and this module writes those fields and no others.
"""

import datetime
import json
import os

import fashion_mnist
import json_output
import onnx_export

FORMAT_VERSION = 1
APPLICATION_ID = "product"
TEST_IMAGES_FILE = "test-images.u8"
TEST_LABELS_FILE = "test-labels.u8"
PREDICTIONS_FILE = "predictions.json"
REFERENCE_FILE = "reference.json"
DECIMALS = 6


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
        "variants": [variant_entry(trained, max_batch) for trained in variants],
        "sneakpeek": sneakpeek_entry(sneakpeek),
        "testSet": {
            "inputsFile": f"{directory}/{TEST_IMAGES_FILE}",
            "labelsFile": f"{directory}/{TEST_LABELS_FILE}",
            "count": test_count,
            "recordBytes": fashion_mnist.IMAGE_SIDE * fashion_mnist.IMAGE_SIDE,
            "predictionsFile": f"{directory}/{PREDICTIONS_FILE}",
            "referenceFile": f"{directory}/{REFERENCE_FILE}",
            "referenceCount": reference_count,
            "description": (
                f"The official Fashion-MNIST test split ({test_count} images, 28x28 pixels, "
                "in the original order), Copyright 2017 Zalando SE, MIT licence."
            ),
        },
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
            "trainingCommand": "npm run train",
        },
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
