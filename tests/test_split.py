import pandas as pd
import pytest

from vigil.data.split import stratified_split
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


def test_label_below_minimum_is_refused():
    with pytest.raises(VigilError, match="2 example"):
        stratified_split(_frame({"a": 10, "b": 2}), RATIOS, seed=1)
