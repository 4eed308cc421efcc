import numpy as np
import pandas as pd
import pytest

from vigil.data.duplicate_groups import group_keys
from vigil.data.leakage import split_leakage
from vigil.data.split import split_records, stratified_split
from vigil.errors import VigilError

RATIOS = {"train": 0.7, "val": 0.15, "test": 0.15}


def _frame(counts: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{label}-{i}", f"text {label} {i}", label) for label, n in counts.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["record_id", "text", "label"])


def test_partition_is_disjoint_complete_and_stratified():
    frame = _frame({"a": 700, "b": 200, "c": 100})
    parts = stratified_split(frame, RATIOS, seed=1)
    ids = [set(p["record_id"]) for p in parts.values()]
    assert sum(map(len, ids)) == len(frame) and set.union(*ids) == set(frame["record_id"])
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    for label, n in {"a": 700, "b": 200, "c": 100}.items():
        assert (parts["test"]["label"] == label).sum() == round(n * 0.15)
        assert (parts["val"]["label"] == label).sum() == round(n * 0.15)


def test_every_label_reaches_every_split_from_three_examples():
    parts = stratified_split(_frame({"big": 50, "tiny": 3, "small": 4}), RATIOS, seed=1)
    for part in parts.values():
        assert {"big", "tiny", "small"} <= set(part["label"])


def test_deterministic_per_seed_and_independent_of_row_order():
    frame = _frame({"a": 80, "b": 40})
    first = stratified_split(frame, RATIOS, seed=5)
    shuffled = stratified_split(frame.sample(frac=1.0, random_state=0), RATIOS, seed=5)
    assert all(first[k]["record_id"].tolist() == shuffled[k]["record_id"].tolist() for k in first)
    other = stratified_split(frame, RATIOS, seed=6)
    assert first["test"]["record_id"].tolist() != other["test"]["record_id"].tolist()


@pytest.mark.parametrize(
    "ratios",
    [{"train": 0.8, "val": 0.1}, {"train": 0.8, "val": 0.1, "test": 0.2}, {"train": 1.0, "val": 0.0, "test": 0.0}],
)
def test_bad_ratios_are_refused(ratios):
    with pytest.raises(VigilError, match="split ratios"):
        stratified_split(_frame({"a": 10}), ratios, seed=1)


def test_copies_of_a_note_never_span_two_splits():
    """Repeated notes (any case, spacing, punctuation, accents) land in one split; the leakage count is 0.

    The pattern from a real export: a quarter of the rows are copies of other rows, under their own ids.
    """
    rng = np.random.default_rng(3)
    frame = _frame({"a": 400, "b": 150, "c": 50})
    copies = frame.sample(n=150, random_state=4)
    variants = [
        lambda t: t.upper(),
        lambda t: f"  {t}. ",
        lambda t: t.replace(" ", "  ") + "!",
        lambda t: t.replace("text", "téxt"),
    ]
    copies = copies.assign(
        record_id=[f"copy-{i}" for i in range(len(copies))],
        text=[variants[rng.integers(len(variants))](t) for t in copies["text"]],
    )
    template = pd.DataFrame(  # a template pasted on 30 work orders of one label
        {"record_id": [f"tpl-{i}" for i in range(30)], "text": ["NO DEFECT FOUND"] * 30, "label": ["a"] * 30}
    )
    data = pd.concat([frame, copies, template], ignore_index=True)
    parts = stratified_split(data, RATIOS, seed=1)
    where = {rid: name for name, part in parts.items() for rid in part["record_id"]}
    keys = dict(zip(data["record_id"], group_keys(data["text"]), strict=True))
    by_group: dict[int, set[str]] = {}
    for rid, key in keys.items():
        by_group.setdefault(key, set()).add(where[rid])
    assert all(len(splits) == 1 for splits in by_group.values())
    assert sum(len(p) for p in parts.values()) == len(data)
    leakage = split_leakage(parts)
    assert leakage["test_records_in_train"] == 0 and leakage["val_records_in_train"] == 0
    # Still stratified: every label in every split, and shares near the ratios.
    for part, ratio in ((parts["test"], 0.15), (parts["val"], 0.15)):
        assert set(part["label"]) == {"a", "b", "c"}
        assert abs(len(part) / len(data) - ratio) < 0.04


def test_the_leakage_count_is_independent_of_the_grouping():
    """An ungrouped split of the same data (rows drawn alone) is caught by the count, exactly and by words."""
    frame = _frame({"a": 100})
    leaked = {
        "train": frame.iloc[:80],
        "val": frame.iloc[80:90],
        "test": pd.concat([frame.iloc[90:], frame.iloc[:3].assign(text=lambda f: f["text"].str.upper() + ".")]),
    }
    counts = split_leakage(leaked)
    assert counts["test_records_in_train"] == 3 and counts["test_records_in_train_exact"] == 0
    assert counts["val_records_in_train"] == 0


def test_a_label_whose_notes_are_all_one_note_stays_in_train():
    """Three copies of one note cannot reach every split without leaking: train keeps them, the rest is split."""
    frame = pd.concat(
        [_frame({"a": 60}), pd.DataFrame({"record_id": ["x1", "x2", "x3"], "text": ["same"] * 3, "label": ["x"] * 3})]
    )
    parts = stratified_split(frame, RATIOS, seed=1)
    assert set(parts["train"].query("label == 'x'")["record_id"]) == {"x1", "x2", "x3"}
    two = pd.concat([_frame({"a": 60}), pd.DataFrame({"record_id": ["y1", "y2"], "text": ["p", "q"], "label": "y"})])
    parts = stratified_split(two, RATIOS, seed=1)
    assert (parts["train"]["label"] == "y").sum() == 1 and (parts["test"]["label"] == "y").sum() == 1


def test_by_time_the_test_split_is_the_most_recent_notes_and_copies_stay_together():
    """split.order: time: test after validation after train in time; a copy sits at its first copy's date."""
    frame = _frame({"a": 60, "b": 40}).assign(
        created_at=pd.date_range("2024-01-01", periods=100, freq="D").to_numpy()[
            np.random.default_rng(1).permutation(100)
        ]
    )
    late_copy = (
        frame.sort_values("created_at").iloc[[0]].assign(record_id="copy", created_at=pd.Timestamp("2025-01-01"))
    )
    undated = frame.iloc[[0]].assign(record_id="undated", text="never dated", created_at=pd.NaT)
    parts = split_records(pd.concat([frame, late_copy, undated]), RATIOS, seed=1, order="time")
    train = parts["train"].query("record_id != 'copy'")  # the late copy sits with its first copy, in train
    assert train["created_at"].max() < parts["val"]["created_at"].min()
    assert parts["val"]["created_at"].max() < parts["test"]["created_at"].min()
    assert len(parts["test"]) == 15 and len(parts["val"]) == 15
    assert {"copy", "undated"} <= set(parts["train"]["record_id"])  # with its first copy; no date: train
    assert split_leakage(parts)["test_records_in_train"] == 0
    with pytest.raises(VigilError, match="split.order must be one of"):
        split_records(frame, RATIOS, seed=1, order="newest")
    with pytest.raises(VigilError, match="needs a date column"):
        split_records(frame.drop(columns="created_at"), RATIOS, seed=1, order="time")
