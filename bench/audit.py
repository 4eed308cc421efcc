"""Fairness intervals: fairlearn's own bootstrap (``MetricFrame(n_boot=...)``) vs Vigil's audit.

Both sides get the same test predictions of the default model (the committed
``reports/predictions.parquet``, or a fresh one from ``dvc repro``), the same
groupings and the same number of resamples, and compute per-group accuracy,
macro-F1 and per-class one-vs-rest recall / precision / selection rate with
intervals. fairlearn resamples by rebuilding a MetricFrame per resample; Vigil
counts (resample, group, true, predicted) once with ``bincount``. Also prints
whether the two agree on the point estimates, and the shuffled-group false
positive rate of Vigil's significance flags.

    python bench/audit.py [--resamples 100] [--shuffles 20]   # several minutes: fairlearn is the slow side

Last line: ``speed-up: N.Nx`` (fairlearn seconds / Vigil seconds).
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

import numpy as np
import pandas as pd

from vigil.audit.fairness import CLASS_METRICS, FairnessConfig, audit_fairness
from vigil.evaluation.predictions import class_labels

PREDICTIONS = Path(__file__).resolve().parents[1] / "reports" / "predictions.parquet"
FEATURES = ["region", "language", "dealer_type"]


def _fairlearn_bootstrap(predictions: pd.DataFrame, labels: list[str], resamples: int) -> tuple[float, dict]:
    from fairlearn.metrics import MetricFrame, selection_rate
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    def ovr(metric, label, y_true, y_pred):
        return metric(np.asarray(y_true) == label, np.asarray(y_pred) == label)

    metrics = {"accuracy": accuracy_score, "f1_macro": functools.partial(f1_score, average="macro", zero_division=0)}
    for label in labels:
        metrics[f"recall|{label}"] = functools.partial(
            ovr, functools.partial(recall_score, zero_division=np.nan), label
        )
        metrics[f"precision|{label}"] = functools.partial(
            ovr, functools.partial(precision_score, zero_division=np.nan), label
        )
        metrics[f"selection_rate|{label}"] = functools.partial(ovr, selection_rate, label)
    started = time.perf_counter()
    points = {}
    for feature in FEATURES:
        frame = MetricFrame(
            metrics=metrics,
            y_true=predictions["y_true"],
            y_pred=predictions["y_pred"],
            sensitive_features=predictions[feature],
            n_boot=resamples,
            ci_quantiles=[0.025, 0.975],
            random_state=0,
        )
        points[feature] = frame.by_group
    return time.perf_counter() - started, points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--shuffles", type=int, default=20)
    args = parser.parse_args()
    predictions = pd.read_parquet(PREDICTIONS)
    labels = class_labels(predictions)
    config = FairnessConfig.from_params(
        {"intersections": "none", "bootstrap": {"resamples": args.resamples, "confidence": 0.95}}, FEATURES, seed=0
    )
    started = time.perf_counter()
    report = audit_fairness(predictions, labels, config, source=str(PREDICTIONS))
    vigil_seconds = time.perf_counter() - started
    fairlearn_seconds, points = _fairlearn_bootstrap(predictions, labels, args.resamples)

    worst = 0.0
    for feature, by_group in points.items():
        for group in report[feature]["groups"]:
            for metric in ("accuracy", "f1_macro"):
                worst = max(worst, abs(group[metric] - by_group.loc[group["group"], metric]))
            for label, scores in group["per_class"].items():
                for metric in CLASS_METRICS:
                    if scores[metric] is not None:
                        worst = max(worst, abs(scores[metric] - by_group.loc[group["group"], f"{metric}|{label}"]))

    flagged = {m: 0 for m in ("accuracy", "f1_macro")}
    rng = np.random.default_rng(1)
    for _ in range(args.shuffles):
        shuffled = predictions.copy()
        for feature in FEATURES:
            shuffled[feature] = rng.permutation(shuffled[feature].to_numpy())
        control = audit_fairness(shuffled, labels, config, source="shuffled")
        for metric in flagged:
            flagged[metric] += sum(control[f][metric]["significant"] for f in FEATURES)

    print(f"records: {len(predictions)}, groupings: {FEATURES}, resamples: {args.resamples}")
    print("| audit | seconds |")
    print("|---|---|")
    print(f"| fairlearn MetricFrame(n_boot) | {fairlearn_seconds:.2f} |")
    print(f"| vigil audit_fairness | {vigil_seconds:.2f} |")
    print(f"largest point-estimate difference: {worst:.2e}")
    for metric, count in flagged.items():
        tests = args.shuffles * len(FEATURES)
        print(f"shuffled groups, {metric}: {count}/{tests} gaps flagged significant ({count / tests:.1%}; nominal 5%)")
    print(f"speed-up: {fairlearn_seconds / vigil_seconds:.1f}x")


if __name__ == "__main__":
    main()
