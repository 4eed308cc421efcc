"""Cross-validation folds for data with classes smaller than the fold count.

Real exports have labels with one or two training notes. scikit-learn's
StratifiedKFold refuses them ("n_splits cannot be greater than the number of
members in each class"), and so does every tool built on it: the SVM's
calibration, and the out-of-fold probabilities the label-issue search needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


class RoundRobinFolds:
    """Folds that deal each class's examples in turn, so a class with one training note is in one fold only.

    StratifiedKFold refuses a class with fewer examples than folds; real exports have such classes (a label
    with 3 records leaves 1 training note). Here such a note is out-of-fold once, like every other, and the
    SVM of that fold has not seen its class: its calibrated probability is then low, as it should be for a
    class learnt from one note. Deterministic (no shuffle), and the same partition as a stratified split.
    """

    def __init__(self, folds: int) -> None:
        # Not named n_splits: scikit-learn reads that attribute to refuse a class with fewer examples than folds,
        # the very case these folds are for.
        self.folds = folds

    def get_n_splits(self, *_: object, **__: object) -> int:
        return self.folds

    def split(self, X: object, y: Sequence[str], groups: object = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:  # noqa: N803
        labels = np.asarray(y)
        fold = np.empty(len(labels), dtype=int)
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            fold[members] = np.arange(len(members)) % self.folds
        for k in range(self.folds):
            yield np.flatnonzero(fold != k), np.flatnonzero(fold == k)
