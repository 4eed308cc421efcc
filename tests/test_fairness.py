"""Fairness audit: the built-in group gap is found, fair-by-construction groups are not flagged, edge cases hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from conftest import tfidf_params
from vigil.audit.bootstrap import stratified_index
from vigil.audit.counts import confusion_counts, group_metrics
from vigil.audit.error_analysis import error_analysis
from vigil.audit.fairness import FairnessConfig, audit_fairness
from vigil.audit.intervals import newcombe_difference, wilson
from vigil.audit.mitigation import MitigationOptions, reweighing_weights
from vigil.data.split import stratified_split
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.errors import VigilError
from vigil.evaluation.predictions import class_labels, predictions_table
from vigil.modeling.training import TrainingOptions, train_predictor

FEATURES = ["region", "language", "dealer_type"]


def _config(features=FEATURES, **overrides) -> FairnessConfig:
    settings = {"intersections": "pairs", "bootstrap": {"resamples": 300, "confidence": 0.95}} | overrides
    return FairnessConfig.from_params(settings, features, seed=7)


# The tests of the one model trained below run on one xdist worker, so it is trained once (17-20 s each time).
ON_THE_DEFAULT_MODEL = pytest.mark.xdist_group("fairness-default-model")


@pytest.fixture(scope="module")
def default_predictions() -> pd.DataFrame:
    """Test-split predictions of the default model on the default synthetic data (12,000 notes)."""
    frame, _ = generate(SyntheticConfig(seed=42))
    parts = stratified_split(frame, {"train": 0.7, "val": 0.15, "test": 0.15}, seed=42)
    train, val, test = parts["train"], parts["val"], parts["test"]
    result = train_predictor(
        tfidf_params(),
        TrainingOptions(),
        42,
        (train["text"].tolist(), train["label"].tolist()),
        (val["text"].tolist(), val["label"].tolist()),
    )
    proba = result.predictor.predict_proba(test["text"].tolist())
    return predictions_table(test, proba, result.predictor.classes_, result.predictor.decide(proba), FEATURES)


@pytest.mark.slow
@ON_THE_DEFAULT_MODEL
def test_the_built_in_workshop_quality_gap_is_found_with_an_interval_excluding_zero(default_predictions):
    report = audit_fairness(default_predictions, class_labels(default_predictions), _config(), source="predictions")
    for metric in ("accuracy", "f1_macro"):
        gap = report["dealer_type"][metric]
        assert gap["worst_group"] == "independent"  # the generator's noisiest notes and labels
        assert gap["max_gap_ci_low"] < gap["max_gap"] < gap["max_gap_ci_high"] and gap["max_gap"] > 0.04
    accuracy = report["dealer_type"]["accuracy"]
    assert accuracy["significant"] and accuracy["max_gap_ci_low"] > 0, accuracy  # Newcombe: 0.008 here
    # The macro-F1 gap's bootstrap interval on this down-sized test model touches zero (lower end -0.009 to
    # +0.002 over seeds 7/42 and 300/1000 resamples), so only its size is asserted; the pipeline's full
    # model establishes it (lower end 0.031, README "Fairness and explainability").
    assert report["summary"]["significant_gaps"] >= 2
    assert report["summary"]["max_f1_macro_gap"] >= report["dealer_type"]["f1_macro"]["max_gap"]


@pytest.mark.slow
@ON_THE_DEFAULT_MODEL
def test_the_policy_key_is_an_effect_size_that_more_records_do_not_inflate(default_predictions):
    """Four copies of the same predictions: the same gaps, narrower intervals.

    The significance count grows with the records alone; the largest established gap only
    closes in on the largest point gap, so a gap smaller than a threshold never crosses it.
    """
    config = _config(bootstrap={"resamples": 200, "confidence": 0.95})
    once = audit_fairness(default_predictions, class_labels(default_predictions), config, source="predictions")
    copies = pd.concat(
        [default_predictions.assign(record_id=default_predictions["record_id"] + f"~{i}") for i in range(4)]
    )
    four = audit_fairness(copies, class_labels(copies), config, source="predictions")
    assert four["summary"]["significant_gaps"] > once["summary"]["significant_gaps"]
    point_gaps = []
    for key in ("region", "language", "dealer_type", "language+dealer_type"):
        for metric in ("accuracy", "f1_macro"):
            a, b = once[key][metric], four[key][metric]
            assert a["max_gap"] == pytest.approx(b["max_gap"], abs=1e-6)
            assert a["max_gap_ci_low"] <= b["max_gap_ci_low"] + 0.005 and b["max_gap_ci_low"] <= b["max_gap"]
            point_gaps.append(b["max_gap"])
    low, where = four["summary"]["max_gap_ci_low"], four["summary"]["max_gap_ci_low_where"]
    metrics = ("accuracy", "f1_macro", "recall", "precision", "selection_rate")
    largest_point = max(four["summary"][f"max_{m}_gap"] for m in metrics)
    assert once["summary"]["max_gap_ci_low"] <= low < largest_point and max(point_gaps) <= largest_point
    assert where.split(": ")[0] in ("accuracy", "f1_macro", "recall", "precision", "selection_rate")


@pytest.mark.slow
@ON_THE_DEFAULT_MODEL
def test_shuffled_groups_show_no_significant_gap(default_predictions):
    """Control: permuting the group columns makes every group fair by construction.

    At 95% confidence a fair grouping is flagged about once in twenty tests, so a per-seed
    "never significant" fails by chance (the macro-F1 bootstrap flagged 1 of 12 seeds, lower end
    0.0015, once the default data changed). The rate is what is tested: 12 seeds x 2 metrics.
    """
    labels = class_labels(default_predictions)
    flagged = {"accuracy": 0, "f1_macro": 0}
    for seed in range(12):
        shuffled = default_predictions.copy()
        rng = np.random.default_rng(seed)
        for column in FEATURES:
            shuffled[column] = rng.permutation(shuffled[column].to_numpy())
        report = audit_fairness(shuffled, labels, _config(intersections="none"), source="shuffled")
        for metric in flagged:
            flagged[metric] += bool(report["dealer_type"][metric]["significant"])
    assert sum(flagged.values()) <= 3 and max(flagged.values()) <= 2, flagged  # 24 tests, about 1.2 expected


@pytest.mark.slow
@ON_THE_DEFAULT_MODEL
def test_error_analysis_names_confused_pairs_and_worst_cohorts(default_predictions):
    labels = class_labels(default_predictions)
    report = audit_fairness(default_predictions, labels, _config(), source="predictions")
    analysis = error_analysis(
        default_predictions["y_true"], default_predictions["y_pred"], labels, report, top_pairs=5, top_cohorts=5
    )
    errors = int((default_predictions["y_true"] != default_predictions["y_pred"]).sum())
    assert analysis["n_errors"] == errors
    counts = [p["count"] for p in analysis["confused_pairs"]]
    assert counts == sorted(counts, reverse=True)
    assert all(p["true"] != p["predicted"] for p in analysis["confused_pairs"])
    lows = [c["error_rate_ci_low"] for c in analysis["worst_cohorts"]]
    assert lows == sorted(lows, reverse=True) and len(lows) == 5
    assert all(c["support"] >= 10 for c in analysis["worst_cohorts"])


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region", "dealer_type", "y_true", "y_pred"])


def _block(n: int, region: str, dealer: str, accuracy: float, labels=("a", "b")) -> list[tuple[str, str, str, str]]:
    rows = []
    for i in range(n):
        truth = labels[i % len(labels)]
        wrong = "b" if truth == "a" else "a"
        rows.append((region, dealer, truth, truth if i < round(accuracy * n) else wrong))
    return rows


def test_group_under_minimum_support_is_listed_not_dropped():
    frame = _frame(_block(60, "north", "x", 0.9) + _block(50, "south", "x", 0.8) + _block(5, "west", "x", 0.0))
    report = audit_fairness(frame, ["a", "b"], _config(["region"], min_group_size=30), source="t")
    region = report["region"]
    assert region["insufficient_data"] == ["west"] and region["groups_compared"] == 2 and region["n_groups"] == 3
    west = next(g for g in region["groups"] if g["group"] == "west")
    assert west == {"group": "west", "support": 5, "status": "insufficient_data"}
    assert region["accuracy"]["worst_group"] == "south"  # west's 0 % never enters the comparison
    assert report["summary"]["insufficient_groups"] == 1


def test_a_perfect_small_group_gets_an_interval_that_does_not_collapse_to_a_point():
    """58 notes all right are not certainty: the bootstrap says [1, 1], Wilson on the group's accuracy does not."""
    frame = _frame(_block(58, "north", "x", 1.0) + _block(120, "south", "x", 0.85))
    report = audit_fairness(frame, ["a", "b"], _config(["region"]), source="t")
    north = next(g for g in report["region"]["groups"] if g["group"] == "north")
    assert north["f1_macro"] == 1.0 and north["f1_macro_ci_high"] == 1.0
    assert 0.85 < north["f1_macro_ci_low"] < 1.0
    assert north["accuracy_ci_low"] == north["f1_macro_ci_low"]  # for a perfect group the two coincide (Wilson)


def test_class_missing_from_a_group_has_no_recall_there():
    rows = _block(60, "north", "x", 0.9, labels=("a", "b")) + _block(60, "south", "x", 0.9, labels=("a",))
    report = audit_fairness(_frame(rows), ["a", "b"], _config(["region"], min_class_support=5), source="t")
    south = next(g for g in report["region"]["groups"] if g["group"] == "south")
    assert south["per_class"]["b"]["support"] == 0
    assert south["per_class"]["b"]["recall"] is None and south["per_class"]["b"]["recall_status"] == "insufficient_data"
    recall_b = report["region"]["per_class"]["b"]["recall"]
    assert recall_b["status"] == "single_group" and recall_b["max_gap"] is None
    assert report["region"]["per_class"]["a"]["recall"]["groups_compared"] == 2


def test_single_group_reports_no_gap_rather_than_zero():
    report = audit_fairness(_frame(_block(80, "north", "x", 0.9)), ["a", "b"], _config(["region"]), source="t")
    assert report["region"]["accuracy"] == {
        "status": "single_group",
        "groups_compared": 1,
        "max_gap": None,
        "min_ratio": None,
        "significant": False,
    }
    assert report["summary"]["max_accuracy_gap"] is None


def test_groups_too_small_to_compare_make_the_gaps_not_assessable_with_the_size_needed():
    """The own-data case: two asset groups of 13 and 6 test records. Not a failed audit: one that could not measure."""
    frame = _frame(_block(13, "pumps", "x", 0.9) + _block(6, "valves", "x", 0.5))
    report = audit_fairness(frame, ["a", "b"], _config(["region"], min_group_size=30), source="t")
    summary = report["summary"]
    assert summary["max_accuracy_gap"] is None and summary["max_accuracy_gap_ci_low"] is None
    reason = summary["not_assessable"]["max_accuracy_gap_ci_low"]
    assert reason.startswith("insufficient data: no grouping has two groups with at least 30 test records")
    assert "region: pumps 13, valves 6" in reason
    assert set(summary["not_assessable"]) >= {"max_f1_macro_gap_ci_low", "max_recall_gap_ci_low"}
    measured = audit_fairness(_frame(_block(60, "n", "x", 0.9) + _block(60, "s", "x", 0.8)), ["a", "b"],
                              _config(["region"]), source="t")  # fmt: skip
    assert "max_accuracy_gap_ci_low" not in measured["summary"].get("not_assessable", {})


def test_intersection_with_empty_cells_lists_them():
    rows = _block(40, "north", "x", 0.9) + _block(40, "north", "y", 0.9) + _block(40, "south", "x", 0.7)
    report = audit_fairness(_frame(rows), ["a", "b"], _config(["region", "dealer_type"]), source="t")
    cells = report["region+dealer_type"]
    assert cells["n_groups"] == 3 and cells["n_empty_cells"] == 1 and cells["empty_cells"] == ["south & y"]
    assert cells["accuracy"]["worst_group"] == "south & x"
    assert cells["accuracy"]["best_group"] in {"north & x", "north & y"}


def test_numeric_and_missing_group_values_become_groups():
    rng = np.random.default_rng(0)
    frame = _frame(_block(200, "north", "x", 0.9))
    frame["mileage"] = rng.integers(0, 200_000, len(frame)).astype(float)
    frame.loc[:9, "mileage"] = np.nan
    frame.loc[:4, "region"] = None
    report = audit_fairness(frame, ["a", "b"], _config(["region", "mileage"], min_group_size=5), source="t")
    assert {g["group"] for g in report["region"]["groups"]} == {"north", "(missing)"}
    assert report["mileage"]["binned"] == ["mileage"] and report["mileage"]["n_groups"] == 5  # 4 bins + missing


def test_missing_group_column_names_the_file_and_column():
    message = r"reports/predictions.parquet: missing sensitive-feature column\(s\) \['age'\]"
    with pytest.raises(VigilError, match=message):
        audit_fairness(
            _frame(_block(40, "n", "x", 0.9)), ["a", "b"], _config(["age"]), source="reports/predictions.parquet"
        )


def test_bad_audit_params_are_named():
    with pytest.raises(VigilError, match="audit.fairness.intersections"):
        _config(intersections="triples")
    with pytest.raises(VigilError, match="audit.fairness.bootstrap.confidence"):
        _config(bootstrap={"resamples": 200, "confidence": 1.5})


def test_count_based_metrics_match_scikit_learn():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 4, 500), rng.integers(0, 4, 500)
    correct = rng.random(500) < 0.5
    y_pred[correct] = y_true[correct]
    groups = rng.integers(0, 3, 500)
    counts = confusion_counts(groups, y_true, y_pred, 3, 4, np.arange(500)[None, :])
    metrics = group_metrics(counts[0])
    for g in range(3):
        member = groups == g
        assert metrics["f1_macro"][g] == pytest.approx(f1_score(y_true[member], y_pred[member], average="macro"))
        assert metrics["accuracy"][g] == pytest.approx((y_true[member] == y_pred[member]).mean())
        for k in range(4):
            assert metrics["recall"][g, k] == pytest.approx(recall_score(y_true[member] == k, y_pred[member] == k))
            assert metrics["precision"][g, k] == pytest.approx(
                precision_score(y_true[member] == k, y_pred[member] == k)
            )


def test_bootstrap_keeps_group_sizes_and_is_seeded():
    cells = np.array([0] * 5 + [1] * 3 + [2] * 7)
    index = stratified_index(cells, 50, seed=1)
    assert (index[0] == np.arange(15)).all()
    for row in index[1:]:
        assert np.bincount(cells[row], minlength=3).tolist() == [5, 3, 7]
    assert (stratified_index(cells, 50, seed=1) == index).all()
    assert index.dtype == np.int32  # the stages' largest array: half of int64's memory, the same indices


def test_score_intervals_match_published_values_and_hold_their_level():
    # Newcombe (1998), table II example: 56/70 vs 48/80 -> (0.0524, 0.3339).
    low, high = newcombe_difference(56, 70, 48, 80, 0.95)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    low, high = wilson(30, 30, 0.95)
    assert 0.88 < low < 0.89 and high == pytest.approx(1.0)  # an all-correct small group is not certain
    rng = np.random.default_rng(0)
    rejected = 0
    for _ in range(2000):  # equal groups: how often does the interval exclude zero?
        a, b = rng.binomial(400, 0.93), rng.binomial(300, 0.93)
        low, high = newcombe_difference(a, 400, b, 300, 0.95)
        rejected += low > 0 or high < 0
    assert rejected / 2000 < 0.07


def test_reweighing_makes_group_and_class_independent():
    rng = np.random.default_rng(0)
    groups = pd.DataFrame({"dealer_type": rng.choice(["x", "y"], 2000, p=[0.7, 0.3])})
    labels = np.where(
        groups["dealer_type"] == "x",
        rng.choice(["a", "b"], 2000, p=[0.8, 0.2]),
        rng.choice(["a", "b"], 2000, p=[0.3, 0.7]),
    )
    weights = reweighing_weights(groups, labels.tolist(), max_weight=100)
    assert weights.mean() == pytest.approx(1.0)
    table = pd.DataFrame({"g": groups["dealer_type"], "y": labels, "w": weights})
    joint = table.groupby(["g", "y"])["w"].sum() / weights.sum()
    p_group, p_label = table.groupby("g")["w"].sum() / weights.sum(), table.groupby("y")["w"].sum() / weights.sum()
    for (g, y), value in joint.items():
        assert value == pytest.approx(p_group[g] * p_label[y], rel=1e-9)
    clipped = reweighing_weights(groups, labels.tolist(), max_weight=1.5)
    assert clipped.max() / clipped.min() <= 1.5 * 1.5 + 1e-9


def test_mitigation_options_are_validated():
    assert MitigationOptions.from_params({"method": "none"}, FEATURES).enabled is False
    options = MitigationOptions.from_params({"method": "reweigh", "features": []}, FEATURES)
    assert options.features == tuple(FEATURES)
    with pytest.raises(VigilError, match="train.mitigation.method"):
        MitigationOptions.from_params({"method": "exponentiated_gradient"}, FEATURES)
    with pytest.raises(VigilError, match=r"\['age'\] are not in data.sensitive_features"):
        MitigationOptions.from_params({"method": "reweigh", "features": ["age"]}, FEATURES)


@ON_THE_DEFAULT_MODEL
def test_fairness_counts_computed_block_by_block_equal_the_all_at_once_report(default_predictions, monkeypatch):
    """Row blocks of the resample index bound the memory; the report is the same to the last digit."""
    from vigil.audit import bootstrap

    small = default_predictions.head(700)  # some groups fall under min_group_size: the re-indexed path runs too
    config = _config(bootstrap={"resamples": 120, "confidence": 0.95})
    whole = audit_fairness(small, class_labels(small), config, source="predictions")
    monkeypatch.setattr(bootstrap, "BLOCK_CELLS", 700 * 11)
    assert audit_fairness(small, class_labels(small), config, source="predictions") == whole
    assert any(
        block["insufficient_data"] for key, block in whole.items() if isinstance(block, dict) and "groups" in block
    )
