"""Render the weather-condition section of models/README.md from one training run."""

import numpy as np

import outputs
import readme
import seattle_weather


def _split_table(data) -> list:
    names = seattle_weather.CLASS_NAMES
    lines = [
        "| split | years | days | " + " | ".join(names) + " |",
        "|---|---|---:|" + "---:|" * len(names),
    ]
    for split, years in seattle_weather.SPLIT_YEARS.items():
        labels = getattr(data, split).labels
        counts = np.bincount(labels, minlength=len(names))
        lines.append(
            f"| {split} | {', '.join(str(year) for year in years)} | {len(labels)} | "
            + " | ".join(str(count) for count in counts)
            + " |"
        )
    return lines


def render_section(variants: list, sneakpeek, data, version: str, machine: str, wall_seconds: float, max_batch: int, files: dict) -> str:
    everything = [*variants, sneakpeek]
    names = seattle_weather.CLASS_NAMES
    features = seattle_weather.FEATURES
    # Column 3 is the record's own day's wind.
    wind = np.concatenate([getattr(data, split).features[:, 3] for split in seattle_weather.SPLIT_YEARS])
    lines = [
        "## Weather condition (`weather`)",
        "",
        "### Files",
        "",
        f"- `weather/<id>.onnx`: the {len(variants)} variants and the SneakPeek model (ONNX opset {variants[0].opset}, "
        f"input `input` float32 [N, {features}], output `logits` [N, {len(names)}]).",
        f"- `weather/{files['inputs']}`: the {len(data.test.labels)} test days as float32 little-endian records of "
        f"{features} values ({4 * features} bytes each), in calendar order; `weather/{files['labels']}`: their labels, one byte each.",
        f"- `weather/{outputs.PREDICTIONS_FILE}`, `weather/{outputs.REFERENCE_FILE}`, `weather/{outputs.RECORDED_FILE}`: "
        "as described above; the groups of `recorded.json` are the ISO dates of the records.",
        "",
        "### Data and licence",
        "",
        f"`data/seattle-weather.csv` of the npm package `{seattle_weather.NPM_PACKAGE}` {version}, a pinned devDependency",
        "that `npm ci` installs: one row per day in Seattle from 2012-01-01 to 2015-12-31 with precipitation (mm),",
        "maximum and minimum temperature (degrees Celsius), wind and a weather class. The package's",
        "`datapackage.json` names the NOAA National Climatic Data Center as the source, gives the licence",
        "of this table as \"U.S. Government Dataset\" (a U.S. government work), and says that the weather",
        "class was synthesised from several fields of the original data and that the table is meant for",
        "instruction. Its README and `datapackage.json` say that the BSD-3-Clause licence of",
        "vega-datasets covers the package's code only, that each dataset keeps the licence of its source,",
        "and that users should check that source's terms. The datapackage gives wind in km/h, but the values",
        f"({wind.min():.1f} to {wind.max():.1f}) look like m/s; the models only see them standardised.",
        "",
        "Classes, in output order: " + ", ".join(f"{index} {name}" for index, name in enumerate(names)) + ".",
        "",
        "### Features",
        "",
        f"Every model reads the same input: {features} float32 values per day, day-major with the record's own",
        f"day first. Element `4 * d + r` is reading `r` (0 precipitation, 1 temp_max, 2 temp_min, 3 wind) of",
        f"the day `d` days before the record's day, for d = 0 to {seattle_weather.WINDOW_DAYS - 1}. The readings are raw",
        "(`preprocessing.scale` is 1); each model keeps the leading `4 * days` values of its window and",
        "standardises them with the training split's per-feature mean and standard deviation inside its",
        "graph. Days before the first row (2012-01-01) do not exist, so their readings repeat the first row;",
        f"this edge padding touches only the first {seattle_weather.WINDOW_DAYS - 1} days of the training split. Validation and",
        "test windows reach back into the previous year's readings, never its labels.",
        "",
        "### Splits",
        "",
        "Calendar order by year, without shuffling, so the test split replays the days in their real",
        "order with the seasons. The example split \"train 2012-2013, validation 2014\" does not work here:",
        "2014 has no drizzle day, so drizzle's validation recall would be undefined and the runtime",
        "rejects a confusion matrix with an empty row. Validation is therefore 2013, which has every class.",
        "",
        *_split_table(data),
        "",
        "The labels drift between years: 2012 calls many dry days drizzle, and later years call them sun",
        "or fog. No model trained on 2012 recognises fog, so validation and test accuracy are bounded by",
        "that drift rather than by model capacity.",
        "",
        "### Models",
        "",
        "Trained with AdamW, a one-cycle learning-rate schedule and batches of 32, with fixed seeds.",
        "",
    ]
    for trained in everything:
        lines.append(
            f"- `{trained.spec.id}`: {trained.spec.description} {trained.spec.epochs} epochs, "
            f"peak learning rate {trained.spec.learning_rate:g}, weight decay {trained.spec.weight_decay:g}."
        )
    lines += [
        "",
        *readme.model_table(everything, names, "FLOPs per day", lambda flops: f"{flops:,}"),
        "",
        "FLOPs count 2 x the multiply-accumulates of the linear layers; slicing, standardisation and",
        "activations are left out. Class recall is measured on the validation split.",
        "",
        "More days of context cost more and do not raise accuracy on this table: the 3-day and 7-day",
        "variants are less accurate than the 1-day ones on validation and on test. The class was",
        "synthesised from each day's own NOAA fields, so earlier days probably add little signal and more",
        "room to fit the 2012 labelling. The variants differ per class instead (drizzle and sun in the",
        "tables below), which is what per-request accuracy estimates can use; the differences are modest.",
        "",
        *readme.footprint_paragraph(variants[0], max_batch),
        "",
        "Validation recall per class:",
        "",
        *readme.recall_table(everything, names),
        "",
        "Test recall per class (2014-2015):",
        "",
        *readme.recall_table(everything, names, "test"),
        "",
        *readme.calibration_lines(sneakpeek, "### SneakPeek calibration"),
        "",
        *readme.latency_lines(everything, machine, max_batch, "### Measured cost in PyTorch"),
        "",
        f"The last run of `tools/train/train_weather.py` took {wall_seconds:.0f} s on {machine}.",
    ]
    return readme.wrap_section("weather", lines)
