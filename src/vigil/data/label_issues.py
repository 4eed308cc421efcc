"""Records whose label the rest of the data contradicts: label-noise candidates a reviewer should see.

Labels in maintenance exports are chosen in a hurry by the person closing the
order; some are wrong, and a wrong test label makes a right prediction count as
an error. cleanlab's ``find_label_issues`` (confident learning: Northcutt et
al., 2021) estimates which records are mislabelled from *out-of-fold*
probabilities, so no record is judged by a model that saw it. The probabilities
come from a small model of its own (word TF-IDF and a logistic regression,
fitted per fold on the scrubbed notes of every split), independent of the
configured model family, whose errors it would otherwise share. Counts only
leave this module: candidates, their share and the labels they were given.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline

from vigil.folds import RoundRobinFolds

FOLDS = 3
METHOD = (
    "cleanlab.filter.find_label_issues (prune by noise rate) on 3-fold out-of-fold probabilities of a word "
    "TF-IDF + logistic regression fitted on the scrubbed notes of every split"
)


def _out_of_fold_probabilities(texts: Sequence[str], codes: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=50_000, sublinear_tf=True),
        LogisticRegression(C=4.0, max_iter=300, random_state=seed),
    )
    with warnings.catch_warnings():  # a class absent from a fold's training part: its column is 0 there
        warnings.simplefilter("ignore")
        proba = cross_val_predict(model, list(texts), codes, cv=RoundRobinFolds(FOLDS), method="predict_proba")
    if proba.shape[1] < n_classes:  # cross_val_predict drops classes no fold trained on; put them back as 0
        full = np.zeros((len(codes), n_classes))
        full[:, np.unique(codes)] = proba
        proba = full
    return proba


def label_issues(texts: Sequence[str], labels: Sequence[str], seed: int = 0) -> dict[str, Any]:
    """How many records cleanlab flags as likely mislabelled, overall and per given label (counts only)."""
    from cleanlab.filter import find_label_issues

    names, codes = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    result: dict[str, Any] = {"method": METHOD, "records": len(codes)}
    if len(names) < 2 or len(codes) < 2 * FOLDS:
        reason = "not assessable: fewer than two labels or too few records for 3 folds"
        return {**result, "candidates": None, "share": None, "by_label": {}, "not_assessable": {"share": reason}}
    proba = _out_of_fold_probabilities(texts, codes, len(names), seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flagged = find_label_issues(codes, proba, filter_by="prune_by_noise_rate", n_jobs=1)
    by_label = np.bincount(codes[flagged], minlength=len(names))
    return {
        **result,
        "candidates": int(flagged.sum()),
        "share": round(float(flagged.mean()), 6),
        "by_label": {str(name): int(n) for name, n in zip(names, by_label, strict=True) if n},
    }
