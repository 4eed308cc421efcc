"""Is an explanation signal or noise? Overlap of top tokens between resamples.

For each class, the top-``k`` tokens of the shipped explanation are compared
with the top-``k`` of every resample (a bootstrap refit for linear models, a
bootstrap of the explained texts for occlusion). An overlap near 1 means the
ranking a reviewer reads would come out the same with other data; near 0 means
it is an accident of this sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def top_k_overlap(reference: Sequence[str], other: Sequence[str], k: int) -> float | None:
    """Share of the reference's top ``k`` found in the other's top ``k`` (None when the reference is empty)."""
    ref = list(reference)[:k]
    if not ref:
        return None
    return len(set(ref) & set(list(other)[:k])) / len(ref)


def stability_summary(
    reference: Mapping[str, Sequence[str]], resamples: Sequence[Mapping[str, Sequence[str]]], k: int, sample_size: int
) -> dict[str, Any]:
    """Mean overlap per class over the resamples, their mean and the least stable class.

    ``sample_size`` (records per resample) is reported with the overlap: an
    overlap is only comparable between runs that resampled as many records.
    """
    per_class: dict[str, float] = {}
    for label, ranking in reference.items():
        overlaps = [top_k_overlap(ranking, resample.get(label, []), k) for resample in resamples]
        values = [o for o in overlaps if o is not None]
        if values:
            per_class[label] = round(sum(values) / len(values), 6)
    if not per_class:
        return {
            "top_k": k,
            "resamples": len(resamples),
            "sample_size": sample_size,
            "mean_overlap": None,
            "min_class_overlap": None,
        }
    least = min(per_class, key=lambda label: (per_class[label], label))
    return {
        "top_k": k,
        "resamples": len(resamples),
        "sample_size": sample_size,
        "mean_overlap": round(sum(per_class.values()) / len(per_class), 6),
        "min_class_overlap": per_class[least],
        "least_stable_class": least,
        "per_class": per_class,
    }
