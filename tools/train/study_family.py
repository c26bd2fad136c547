"""Combine the shipped product family with newly trained variants into a study family.

A study family lives in its own folder (models/study/) with its own manifest. It references the
shipped ONNX files and test images by relative path instead of copying them. Its recorded outputs,
predictions and reference logits repeat the shipped models' entries next to the new variants', so
the simulator and the model tests need only the study manifest.
"""

import copy
import json
import os
from dataclasses import dataclass

import numpy as np

import manifest_entry
import model_spec
import onnx_export
import training


@dataclass
class ShippedFamily:
    """One application of the shipped manifest with the JSON files that its entry names."""

    models_dir: str
    application: dict
    recorded: dict
    predictions: dict
    reference: dict

    def path(self, relative: str) -> str:
        return os.path.join(self.models_dir, relative)


@dataclass
class Member:
    """The figures that the study README reports about one model of the family."""

    id: str
    role: str
    parameters: int
    flops: int
    file_bytes: int
    footprint_bytes: int
    validation_accuracy: float
    test_accuracy: float
    validation_recall: np.ndarray
    test_recall: np.ndarray


def _read_json(path: str, fix: str):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found. {fix}")
    with open(path, encoding="utf-8") as stream:
        try:
            return json.load(stream)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}). {fix}") from error


def read_shipped(models_dir: str, application_id: str) -> ShippedFamily:
    """Read the shipped entry of `application_id` and check its ONNX files against their hashes."""
    retrain = f"Train the shipped models first with `npm run train -- --app {application_id}`, or restore them with `git checkout models/`."
    manifest_path = os.path.join(models_dir, "manifest.json")
    manifest = _read_json(manifest_path, retrain)
    applications = {entry.get("id"): entry for entry in manifest.get("applications", [])}
    application = applications.get(application_id)
    if application is None:
        raise ValueError(f"{manifest_path} has no application {application_id!r} (it has {sorted(applications)}). {retrain}")
    for key in ("recordedFile", "testSet"):
        if key not in application:
            raise ValueError(f"The {application_id} entry of {manifest_path} has no {key}. {retrain}")

    for entry in [*application["variants"], application["sneakpeek"]]:
        path = os.path.join(models_dir, entry["file"])
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}, named by {manifest_path}, not found. {retrain}")
        digest = onnx_export.sha256_of_file(path)
        if digest != entry["sha256"]:
            raise ValueError(f"{path} has SHA-256 {digest}, but {manifest_path} lists {entry['sha256']}. {retrain}")

    test_set = application["testSet"]
    return ShippedFamily(
        models_dir=models_dir,
        application=application,
        recorded=_read_json(os.path.join(models_dir, application["recordedFile"]), retrain),
        predictions=_read_json(os.path.join(models_dir, test_set["predictionsFile"]), retrain),
        reference=_read_json(os.path.join(models_dir, test_set["referenceFile"]), retrain),
    )


def check_labels(shipped: ShippedFamily, validation_labels, test_labels) -> None:
    """Raise unless both splits have the labels, in the order, that the shipped models were recorded on."""
    recorded_path = shipped.path(shipped.application["recordedFile"])
    for which, labels in (("validation", validation_labels), ("test", test_labels)):
        if shipped.recorded[which]["labels"] != [int(label) for label in labels]:
            raise ValueError(
                f"The {which} labels differ from those in {recorded_path}, so the data is split differently from the "
                "shipped models. Pass the --seed and --validation-per-class that trained them (see the dataset.split "
                "field of the shipped manifest)."
            )


def shipped_members(shipped: ShippedFamily, specs: list, input_shape: tuple, test_labels) -> list:
    """Describe the shipped variants and SneakPeek model, with FLOPs counted on their architectures.

    Recall comes from the manifest's validation confusion matrices and from the recorded test predictions.
    """
    specs_by_id = {spec.id: spec for spec in specs}
    labels = np.asarray(test_labels)
    members = []
    entries = [(entry, "shipped variant") for entry in shipped.application["variants"]]
    entries.append((shipped.application["sneakpeek"], "shipped SneakPeek model"))
    for entry, role in entries:
        spec = specs_by_id.get(entry["id"])
        if spec is None:
            raise ValueError(f"The shipped model {entry['id']!r} has no ModelSpec in product_models.py, so its FLOPs cannot be counted.")
        # The FLOP count depends only on the architecture, so placeholder normalisation constants are enough.
        flops = model_spec.count_flops(spec.build(0.0, 1.0), input_shape)
        confusion = np.asarray(entry["confusion"], dtype=np.int64)
        predicted = np.asarray(shipped.recorded["test"]["predictions"][entry["id"]])
        test_confusion = np.zeros_like(confusion)
        np.add.at(test_confusion, (labels, predicted), 1)
        members.append(
            Member(
                id=entry["id"],
                role=role,
                parameters=entry["parameters"],
                flops=flops,
                file_bytes=entry["bytes"],
                footprint_bytes=entry["footprint"]["bytes"] if "footprint" in entry else 0,
                validation_accuracy=entry["validationAccuracy"],
                test_accuracy=entry["testAccuracy"],
                validation_recall=training.recall_per_class(confusion),
                test_recall=training.recall_per_class(test_confusion),
            )
        )
    return members


def trained_member(trained: training.TrainedModel, role: str) -> Member:
    return Member(
        id=trained.spec.id,
        role=role,
        parameters=trained.parameters,
        flops=trained.flops,
        file_bytes=trained.file_bytes,
        footprint_bytes=trained.footprint["bytes"],
        validation_accuracy=trained.validation_accuracy,
        test_accuracy=trained.test_accuracy,
        validation_recall=trained.validation_recall,
        test_recall=trained.test_recall,
    )


def relative_to(shipped: ShippedFamily, relative: str, out_dir: str) -> str:
    """Return the path of a shipped file relative to `out_dir`, with forward slashes as in a URL."""
    absolute = os.path.abspath(shipped.path(relative))
    return os.path.relpath(absolute, os.path.abspath(out_dir)).replace(os.sep, "/")


def study_application(
    shipped: ShippedFamily, new_variants: list, out_dir: str, files: dict, name: str, training_command: str
) -> dict:
    """Return the `ApplicationManifest` of the study family.

    The shipped entries are copied with their `file` fields rewritten relative to `out_dir`; the new
    variants get fresh entries. `files` names the study's own predictions, reference and recorded
    files relative to `out_dir`.
    """
    application = copy.deepcopy(shipped.application)
    application["name"] = name
    for entry in [*application["variants"], application["sneakpeek"]]:
        entry["file"] = relative_to(shipped, entry["file"], out_dir)
    max_batch = application["variants"][0]["maxBatch"]
    application["variants"] += [manifest_entry.variant_entry(trained, max_batch) for trained in new_variants]

    test_set = application["testSet"]
    test_set["inputsFile"] = relative_to(shipped, test_set["inputsFile"], out_dir)
    test_set["labelsFile"] = relative_to(shipped, test_set["labelsFile"], out_dir)
    test_set["predictionsFile"] = files["predictions"]
    test_set["referenceFile"] = files["reference"]
    application["recordedFile"] = files["recorded"]
    application["dataset"]["trainingCommand"] = training_command
    return application


def _ordered_ids(shipped: ShippedFamily, new_variants: list) -> tuple:
    """Return the shipped variant ids, the new variant ids and the SneakPeek id."""
    return (
        [entry["id"] for entry in shipped.application["variants"]],
        [trained.spec.id for trained in new_variants],
        shipped.application["sneakpeek"]["id"],
    )


def recorded_outputs(shipped: ShippedFamily, new_variants: list) -> dict:
    """Return the study's `RecordedOutputs`: the shipped records with the new variants' predictions added."""
    shipped_ids, new_ids, sneakpeek_id = _ordered_ids(shipped, new_variants)
    recorded = {"application": shipped.recorded["application"]}
    for which in ("validation", "test"):
        source = shipped.recorded[which]
        predictions = {model_id: source["predictions"][model_id] for model_id in shipped_ids}
        for trained, model_id in zip(new_variants, new_ids):
            predictions[model_id] = getattr(trained, f"{which}_logits").argmax(dim=1).tolist()
        predictions[sneakpeek_id] = source["predictions"][sneakpeek_id]
        recorded[which] = {
            "labels": source["labels"],
            "predictions": predictions,
            # The shipped logits are already rounded; rounding them again to the same digits keeps them.
            "sneakpeekLogits": source["sneakpeekLogits"],
            "groups": source.get("groups"),
        }
    return recorded


def test_predictions(shipped: ShippedFamily, new_variants: list) -> dict:
    """Return every model's predicted class for every test record: shipped ones copied, new ones computed."""
    shipped_ids, new_ids, sneakpeek_id = _ordered_ids(shipped, new_variants)
    predictions = {model_id: shipped.predictions[model_id] for model_id in shipped_ids}
    for trained, model_id in zip(new_variants, new_ids):
        predictions[model_id] = trained.test_logits.argmax(dim=1).tolist()
    predictions[sneakpeek_id] = shipped.predictions[sneakpeek_id]
    return predictions


def reference_logits(shipped: ShippedFamily, new_variants: list, new_logits: dict) -> dict:
    """Return every model's reference logits: the shipped rows copied, the new variants' from `new_logits`."""
    shipped_ids, new_ids, sneakpeek_id = _ordered_ids(shipped, new_variants)
    reference = {model_id: np.asarray(shipped.reference[model_id], dtype=np.float32) for model_id in shipped_ids}
    for model_id in new_ids:
        reference[model_id] = new_logits[model_id]
    reference[sneakpeek_id] = np.asarray(shipped.reference[sneakpeek_id], dtype=np.float32)
    return reference
