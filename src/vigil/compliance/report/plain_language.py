"""Intervals and changes in words a reviewer reads without a statistics course.

A table cell "[0.950, 0.969]" is exact and opaque; a reviewer deciding whether
to sign needs "likely between 95.0 % and 96.9 %" and, for a change, whether it
is real. Changes are in percentage points (0.003 -> "0.3 points"), the unit in
which people compare two accuracies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def points(value: float) -> str:
    """0.0034 -> '0.3 points' (percentage points, one decimal)."""
    return f"{abs(value) * 100:.1f} points"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def likely_range(low: float | None, high: float | None, level: float) -> str:
    """'likely between 95.0% and 96.9% on other notes like these (95% confidence)', or '' without an interval."""
    if low is None or high is None:
        return ""
    return f"likely between {percent(low)} and {percent(high)} on other notes like these ({level * 100:g}% confidence)"


def drop_in_words(drop: float, low: float, high: float, level: float) -> str:
    """A metric's change under a perturbation, and whether the data show it is real.

    ``drop`` is clean minus perturbed; ``[low, high]`` its paired interval.
    """
    if drop == 0 and low == 0 and high == 0:
        return "unchanged on every note"
    moved = "unchanged" if drop == 0 else f"{'fell' if drop > 0 else 'rose'} {points(drop)}"
    if low > 0:
        reading = f"a real fall of at least {points(low)}"
    elif high < 0:
        reading = f"a real rise of at least {points(high)}"
    else:
        reading = "too small to tell from no change"
    return f"{moved}; {level * 100:g}% range from {_bound(low)} to {_bound(high)}: {reading}"


def _bound(drop: float) -> str:
    if drop > 0:
        return f"a fall of {points(drop)}"
    return f"a rise of {points(drop)}" if drop < 0 else "no change"


def dropped_in_words(dropped: Mapping[str, int]) -> str:
    """What ingest removed and why, for the data section and the PR comment (``data.rare_labels: drop``).

    Said even when nothing was dropped: a reader cannot tell "none" from "not reported" otherwise.
    """
    if not dropped:
        return "No record was dropped at ingest."
    records = sum(int(n) for n in dropped.values())
    labels = ", ".join(f"'{label}' ({int(n)})" for label, n in sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0])))
    noun = "label" if len(dropped) == 1 else "labels"
    return (
        f"{records:,} record{'s' if records != 1 else ''} dropped at ingest (data.rare_labels: drop), "
        f"from {len(dropped)} {noun} with too few examples to split: {labels}."
    )


def unlabelled_in_words(unlabelled: Mapping[str, int]) -> str:
    """Records without a label set aside at ingest, by spelling ("" when there were none)."""
    if not unlabelled:
        return ""
    records = sum(int(n) for n in unlabelled.values())
    spellings = ", ".join(f"'{s}' ({int(n):,})" for s, n in sorted(unlabelled.items(), key=lambda kv: (-kv[1], kv[0])))
    return (
        f" {records:,} record{'s' if records != 1 else ''} without a label set aside (data.unlabelled_values: "
        f"{spellings}): neither trained nor tested on."
    )


def quarantined_in_words(count: int, named: Sequence[Mapping[str, Any]]) -> str:
    """Rows set aside for a wrong field count, where they are ("" when there were none); never their values."""
    if not count:
        return ""
    shown = ", ".join(f"row {q.get('row')} (line {q.get('line')})" for q in named[:MAX_NAMED_ROWS])
    more = f" and {count - min(len(named), MAX_NAMED_ROWS):,} more" if count > min(len(named), MAX_NAMED_ROWS) else ""
    return (
        f" {count:,} row{'s' if count != 1 else ''} set aside because the field count differs from the header's "
        f"(data.bad_rows: quarantine): {shown}{more}."
    )


MAX_NAMED_ROWS = 5


def removed_at_ingest_in_words(dropped: Mapping[str, Any]) -> str:
    """Everything ingest removed: rare labels (always said), unlabelled and quarantined records (when any)."""
    return (
        dropped_in_words(dropped.get("rare_labels") or {})
        + unlabelled_in_words(dropped.get("unlabelled") or {})
        + quarantined_in_words(int(dropped.get("quarantined_rows") or 0), dropped.get("quarantined") or [])
    )


def split_in_words(split: Mapping[str, Any]) -> str:
    """How the split kept copies of a note together, and the independent leakage count (PDF and PR comment)."""
    duplicates, leakage = split.get("duplicates") or {}, split.get("leakage") or {}
    if not duplicates or not leakage:
        return "The split report does not say whether copies of a note were kept together."
    repeated = int(duplicates.get("records_in_repeated_groups") or 0)
    kept = (
        f"{repeated:,} records are copies of {int(duplicates.get('repeated_groups') or 0):,} repeated notes "
        "(after normalising case, accents, punctuation and spacing), each kept in one split"
        if repeated
        else "No note repeats (after normalising case, accents, punctuation and spacing)"
    )
    test, val = int(leakage.get("test_records_in_train") or 0), int(leakage.get("val_records_in_train") or 0)
    leaked = (
        "no test or validation note is also a training note (an independent count)"
        if test == 0 and val == 0
        else f"{test:,} test and {val:,} validation notes are also training notes (an independent count): "
        "their scores are measured partly on memorised notes"
    )
    missing = split.get("labels_missing") or {}
    untested = ", ".join(f"'{label}'" for label in missing.get("test") or [])
    absent = f" Not in the test split, so not measured: {untested}." if untested else ""
    return f"{kept}; {leaked}.{absent}"


def data_quality_in_words(quality: Mapping[str, Any], split: Mapping[str, Any]) -> str:
    """Label-noise candidates, conflicting copies and very short notes: what a reviewer checks in the data."""
    issues = split.get("label_issues") or {}
    parts = []
    if issues.get("candidates") is not None:
        worst = sorted((issues.get("by_label") or {}).items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        most = ", ".join(f"'{label}' ({n:,})" for label, n in worst)
        parts.append(
            f"{int(issues['candidates']):,} of {int(issues.get('records') or 0):,} records "
            f"({percent(float(issues.get('share') or 0.0))}) are label-noise candidates (cleanlab, on out-of-fold "
            f"probabilities of a model of their own)" + (f", most given {most}" if most else "")
        )
    elif issues:
        parts.append("label-noise candidates could not be searched (too few records or labels)")
    conflicting = (quality.get("duplicates") or {}).get("texts_with_conflicting_labels")
    if conflicting is not None:
        parts.append(
            f"{int(conflicting):,} {'note carries' if int(conflicting) == 1 else 'notes carry'} two different labels "
            "in their copies"
        )
    short = quality.get("short_notes")
    if short is not None:
        parts.append(f"{int(short):,} {'note has' if int(short) == 1 else 'notes have'} at most two words")
    return ("Data quality: " + "; ".join(parts) + ".") if parts else ""


MAX_NAMED_SMALL_GROUPS = 8


def established_gap_in_words(summary: Mapping[str, Any]) -> str:
    """The largest gap the data establish in any metric, as an effect size (what FAIR-004 reads).

    A size, not a count of significant gaps: "at least 0.031" means the same on
    a small test split as on a large one, where nearly every gap is significant.
    """
    low = summary.get("max_gap_ci_low")
    if low is None:
        return "Largest established gap in any metric: not assessable."
    if low <= 0:
        return "Largest established gap in any metric: none (every gap's interval reaches zero)."
    return f"Largest established gap in any metric: at least {float(low):.3f} ({summary.get('max_gap_ci_low_where')})."


def small_groups_in_words(fairness: Mapping[str, Any]) -> str:
    """The groups too small to compare, with their sizes and the size needed, smallest first.

    A group below ``min_group_size`` has an interval too wide to support any finding, so it is
    neither a pass nor a failure: it is insufficient data, and the reader needs to know which
    groups, how far short they are, and how many records would make them assessable.
    """
    need = (fairness.get("config") or {}).get("min_group_size")
    small = [
        (int(group.get("support") or 0), f"{name} '{group.get('group')}' ({int(group.get('support') or 0)})")
        for name, section in fairness.items()
        if isinstance(section, Mapping) and "groups" in section
        for group in section.get("groups") or []
        if group.get("status") == "insufficient_data"
    ]
    if not small:
        return "Every group had enough test records to compare."
    small.sort(key=lambda item: item[0])
    named = ", ".join(text for _, text in small[:MAX_NAMED_SMALL_GROUPS])
    more = f" and {len(small) - MAX_NAMED_SMALL_GROUPS} more" if len(small) > MAX_NAMED_SMALL_GROUPS else ""
    noun = "group has" if len(small) == 1 else "groups have"
    return (
        f"Insufficient data, not compared: {len(small)} {noun} fewer than the {need} test records a comparison "
        f"needs: {named}{more}."
    )
