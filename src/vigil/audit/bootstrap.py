"""Seeded, stratified bootstrap: which records each resample draws.

Resampling happens *within* each cell of the finest grouping, so group sizes are
the same in every resample: the intervals describe how much a group's metric
would move with other records of the same group, which is the question a gap
between two groups raises. Row 0 is the identity (the point estimate), so point
estimates and intervals come from one computation.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np

# Resample x record cells per block when a metric is computed over the index matrix: each int64
# intermediate of a block is about 16 MB, whatever the size of the test split. Computing all 1,001
# rows at once made the evaluation and fairness stages' memory grow with resamples x notes.
BLOCK_CELLS = 2_000_000


def stratified_index(cells: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Index matrix ``(1 + resamples, N)``: row 0 is ``arange(N)``, the rest resample within cells.

    The matrix is the largest array of the evaluation and fairness stages (1,001 x N), so it
    is int32 whenever N allows: half the memory of int64, the same indices, the same draws.
    """
    n = len(cells)
    rng = np.random.default_rng(seed)
    index = np.empty((1 + resamples, n), dtype=np.int32 if n < np.iinfo(np.int32).max else np.int64)
    index[0] = np.arange(n)
    order = np.argsort(cells, kind="stable")
    boundaries = np.flatnonzero(np.diff(cells[order])) + 1
    start = 0
    for members in np.split(order, boundaries):
        size = len(members)
        index[1:, start : start + size] = members[rng.integers(0, size, size=(resamples, size))]
        start += size
    return index


def draw_every_class(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """About ``size`` row indices drawn with replacement within each class, every class at least once.

    A uniform draw of training rows can miss a class with one or two rows; a
    refit on it then has fewer classes than the model it is compared with (and
    a warm start from the model's coefficients fails outright). Drawing per class
    in proportion, with at least one row each, keeps every class in every
    resample and the class mix of the training split.
    """
    classes, inverse = np.unique(labels, return_inverse=True)
    n = len(labels)
    drawn = []
    for code in range(len(classes)):
        members = np.flatnonzero(inverse == code)
        count = max(1, round(size * len(members) / n))
        drawn.append(members[rng.integers(0, len(members), count)])
    return np.sort(np.concatenate(drawn)) if drawn else np.empty(0, dtype=np.int64)


def block_rows(n_columns: int) -> int:
    """Rows (resamples) per block for matrices ``n_columns`` wide."""
    return max(1, BLOCK_CELLS // max(n_columns, 1))


def row_blocks(index: np.ndarray) -> Iterator[np.ndarray]:
    """The index matrix in blocks of whole rows: every per-resample metric is computed block by block.

    Each resample's metric depends on its own row only, so concatenating the
    blocks' results gives exactly the all-at-once values.
    """
    rows = block_rows(index.shape[1])
    for start in range(0, index.shape[0], rows):
        yield index[start : start + rows]


def percentile_interval(samples: np.ndarray, confidence: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided percentile interval over ``axis``, ignoring NaN resamples (undefined metrics)."""
    tail = (1.0 - confidence) / 2.0 * 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: the interval is undefined too
        low = np.nanpercentile(samples, tail, axis=axis)
        high = np.nanpercentile(samples, 100.0 - tail, axis=axis)
    return low, high
