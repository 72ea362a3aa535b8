"""The reference the predictor is measured against: pandas + scikit-learn scoring the same export.

Run by ``npm run bench:predictor`` (predictor/bench/bench-predictor.ts) with the file to score as
the argument and the vocabularies as JSON on standard input, so the categories are encoded from the
same lists as serving. Prints one JSON line: rows, seconds, rows per second, peak RSS.

The served model is ONNX; scikit-learn's own gradient boosting is the baseline's, so a classifier
of the served shape (train.py's HYPERPARAMETERS, read from the file) is fitted first on the
file's first rows. Fitting is not timed: the timed part is what a pandas user's scoring job does,
read the whole file, encode the features and call predict_proba. CPU time (all threads) is
reported beside the wall time, as the figure other load on the machine changes least.
"""

import ast
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier

TRAIN_PY = Path(__file__).resolve().parents[1] / "training" / "train.py"
FIT_ROWS = 20_000
DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"


def served_hyperparameters():
    """train.py's HYPERPARAMETERS, read without importing it (it needs onnx, the baseline does not)."""
    tree = ast.parse(TRAIN_PY.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "HYPERPARAMETERS" for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise SystemExit(f"{TRAIN_PY} defines no HYPERPARAMETERS")


def codes(values, vocabulary):
    """Code 1..n for known categories, 0 for unknown or empty, as incident-features.ts encodes them."""
    return values.map({value: index + 1 for index, value in enumerate(vocabulary)}).fillna(0).to_numpy()


def encode(frame, vocabularies):
    """The 14 features of predictor/features/incident-features.ts, in tensor order."""
    when = pd.to_datetime(frame["Date"], format=DATE_FORMAT, errors="coerce")
    latitude = pd.to_numeric(frame["Latitude"], errors="coerce")
    longitude = pd.to_numeric(frame["Longitude"], errors="coerce")
    has_coordinates = latitude.notna() | longitude.notna()
    columns = [
        codes(frame["Primary Type"], vocabularies["primaryTypes"]),
        codes(frame["Location Description"], vocabularies["locationDescriptions"]),
        codes(frame["FBI Code"], vocabularies["fbiCodes"]),
        frame["Domestic"].astype(str).str.strip().str.lower().eq("true").to_numpy(),
        when.dt.hour.to_numpy(),
        when.dt.dayofweek.to_numpy(),
        when.dt.month.to_numpy(),
        pd.to_numeric(frame["Beat"], errors="coerce").to_numpy(),
        pd.to_numeric(frame["District"], errors="coerce").fillna(-1).to_numpy(),
        pd.to_numeric(frame["Ward"], errors="coerce").fillna(-1).to_numpy(),
        pd.to_numeric(frame["Community Area"], errors="coerce").fillna(-1).to_numpy(),
        latitude.fillna(0).to_numpy(),
        longitude.fillna(0).to_numpy(),
        has_coordinates.to_numpy(),
    ]
    return np.column_stack(columns).astype(np.float32)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: pandas_baseline.py FILE < vocabularies.json")
    file = sys.argv[1]
    vocabularies = json.load(sys.stdin)
    columns = vocabularies["featureColumns"]

    sample = pd.read_csv(file, usecols=[*columns, "Arrest"], nrows=FIT_ROWS)
    model = GradientBoostingClassifier(**served_hyperparameters())
    model.fit(encode(sample, vocabularies), sample["Arrest"].astype(str).str.lower().eq("true"))

    started = time.perf_counter()
    cpu_started = time.process_time()
    frame = pd.read_csv(file, usecols=columns)
    probabilities = model.predict_proba(encode(frame, vocabularies))[:, 1]
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started

    rows = len(probabilities)
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": round(seconds, 3),
                "rowsPerSecond": round(rows / seconds),
                "cpuUsPerRow": cpu_seconds * 1e6 / rows,
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
