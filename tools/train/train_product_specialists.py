"""Train the specialist product variants and write the specialist study family to models/study/.

Stages:
1. Read the shipped product entry of models/manifest.json with its recorded outputs, predictions and
   reference logits, and check the shipped ONNX files against their hashes.
2. Read Fashion-MNIST with the shipped models' split and check its labels against the recorded ones.
3. Train, evaluate, export and time every model of product_models.SPECIALISTS, each from its own seed.
4. Write the study manifest (shipped entries by relative path plus the specialists), the recorded
   outputs, predictions and reference logits of every model, and the generated part of the README.

The shipped files are only read. Run with Debian's interpreter, `/usr/bin/python3`, through
`npm run train -- --app product --study specialists`.
"""

import argparse
import os
import sys
import time

import torch

import fashion_mnist
import json_output
import manifest_entry
import outputs
import product_models
import specialists_readme
import study_family
import training

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APPLICATION_ID = "product"
APPLICATION_DIR = "product"
INPUT_SHAPE = (1, fashion_mnist.IMAGE_SIDE, fashion_mnist.IMAGE_SIDE)
# Specialist i trains from seed + SEED_OFFSET + i, apart from the shipped models' seed + 0 to seed + 3.
SEED_OFFSET = 10
# The generic variant whose cost is nearest to the specialists', for the recall differences.
BASELINE_ID = "product-cnn-small"
TRAINING_COMMAND = "npm run train -- --app product --study specialists"
STUDY_FILES = {
    "predictions": f"{APPLICATION_DIR}/{outputs.PREDICTIONS_FILE}",
    "reference": f"{APPLICATION_DIR}/{outputs.REFERENCE_FILE}",
    "recorded": f"{APPLICATION_DIR}/{outputs.RECORDED_FILE}",
}
COMMANDS = {
    "train the specialists and rewrite models/study/": TRAINING_COMMAND,
    "check every file of the family against its manifest and PyTorch": "npx vitest run test/models",
    "measure the family with onnxruntime-web's WASM backend in Node": (
        "npm run measure:node -- --manifest models/study/manifest.json --out models/profiles/study-node-wasm.json"
    ),
    "simulate the policies on the family": (
        "npm run sim -- --manifest models/study/manifest.json --profile models/profiles/study-node-wasm.json "
        "--apps product --workload control,shift --load 1,2,3 --seeds 1,2,3 --requests 2000 "
        "--policies sneakpeek,profiled,oracle,load-switching --out /tmp/sim-study"
    ),
}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data-dir",
        default=fashion_mnist.DEFAULT_DIR,
        help="folder with the four gzip-compressed Fashion-MNIST IDX files (default: %(default)s)",
    )
    parser.add_argument(
        "--models-dir",
        default=os.path.join(REPO_ROOT, "models"),
        help="folder of the shipped manifest.json and product/ files, read only (default: %(default)s)",
    )
    parser.add_argument(
        "--out-dir",
        default=os.path.join(REPO_ROOT, "models", "study"),
        help="folder that receives the study's manifest.json, README.md and product/ (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=2025,
        help="base seed; must be the one that split the shipped models' data (default: %(default)s)",
    )
    parser.add_argument(
        "--validation-per-class",
        type=int,
        default=600,
        help="training images per class held out for validation, as for the shipped models (default: %(default)s)",
    )
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (default: %(default)s)")
    return parser.parse_args()


def to_tensors(split: fashion_mnist.Split) -> tuple:
    """Return images as float32 [N, 1, 28, 28] in [0, 1] (raw byte / 255) and labels as int64."""
    images = torch.from_numpy(split.images).float().div_(255.0).unsqueeze(1)
    return images, torch.from_numpy(split.labels).long()


def write_family_files(shipped, specialists: list, test_images: torch.Tensor, application_dir: str) -> None:
    """Write the study's recorded outputs, test predictions and reference logits for every model."""
    reference_count = shipped.application["testSet"]["referenceCount"]
    new_logits = {}
    for trained in specialists:
        with torch.inference_mode():
            new_logits[trained.spec.id] = trained.model(test_images[:reference_count]).numpy()

    recorded = study_family.recorded_outputs(shipped, specialists)
    outputs.write_text(
        os.path.join(application_dir, outputs.RECORDED_FILE), json_output.format_recorded(recorded, outputs.RECORDED_DIGITS)
    )
    outputs.write_text(
        os.path.join(application_dir, outputs.PREDICTIONS_FILE),
        json_output.format_predictions(study_family.test_predictions(shipped, specialists)),
    )
    outputs.write_text(
        os.path.join(application_dir, outputs.REFERENCE_FILE),
        json_output.format_reference(study_family.reference_logits(shipped, specialists, new_logits)),
    )


def main() -> int:
    arguments = parse_arguments()
    started = time.perf_counter()
    torch.set_num_threads(arguments.threads)
    torch.use_deterministic_algorithms(True)
    training.seed_everything(arguments.seed)
    machine = training.describe_machine(arguments.threads)
    print(f"Training the product specialists on {machine}.", flush=True)

    shipped = study_family.read_shipped(arguments.models_dir, APPLICATION_ID)
    data = fashion_mnist.load(arguments.data_dir, arguments.validation_per_class, arguments.seed)
    study_family.check_labels(shipped, data.validation.labels, data.test.labels)
    train_set, validation_set, test_set = to_tensors(data.train), to_tensors(data.validation), to_tensors(data.test)
    mean = float(train_set[0].mean())
    std = float(train_set[0].std())

    max_batch = shipped.application["variants"][0]["maxBatch"]
    family = training.Family(APPLICATION_DIR, len(fashion_mnist.CLASS_NAMES), INPUT_SHAPE, max_batch)
    base_seed = arguments.seed + SEED_OFFSET
    specialists = training.train_family(
        product_models.SPECIALISTS, (mean, std), base_seed, (train_set, validation_set, test_set), family, arguments.out_dir
    )

    application_dir = os.path.join(arguments.out_dir, APPLICATION_DIR)
    write_family_files(shipped, specialists, test_set[0], application_dir)
    application = study_family.study_application(
        shipped,
        specialists,
        arguments.out_dir,
        STUDY_FILES,
        "Product recognition, specialist study family",
        f"npm run train -- --app product (shipped variants and SneakPeek model), then {TRAINING_COMMAND} (specialists)",
    )
    manifest_path = os.path.join(arguments.out_dir, "manifest.json")
    outputs.write_text(manifest_path, manifest_entry.merge_into_manifest(manifest_path, application))

    members = study_family.shipped_members(
        shipped, [product_models.SNEAKPEEK, *product_models.VARIANTS], INPUT_SHAPE, data.test.labels
    )
    sneakpeek_member = members.pop()
    members += [study_family.trained_member(trained, "specialist") for trained in specialists]
    members.append(sneakpeek_member)
    wall_seconds = time.perf_counter() - started
    readme_path = os.path.join(arguments.out_dir, "README.md")
    generated = specialists_readme.render(
        {
            "members": members,
            "specialists": specialists,
            "class_names": fashion_mnist.CLASS_NAMES,
            "groups": {
                "upper-body garments (T-shirt/top, Pullover, Dress, Coat, Shirt)": product_models.UPPER_BODY_CLASSES,
                "footwear, bags, trousers (Trouser, Sandal, Sneaker, Bag, Ankle boot)": product_models.SHOES_BAGS_CLASSES,
            },
            "baseline_id": BASELINE_ID,
            "other_weight": product_models.SPECIALIST_OTHER_WEIGHT,
            "seeds": {trained.spec.id: trained.seed for trained in specialists},
            "machine": machine,
            "wall_seconds": wall_seconds,
            "max_batch": max_batch,
            "commands": COMMANDS,
        }
    )
    outputs.write_text(readme_path, specialists_readme.merge_generated(readme_path, generated))

    print()
    print(training.format_summary(specialists, machine, fashion_mnist.CLASS_NAMES, max_batch))
    print(f"Wrote {manifest_path}, README.md and {APPLICATION_DIR}/ in {wall_seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (FileNotFoundError, ValueError) as error:
        # The error of a missing or invalid input file names the path and the fix.
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
