"""How much of a candidate label the notes explain: the evidence that tells a label from another category column.

A maintenance export has several columns of a few repeated values: the failure
mode, but also the order type, the priority, the plant. The label is the one the
note is *about*, so the notes predict it. A quick cross-validated classifier
(TF-IDF words, multinomial naive Bayes) on a sample measures that as balanced
accuracy adjusted for chance: 0 means the notes say nothing about the column, 1
that they determine it. It is evidence shown next to the guess, not a model.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import MultinomialNB

SAMPLE = 3_000
FOLDS = 3


def explained_by_text(texts: pd.Series, labels: pd.Series, seed: int = 0) -> float | None:
    """Chance-adjusted balanced accuracy of predicting ``labels`` from ``texts`` (None: too few rows to tell).

    Rows with a blank label are left out; classes with fewer rows than folds are
    left out too (they cannot be cross-validated), as a person would ignore them.
    """
    keep = labels.notna() & (labels.astype(str).str.strip() != "") & texts.notna()
    frame = pd.DataFrame({"text": texts[keep].astype(str), "label": labels[keep].astype(str)})
    counts = frame["label"].value_counts()
    frame = frame[frame["label"].isin(counts[counts >= FOLDS].index)]
    if frame["label"].nunique() < 2 or len(frame) < 4 * FOLDS:
        return None
    if len(frame) > SAMPLE:
        frame = frame.sample(n=SAMPLE, random_state=seed)
        counts = frame["label"].value_counts()
        frame = frame[frame["label"].isin(counts[counts >= FOLDS].index)]
        if frame["label"].nunique() < 2:
            return None
    features = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True).fit_transform(frame["text"])
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = cross_val_predict(MultinomialNB(alpha=0.1), features, frame["label"].to_numpy(), cv=folds)
    score = balanced_accuracy_score(frame["label"].to_numpy(), predicted, adjusted=True)
    return round(float(np.clip(score, 0.0, 1.0)), 3)
