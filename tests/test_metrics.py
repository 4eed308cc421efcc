import numpy as np
import pytest

from vigil.evaluation.calibration import expected_calibration_error, reliability_table
from vigil.evaluation.metrics import classification_metrics
from vigil.evaluation.plots import confusion_counts, precision_recall_points, safe_filename
from vigil.evaluation.predictions import predictions_table

LABELS = ["a", "b", "c"]


def test_metrics_match_hand_computed_values():
    y_true = ["a", "a", "b", "b", "c", "c"]
    y_pred = ["a", "b", "b", "b", "c", "a"]
    proba = np.array(
        [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.1, 0.4]]
    )
    m = classification_metrics(y_true, y_pred, proba, LABELS)
    assert m["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    # per class: a P=1/2 R=1/2, b P=2/3 R=1, c P=1 R=1/2
    assert m["per_class"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_class"]["b"]["f1"] == pytest.approx(0.8, abs=1e-4)
    assert m["per_class"]["c"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["f1_macro"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3, abs=1e-4)
    assert m["f1_micro"] == m["accuracy"]
    assert 0 < m["mcc"] < 1 and 0.5 < m["roc_auc_ovr"] <= 1 and 0 < m["pr_auc_macro"] <= 1


def test_class_missing_from_test_set_does_not_break_auc():
    proba = np.array([[0.9, 0.05, 0.05], [0.1, 0.85, 0.05]])
    m = classification_metrics(["a", "b"], ["a", "b"], proba, LABELS)
    assert m["roc_auc_ovr"] == 1.0 and m["per_class"]["c"]["support"] == 0


def test_plot_data_shapes():
    y_true, y_pred = ["a", "b", "c", "a"], ["a", "b", "a", "a"]
    proba = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.6, 0.1, 0.3], [0.7, 0.2, 0.1]])
    assert confusion_counts(y_true, y_pred, LABELS)["matrix"] == [[2, 0, 0], [0, 1, 0], [1, 0, 0]]
    curves = precision_recall_points(y_true, proba, LABELS)
    assert set(curves) == set(LABELS) and list(curves["a"].columns) == ["recall", "precision", "threshold"]
    assert safe_filename("Body / Paint") == "Body_Paint" and safe_filename("..") == "label"


def test_predictions_table_columns():
    import pandas as pd

    test = pd.DataFrame({"record_id": ["1", "2"], "text": ["x", "y"], "label": ["a", "b"], "region": ["n", "s"]})
    proba = np.array([[0.7, 0.2, 0.1], [0.2, 0.2, 0.6]])
    table = predictions_table(test, proba, LABELS, ["a", "b"], ["region"])
    assert list(table.columns) == [
        "record_id",
        "text",
        "y_true",
        "y_pred",
        "confidence",
        "proba__a",
        "proba__b",
        "proba__c",
        "region",
    ]
    # The decision (here a tuned one) need not be the arg-max; confidence is the chosen label's probability.
    assert table["y_pred"].tolist() == ["a", "b"] and table["confidence"].tolist() == [0.7, 0.2]


def test_critical_class_scores_and_unknown_critical_class():
    y_true = ["a", "a", "b", "b", "c", "c"]
    y_pred = ["a", "b", "b", "b", "c", "a"]
    proba = np.full((6, 3), 1 / 3)
    m = classification_metrics(y_true, y_pred, proba, LABELS, critical_classes=["a", "c"])
    assert m["critical"]["f1"] == {"a": 0.5, "c": pytest.approx(2 / 3, abs=1e-4)}
    assert m["critical"]["f1_min"] == 0.5 and m["critical"]["recall_min"] == 0.5
    # None declared: null scores that say why, so PERF-003 reads "not assessable", not a missing metric.
    undeclared = classification_metrics(y_true, y_pred, proba, LABELS)["critical"]
    assert (
        undeclared["recall_min"] is None and "critical_classes is empty" in undeclared["not_assessable"]["recall_min"]
    )
    # A critical class the model does not know (dropped at ingest as too rare): named, not measured, not a crash.
    partly = classification_metrics(y_true, y_pred, proba, LABELS, critical_classes=["a", "hvac"])["critical"]
    assert partly["recall_min"] == 0.5 and list(partly["not_measured"]) == ["hvac"] and "not_assessable" not in partly
    # ... and one with no test record has no recall (not a recall of 0).
    untested = classification_metrics(y_true[:4], y_pred[:4], proba[:4], LABELS, critical_classes=["a", "c"])
    assert untested["critical"]["recall_min"] == 0.5 and untested["critical"]["not_measured"] == {
        "c": "no record in the test split"
    }
    none = classification_metrics(y_true, y_pred, proba, LABELS, critical_classes=["hvac"])["critical"]
    assert none["recall_min"] is None and "'hvac'" in none["not_assessable"]["recall_min"]


def test_ece_is_zero_when_confidence_matches_accuracy_and_exact_otherwise():
    # 10 predictions at confidence 0.8, 8 right: perfectly calibrated bin.
    y_true = ["a"] * 10
    y_pred = ["a"] * 8 + ["b"] * 2
    assert expected_calibration_error(y_true, y_pred, np.full(10, 0.8), 10) == pytest.approx(0.0)
    # Two bins: 5 at 0.95 all right (gap 0.05), 5 at 0.55 with 1 right (gap 0.35) -> 0.5*0.05 + 0.5*0.35.
    y_pred = ["a"] * 5 + ["a"] + ["b"] * 4
    confidence = np.array([0.95] * 5 + [0.55] * 5)
    assert expected_calibration_error(y_true, y_pred, confidence, 10) == pytest.approx(0.2)
    table = reliability_table(y_true, y_pred, confidence, 10)
    assert table[["bin", "accuracy", "count"]].values.tolist() == [[5, 0.2, 5], [9, 1.0, 5]]


def test_metrics_report_calibration_of_the_decision():
    y_true = ["a", "b", "c", "a"]
    proba = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.6, 0.1, 0.3], [0.7, 0.2, 0.1]])
    m = classification_metrics(y_true, ["a", "b", "a", "a"], proba, LABELS, calibration_bins=10)
    # bins: 0.9 right, 0.8 right, 0.6 wrong, 0.7 right -> |0.9-1|+|0.8-1|+|0.6-0|+|0.7-1| over 4
    assert m["ece"] == pytest.approx((0.1 + 0.2 + 0.6 + 0.3) / 4, abs=1e-4)
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.3, 0.7])), abs=1e-4)


def test_headline_intervals_bracket_the_values_and_do_not_collapse_on_a_perfect_class():
    from vigil.evaluation.headline_intervals import DICE_WILSON, WILSON, headline_intervals

    rng = np.random.default_rng(3)
    labels = ["a", "b", "c"]
    truth = [labels[i % 3] for i in range(600)]
    pred = [t if rng.random() > 0.12 else labels[(labels.index(t) + 1) % 3] for t in truth]
    found = headline_intervals(truth, pred, labels, critical_classes=["a"], resamples=300)
    accuracy = sum(t == p for t, p in zip(truth, pred, strict=True)) / len(truth)
    assert found["accuracy"]["method"] == WILSON and found["accuracy"]["low"] < accuracy < found["accuracy"]["high"]
    assert 0.0 < found["f1_macro"]["high"] - found["f1_macro"]["low"] < 0.15
    # A small critical class predicted perfectly: every resample says 1.000; Wilson on the Dice form does not.
    small = ["rare"] * 12 + truth[:300]
    perfect = ["rare"] * 12 + pred[:300]
    rare = headline_intervals(small, perfect, ["rare", *labels], critical_classes=["rare"], resamples=300)
    assert rare["critical_f1_min"]["method"] == DICE_WILSON
    assert rare["critical_f1_min"]["low"] < 0.95 and rare["critical_f1_min"]["high"] == 1.0
    assert headline_intervals([], [], labels) == {"level": 0.95, "resamples": 1000}


def test_every_headline_metric_gets_an_interval_and_the_vectorised_metrics_equal_sklearn_on_bootstrap_rows():
    """The resampled MCC, ROC-AUC, PR-AUC and ECE are sklearn's on every row, ties from repeated notes included."""
    from sklearn.metrics import average_precision_score, matthews_corrcoef, roc_auc_score

    from vigil.audit.bootstrap import stratified_index
    from vigil.evaluation.headline_intervals import headline_intervals
    from vigil.evaluation.resampled import average_precision_rows, ece_rows, mcc_rows, roc_auc_rows

    rng = np.random.default_rng(5)
    labels = ["a", "b", "c"]
    truth = rng.integers(0, 3, 240)
    logits = rng.normal(size=(240, 3)) + 1.5 * np.eye(3)[truth]
    proba = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 2)  # rounded: many ties
    proba = proba / proba.sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    index = stratified_index(truth, 20, 3)
    for row in index[:6]:
        t, p, s = truth[row], pred[row], proba[row]
        assert mcc_rows(t[None], p[None], 3)[0] == pytest.approx(matthews_corrcoef(t, p))
        for c in range(3):
            assert roc_auc_rows(s[None, :, c], (t == c)[None])[0] == pytest.approx(roc_auc_score(t == c, s[:, c]))
            ap = average_precision_score(t == c, s[:, c])
            assert average_precision_rows(s[None, :, c], (t == c)[None])[0] == pytest.approx(ap)
        confidence = s[np.arange(len(p)), p]
        assert ece_rows((t == p)[None], confidence[None], 10)[0] == pytest.approx(
            expected_calibration_error([str(x) for x in t], [str(x) for x in p], confidence, 10)
        )
    names = [labels[i] for i in truth]
    intervals = headline_intervals(names, [labels[i] for i in pred], labels, proba=proba, resamples=300, seed=1)
    metrics = classification_metrics(names, [labels[i] for i in pred], proba, labels)
    for key in ("accuracy", "f1_macro", "f1_weighted", "mcc", "roc_auc_ovr", "pr_auc_macro", "ece", "log_loss"):
        assert intervals[key]["low"] < metrics[key] < intervals[key]["high"], key


def test_resample_metrics_computed_block_by_block_equal_the_all_at_once_values(monkeypatch):
    """Bounded memory for any test size (row blocks of the resample index) must not move an interval."""
    from vigil.audit import bootstrap
    from vigil.evaluation.headline_intervals import headline_intervals
    from vigil.evaluation.paired import paired_changes

    rng = np.random.default_rng(9)
    labels = ["a", "b", "c", "d"]
    truth = [labels[i] for i in rng.integers(0, 4, 300)]
    base = [t if rng.random() < 0.8 else labels[rng.integers(0, 4)] for t in truth]
    head = [t if rng.random() < 0.85 else labels[rng.integers(0, 4)] for t in truth]
    proba = rng.dirichlet(np.ones(4), size=300)

    def run():
        return (
            headline_intervals(truth, base, labels, critical_classes=["b"], proba=proba, resamples=250, seed=2),
            [c.as_dict() for c in paired_changes(truth, base, head, critical_classes=["b"], resamples=250, seed=2)],
        )

    whole = run()
    monkeypatch.setattr(bootstrap, "BLOCK_CELLS", 300 * 7)  # 7 resamples per block: 36 blocks, the last short
    assert bootstrap.block_rows(300) == 7
    assert run() == whole
