"""The robustness audit (EU AI Act Art. 15(1), 15(4)): how much each perturbation changes the model's answers.

Every perturbation is compared with the clean test notes *paired*, note by note
(:mod:`vigil.evaluation.paired`): the same notes, once clean and once rewritten,
so the interval of the drop reflects only the notes whose answer changed. The
flip rate (answers that changed, right or wrong) gets a Wilson interval; a model
can keep its accuracy while changing many answers, and a reviewer should see that.
Drops are clean minus perturbed: positive is worse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from vigil.audit.intervals import wilson
from vigil.evaluation.paired import BETTER, NOISE, SAME, WORSE, paired_changes
from vigil.robustness.perturbations import Perturbation

Predict = Callable[[list[str]], Sequence[str]]
# Report keys: the paired module's metric names, without dots so a policy path can address them.
METRIC_KEYS = {"accuracy": "accuracy", "f1_macro": "f1_macro", "critical.f1_min": "critical_f1_min"}
READING = {WORSE: "drops", BETTER: "rises", NOISE: "within noise", SAME: "no change"}


def _negated(value: float) -> float:
    """``-value`` rounded, without the ``-0.0`` a reviewer would read as a (tiny) gain."""
    return round(-value, 4) + 0.0


def _metric_entry(change: Any) -> dict[str, Any]:
    return {
        "clean": change.base,
        "perturbed": change.head,
        "drop": _negated(change.change),
        "drop_ci_low": _negated(change.ci_high),
        "drop_ci_high": _negated(change.ci_low),
        "p_adjusted": change.p_adjusted,
        "reading": READING[change.verdict],
    }


def perturbation_entry(
    perturbation: Perturbation,
    texts: Sequence[str],
    perturbed: Sequence[str],
    y_true: Sequence[str],
    clean_pred: Sequence[str],
    perturbed_pred: Sequence[str],
    *,
    critical_classes: Sequence[str],
    resamples: int,
    confidence: float,
    seed: int,
) -> dict[str, Any]:
    """One perturbation's row of ``reports/robustness.json``."""
    flips = int(np.sum(np.asarray(clean_pred, dtype=object) != np.asarray(perturbed_pred, dtype=object)))
    low, high = wilson(flips, len(texts), confidence)
    changes = paired_changes(
        y_true,
        clean_pred,
        perturbed_pred,
        critical_classes=critical_classes,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )
    return {
        "description": perturbation.description,
        "preserves_meaning": perturbation.preserves_meaning,
        "texts_changed": sum(a != b for a, b in zip(texts, perturbed, strict=True)),
        "flips": flips,
        "flip_rate": round(flips / len(texts), 4) if texts else 0.0,
        "flip_rate_ci": [round(float(low), 4), round(float(high), 4)],
        "metrics": {METRIC_KEYS[c.metric]: _metric_entry(c) for c in changes},
    }


def _accuracy(y_true: Sequence[str], predicted: Sequence[str]) -> float | None:
    if not predicted:
        return None
    return round(float(np.mean(np.asarray(predicted, dtype=object) == np.asarray(y_true, dtype=object))), 4)


def summarise(entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The policy's view: the worst meaning-preserving perturbation by each measure."""
    kept = {name: e for name, e in entries.items() if e["preserves_meaning"]}

    def worst(read: Callable[[dict[str, Any]], float]) -> tuple[float | None, str | None]:
        if not kept:
            return None, None
        name = max(kept, key=lambda n: read(kept[n]))
        return read(kept[name]), name

    drop, worst_name = worst(lambda e: e["metrics"]["accuracy"]["drop"])
    return {
        "perturbations": len(entries),
        "meaning_preserving": len(kept),
        "worst_perturbation": worst_name,
        "max_accuracy_drop": drop,
        "max_accuracy_drop_ci_low": worst(lambda e: e["metrics"]["accuracy"]["drop_ci_low"])[0],
        "max_f1_macro_drop_ci_low": worst(lambda e: e["metrics"]["f1_macro"]["drop_ci_low"])[0],
        "max_flip_rate": worst(lambda e: e["flip_rate"])[0],
        "max_flip_rate_ci_low": worst(lambda e: e["flip_rate_ci"][0])[0],
        "significant_drops": sum(
            metric["reading"] == READING[WORSE] for e in kept.values() for metric in e["metrics"].values()
        ),
    }


def robustness_audit(
    predict: Predict,
    texts: Sequence[str],
    y_true: Sequence[str],
    perturbations: Sequence[Perturbation],
    *,
    critical_classes: Sequence[str] = (),
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    skipped: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Predict the clean and every perturbed test set; the report's ``perturbations`` and ``summary``.

    ``skipped`` names configured rewrites that were not run, with the reason (``not_run``).
    """
    texts = list(texts)
    clean_pred = list(predict(texts))
    entries: dict[str, dict[str, Any]] = {}
    for perturbation in tqdm(perturbations, desc="robustness", unit="perturbation"):
        perturbed = [perturbation.apply(text, seed, i) for i, text in enumerate(texts)]
        entries[perturbation.name] = perturbation_entry(
            perturbation,
            texts,
            perturbed,
            y_true,
            clean_pred,
            list(predict(perturbed)),
            critical_classes=critical_classes,
            resamples=resamples,
            confidence=confidence,
            seed=seed,
        )
    return {
        "n_test": len(texts),
        "confidence": confidence,
        "resamples": resamples,
        "clean_accuracy": _accuracy(y_true, clean_pred),
        "perturbations": entries,
        "not_run": dict(skipped or {}),
        "summary": summarise(entries),
    }
