"""Train the weather-condition models on the Seattle daily weather table and write them to models/.

Stages:
1. Read data/seattle-weather.csv of the npm package vega-datasets, build the 7-day window
   features and split by year: train 2012, validation 2013, test 2014-2015.
2. Train the SneakPeek model and the variants, each from its own fixed seed, fit the SneakPeek
   temperature on validation, export to ONNX (opset 13, dynamic batch) and time each model.
3. Write the test set, predictions, reference logits, recorded outputs, manifest entry and the
   weather section of models/README.md.

Run with Debian's interpreter, `/usr/bin/python3`; `npm run train -- --app weather` installs
what is missing and runs this script.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

import manifest_entry
import onnx_export
import outputs
import readme
import seattle_weather
import training
import weather_models
import weather_readme

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APPLICATION_ID = "weather"
APPLICATION_DIR = "weather"
INPUT_SHAPE = (seattle_weather.FEATURES,)
MAX_BATCH = 32
REFERENCE_COUNT = 64
TEST_INPUTS_FILE = "test-inputs.f32"
TEST_LABELS_FILE = "test-labels.u8"
DEFAULT_DEADLINE_MS = 1000


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data-file",
        default=os.path.join(REPO_ROOT, seattle_weather.RELATIVE_PATH),
        help="path of seattle-weather.csv (default: %(default)s, installed by npm ci)",
    )
    parser.add_argument(
        "--out-dir",
        default=os.path.join(REPO_ROOT, "models"),
        help="folder that receives manifest.json, README.md and weather/ (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=2025, help="base seed of every random choice (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (default: %(default)s)")
    return parser.parse_args()


def to_tensors(split: seattle_weather.Split) -> tuple:
    return torch.from_numpy(split.features), torch.from_numpy(split.labels).long()


def package_version(data_file: str) -> str:
    """Return the version of the npm package that contains `data_file`, or "unknown" outside one."""
    manifest = os.path.join(os.path.dirname(os.path.dirname(data_file)), "package.json")
    try:
        with open(manifest, encoding="utf-8") as stream:
            return str(json.load(stream).get("version", "unknown"))
    except (OSError, ValueError):
        return "unknown"


def class_counts(labels: np.ndarray) -> str:
    counts = np.bincount(labels, minlength=len(seattle_weather.CLASS_NAMES))
    return ", ".join(f"{name} {count}" for name, count in zip(seattle_weather.CLASS_NAMES, counts))


def build_application(variants: list, sneakpeek, data: seattle_weather.SeattleWeather, version: str) -> dict:
    """Return the `ApplicationManifest` of the weather-condition application."""
    test = data.test
    split_text = "; ".join(
        f"{name} {', '.join(str(year) for year in years)} ({len(getattr(data, name).labels)} days: "
        f"{class_counts(getattr(data, name).labels)})"
        for name, years in seattle_weather.SPLIT_YEARS.items()
    )
    return {
        "id": APPLICATION_ID,
        "name": "Weather condition",
        "classes": list(seattle_weather.CLASS_NAMES),
        "input": {
            "name": onnx_export.INPUT_NAME,
            "shape": [-1, seattle_weather.FEATURES],
            "elementType": "float32",
            "preprocessing": {
                "description": (
                    f"{seattle_weather.FEATURES} float32 readings per day, day-major with the record's own day first: "
                    "element 4*d+r is reading r (precipitation mm, temp_max C, temp_min C, wind) of the day d days "
                    f"earlier, d = 0..{seattle_weather.WINDOW_DAYS - 1}; days before 2012-01-01 repeat 2012-01-01. "
                    "Raw readings, already floats; every model selects its window and standardises inside its graph"
                ),
                "scale": 1,
            },
        },
        "weight": 1,
        "defaultDeadlineMs": DEFAULT_DEADLINE_MS,
        "variants": [manifest_entry.variant_entry(trained, MAX_BATCH) for trained in variants],
        "sneakpeek": manifest_entry.sneakpeek_entry(sneakpeek),
        "testSet": manifest_entry.test_set_entry(
            APPLICATION_DIR,
            TEST_INPUTS_FILE,
            TEST_LABELS_FILE,
            len(test.labels),
            4 * seattle_weather.FEATURES,
            REFERENCE_COUNT,
            (
                f"Seattle daily weather {test.dates[0]} to {test.dates[-1]} ({len(test.labels)} days in calendar "
                f"order), float32 little-endian records of {seattle_weather.FEATURES} readings; NOAA data, "
                "U.S. Government Dataset, via the npm package vega-datasets."
            ),
        ),
        "recordedFile": f"{APPLICATION_DIR}/{outputs.RECORDED_FILE}",
        "dataset": {
            "name": "Seattle daily weather 2012-2015 (vega-datasets seattle-weather.csv)",
            "licence": (
                "U.S. Government Dataset (a U.S. government work, per the datapackage.json of vega-datasets); "
                "the vega-datasets package itself is BSD-3-Clause"
            ),
            "source": (
                f"npm package {seattle_weather.NPM_PACKAGE} {version} (devDependency), file "
                "data/seattle-weather.csv; original source: NOAA National Climatic Data Center, with the "
                "weather class synthesised from several NOAA fields by the vega-datasets scripts"
            ),
            "split": (
                f"calendar order by year, no shuffling: {split_text}. Window features reach back into the "
                "previous split's days (readings only, never labels)"
            ),
            "trainingCommand": f"{manifest_entry.TRAINING_COMMAND} -- --app {APPLICATION_ID}",
        },
    }


def write_test_files(models: list, data: seattle_weather.SeattleWeather, test_inputs: torch.Tensor, out_dir: str) -> None:
    application_dir = os.path.join(out_dir, APPLICATION_DIR)
    outputs.write_bytes(os.path.join(application_dir, TEST_INPUTS_FILE), data.test.features.astype("<f4").tobytes(order="C"))
    outputs.write_bytes(os.path.join(application_dir, TEST_LABELS_FILE), data.test.labels.astype(np.uint8).tobytes())
    outputs.write_predictions(models, application_dir)
    outputs.write_reference(models, test_inputs, application_dir, REFERENCE_COUNT)


def main() -> int:
    arguments = parse_arguments()
    started = time.perf_counter()
    torch.set_num_threads(arguments.threads)
    torch.use_deterministic_algorithms(True)
    training.seed_everything(arguments.seed)
    machine = training.describe_machine(arguments.threads)
    print(f"Training weather-condition models on {machine}.", flush=True)

    data = seattle_weather.load(arguments.data_file)
    version = package_version(arguments.data_file)
    train_set, validation_set, test_set = to_tensors(data.train), to_tensors(data.validation), to_tensors(data.test)
    # Per-feature standardisation constants come from the training split only and are baked into each graph.
    mean = train_set[0].mean(dim=0)
    std = train_set[0].std(dim=0)
    print(
        f"Read {len(data.train.labels)} training, {len(data.validation.labels)} validation and "
        f"{len(data.test.labels)} test days from {arguments.data_file} ({seattle_weather.NPM_PACKAGE} {version}).",
        flush=True,
    )

    family = training.Family(APPLICATION_DIR, len(seattle_weather.CLASS_NAMES), INPUT_SHAPE, MAX_BATCH)
    specs = [weather_models.SNEAKPEEK, *weather_models.VARIANTS]
    trained_models = training.train_family(
        specs, (mean, std), arguments.seed, (train_set, validation_set, test_set), family, arguments.out_dir
    )

    sneakpeek, variants = trained_models[0], trained_models[1:]
    write_test_files(trained_models, data, test_set[0], arguments.out_dir)
    application_dir = os.path.join(arguments.out_dir, APPLICATION_DIR)
    flips = outputs.write_recorded(
        APPLICATION_ID,
        [*variants, sneakpeek],
        sneakpeek,
        (validation_set[1], test_set[1]),
        application_dir,
        (data.validation.dates, data.test.dates),
    )
    manifest_path = os.path.join(arguments.out_dir, "manifest.json")
    application = build_application(variants, sneakpeek, data, version)
    outputs.write_text(manifest_path, manifest_entry.merge_into_manifest(manifest_path, application))
    wall_seconds = time.perf_counter() - started
    readme_path = os.path.join(arguments.out_dir, "README.md")
    section = weather_readme.render_section(
        variants, sneakpeek, data, version, machine, wall_seconds, MAX_BATCH,
        {"inputs": TEST_INPUTS_FILE, "labels": TEST_LABELS_FILE},
    )
    outputs.write_text(readme_path, readme.merge_section(readme_path, APPLICATION_ID, section))

    print()
    print(training.format_summary(trained_models, machine, seattle_weather.CLASS_NAMES, MAX_BATCH))
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
