"""Read the Seattle daily weather table and build one feature vector per day.

The CSV (`data/seattle-weather.csv` of the npm package vega-datasets) has one row per day from
2012-01-01 to 2015-12-31 with the columns date, precipitation (mm), temp_max and temp_min
(degrees Celsius), wind and weather (the class). The package's datapackage.json gives wind in
km/h, but the values (0.4 to 9.5 in vega-datasets 3.2.1) look like m/s; the models only see them
standardised.

Feature layout, the same for every model: float32 [WINDOW_DAYS * 4], day-major with the most
recent day first. Element `4 * d + r` is reading `r` (0 precipitation, 1 temp_max, 2 temp_min,
3 wind) of the day `d` days before the record's day, so d = 0 is the record's own day. Days
before the first row of the file do not exist, so their readings repeat the first row (edge
padding). That affects only the first WINDOW_DAYS - 1 days of 2012.
"""

import csv
import datetime
import os
from dataclasses import dataclass

import numpy as np

NPM_PACKAGE = "vega-datasets"
RELATIVE_PATH = os.path.join("node_modules", NPM_PACKAGE, "data", "seattle-weather.csv")
CLASS_NAMES = ["drizzle", "rain", "sun", "snow", "fog"]
READINGS = ["precipitation", "temp_max", "temp_min", "wind"]
WINDOW_DAYS = 7
FEATURES = WINDOW_DAYS * len(READINGS)

# Calendar-order splits by year. 2014 has no drizzle day, so validation is 2013, which has
# every class: the runtime needs every class's validation recall.
SPLIT_YEARS = {"train": (2012,), "validation": (2013,), "test": (2014, 2015)}


@dataclass
class Split:
    """Features as float32 [N, FEATURES], labels as uint8 [N] and ISO dates, in calendar order."""

    features: np.ndarray
    labels: np.ndarray
    dates: list


@dataclass
class SeattleWeather:
    train: Split
    validation: Split
    test: Split
    path: str


def _parse_rows(path: str) -> tuple:
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Seattle weather table not found: {path}. Run `npm ci` in the repository root to install "
            f"the devDependency {NPM_PACKAGE}, or pass --data-file with the path of seattle-weather.csv."
        )
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        expected = ["date", *READINGS, "weather"]
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: the header is {reader.fieldnames}, expected {expected}; reinstall {NPM_PACKAGE}.")
        dates, readings, labels = [], [], []
        for line, row in enumerate(reader, start=2):
            try:
                day = datetime.date.fromisoformat(row["date"])
                values = [float(row[name]) for name in READINGS]
            except ValueError as error:
                raise ValueError(f"{path} line {line}: invalid date or reading ({error}); reinstall {NPM_PACKAGE}.") from error
            if row["weather"] not in CLASS_NAMES:
                raise ValueError(f"{path} line {line}: unknown weather {row['weather']!r}, expected one of {CLASS_NAMES}.")
            if dates and (day - dates[-1]).days != 1:
                raise ValueError(
                    f"{path} line {line}: {day} does not follow {dates[-1]}; the window features need "
                    "consecutive days, so reinstall the package or fill the gap."
                )
            dates.append(day)
            readings.append(values)
            labels.append(CLASS_NAMES.index(row["weather"]))
    if not dates:
        raise ValueError(f"{path} has no data rows; reinstall {NPM_PACKAGE}.")
    return dates, np.asarray(readings, dtype=np.float32), np.asarray(labels, dtype=np.uint8)


def window_features(readings: np.ndarray) -> np.ndarray:
    """Return the [days, FEATURES] window features of consecutive daily readings (see the module doc)."""
    features = np.empty((len(readings), FEATURES), dtype=np.float32)
    for days_back in range(WINDOW_DAYS):
        source = np.maximum(np.arange(len(readings)) - days_back, 0)
        features[:, days_back * len(READINGS) : (days_back + 1) * len(READINGS)] = readings[source]
    return features


def load(path: str) -> SeattleWeather:
    """Read the table and split it by year into train, validation and test, in calendar order."""
    dates, readings, labels = _parse_rows(path)
    features = window_features(readings)
    years = np.array([day.year for day in dates])

    splits = {}
    for name, split_years in SPLIT_YEARS.items():
        members = np.flatnonzero(np.isin(years, split_years))
        if members.size == 0:
            raise ValueError(f"{path} has no day in {split_years} for the {name} split.")
        splits[name] = Split(features[members], labels[members], [dates[index].isoformat() for index in members])

    missing = sorted(set(range(len(CLASS_NAMES))) - set(splits["validation"].labels.tolist()))
    if missing:
        raise ValueError(
            f"The validation years {SPLIT_YEARS['validation']} have no day of class "
            f"{[CLASS_NAMES[index] for index in missing]}, so its recall would be undefined; change SPLIT_YEARS."
        )
    return SeattleWeather(splits["train"], splits["validation"], splits["test"], path)
