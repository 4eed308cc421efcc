"""Explanations: exact for linear models, occlusion for the rest, with the sample and stability a reviewer needs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO_ROOT, tfidf_params
from vigil.audit.explain import ExplainConfig, explain, select_local_examples
from vigil.audit.linear_attribution import LinearExplainer
from vigil.audit.occlusion import occluded_variants, occlusion_attributions
from vigil.audit.stability import stability_summary, top_k_overlap
from vigil.audit.tokens import normalise, words
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.evaluation.predictions import predictions_table
from vigil.modeling import Predictor, build_model

CONFIG = ExplainConfig(local_random=4, confident_errors_per_class=1, stability_resamples=2, global_sample=60, seed=3)


@pytest.fixture(scope="module")
def corpus():
    frame, _ = generate(SyntheticConfig(n_records=1500, seed=11))
    return frame.iloc[:1200].reset_index(drop=True), frame.iloc[1200:].reset_index(drop=True)


def _svm_params() -> dict:
    config = yaml.safe_load((REPO_ROOT / "params" / "model" / "tfidf_svm.yaml").read_text())
    config["params"].update({"char_ngram_range": [2, 4], "max_features": 20000})
    return config


@pytest.fixture(scope="module", params=["tfidf_logreg", "tfidf_svm"])
def linear_model(request, corpus):
    train, _ = corpus
    params = tfidf_params() if request.param == "tfidf_logreg" else _svm_params()
    return build_model(params, seed=0).fit(train["text"].tolist(), train["label"].tolist())


def _predictions(predictor: Predictor, test: pd.DataFrame) -> pd.DataFrame:
    proba = predictor.predict_proba(test["text"].tolist())
    return predictions_table(test, proba, predictor.classes_, predictor.decide(proba), ["dealer_type"])


def test_linear_word_weights_add_up_to_the_class_score(linear_model, corpus):
    _, test = corpus
    explainer = LinearExplainer(linear_model)
    texts = test["text"].tolist()[:25] + ["", "brake", "Freio dianteiro ruído/ vibração, P/N 123-ABC; v4.2.17"]
    # Independent path: the fitted estimator's own decision function.
    scores = linear_model._linear_estimator().decision_function(linear_model.features(texts)) - explainer.intercept
    for row, text in enumerate(texts):
        classes = list(range(len(linear_model.classes_)))
        attribution = explainer.attribute(text, classes)
        assert attribution.words == words(text)
        for k in classes:
            assert attribution.weights[k].sum() == pytest.approx(scores[row, k], abs=1e-9)
            assert abs(attribution.residual[k]) < 1e-9


def test_linear_report_has_global_local_and_stability(linear_model, corpus):
    train, test = corpus
    predictions = _predictions(Predictor(linear_model), test)
    report = explain(Predictor(linear_model), predictions, (train["text"], train["label"], None), CONFIG)
    json.dumps(report, allow_nan=False)
    assert report["method"]["local"] == "exact linear attribution" and report["local_residual_max"] < 1e-9
    assert set(report["global"]) == set(linear_model.classes_)
    for ranking in report["global"].values():
        positive = [t["weight"] for t in ranking["positive"]]
        assert positive == sorted(positive, reverse=True) and all(w > 0 for w in positive)
        assert all(t["weight"] < 0 for t in ranking["negative"])
    assert 0.0 <= report["stability"]["mean_overlap"] <= 1.0 and report["stability"]["resamples"] == 2
    assert report["stability"]["min_class_overlap"] <= report["stability"]["mean_overlap"]
    assert 0 < report["char_ngram_share"] < 1
    errors = [e for e in report["local"] if e["reason"] == "confident_error"]
    assert errors and all(
        e["y_true"] != e["y_pred"] and len(e["weights_true_class"]) == len(e["tokens"]) for e in errors
    )
    for entry in report["local"]:
        text = test.loc[test["record_id"] == entry["record_id"], "text"].item()
        assert entry["tokens"] == words(text) and len(entry["weights"]) == len(entry["tokens"])
    # Same seed, same report (DVC reproduces the lock).
    again = explain(Predictor(linear_model), predictions, (train["text"], train["label"], None), CONFIG)
    assert again == report


def test_refits_draw_a_bounded_sample_and_see_only_its_features(linear_model, corpus):
    """m-out-of-n: a refit on the drawn notes' own features is the refit on those rows of the whole split's.

    That is what lets each refit transform only its sample (flat memory at any training size)
    without changing a refit whose sample is the whole split.
    """
    from dataclasses import replace

    from vigil.audit.explain import _refit

    train, test = corpus
    texts, labels = train["text"].tolist(), train["label"].to_numpy()
    rows = np.random.default_rng(5).integers(0, len(texts), len(texts))
    whole = linear_model.refit_class_weights(linear_model.features(texts)[rows], labels[rows])
    drawn = _refit(linear_model, [texts[i] for i in rows], labels[rows], None)
    np.testing.assert_array_equal(drawn, whole)

    predictions = _predictions(Predictor(linear_model), test)
    bounded = replace(CONFIG, stability_sample=300)
    report = explain(Predictor(linear_model), predictions, (train["text"], train["label"], None), bounded)
    assert (
        report["stability"]["sample_size"] == 300 and "300 of the 1,200 training notes" in report["method"]["stability"]
    )
    assert report["config"]["stability"]["sample"] == 300
    full = explain(Predictor(linear_model), predictions, (train["text"], train["label"], None), CONFIG)
    assert full["stability"]["sample_size"] == 1200


def test_every_refit_sees_every_class_however_rare(corpus):
    """A class with one training note, refits of 100 drawn notes: a uniform draw misses it in most refits.

    The warm-started logistic refit then failed on a coefficient shape (a real export's traceback); drawn
    within each class, every refit has every class and the class mix of the split.
    """
    from vigil.audit.bootstrap import draw_every_class

    train, test = corpus
    rare = pd.DataFrame({"record_id": ["rare-1"], "text": ["hydraulic pump seal weeping"], "label": ["zz_hydraulics"]})
    train = pd.concat([train, rare], ignore_index=True)
    labels = train["label"].to_numpy()
    rng = np.random.default_rng(0)
    for _ in range(20):
        rows = draw_every_class(labels, 100, rng)
        assert set(labels[rows]) == set(labels) and abs(len(rows) - 100) <= len(set(labels))
    uniform_misses = sum("zz_hydraulics" not in set(labels[rng.integers(0, len(labels), 100)]) for _ in range(20))
    assert uniform_misses >= 15  # the pattern the fix is for: a uniform draw of 100 misses it almost always
    model = build_model(tfidf_params(), seed=0).fit(train["text"].tolist(), train["label"].tolist())
    predictions = _predictions(Predictor(model), test)
    config = ExplainConfig(local_random=2, confident_errors_per_class=1, stability_resamples=3, stability_sample=100)
    report = explain(Predictor(model), predictions, (train["text"], train["label"], None), config)
    assert report["stability"]["resamples"] == 3 and "within each class" in report["method"]["stability"]


def test_local_sample_takes_the_most_confident_error_of_each_predicted_class():
    predictions = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(8)],
            "text": ["t"] * 8,
            "y_true": ["a", "a", "b", "b", "a", "b", "a", "b"],
            "y_pred": ["b", "b", "a", "a", "a", "b", "a", "b"],
            "confidence": [0.6, 0.9, 0.7, 0.95, 0.99, 0.99, 0.5, 0.5],
        }
    )
    config = ExplainConfig(local_random=2, confident_errors_per_class=1, seed=0)
    local = select_local_examples(predictions, config)
    errors = local[local["reason"] == "confident_error"]
    assert errors["record_id"].tolist() == ["r3", "r1"]  # predicted a: r3 (0.95); predicted b: r1 (0.9)
    assert (local["reason"] == "random").sum() == 2 and not set(local["record_id"][local["reason"] == "random"]) & {
        "r1",
        "r3",
    }
    assert select_local_examples(predictions, config).equals(local)


def test_occlusion_finds_the_word_the_model_depends_on():
    def predict_proba(texts: list[str]) -> np.ndarray:
        brake = np.array([0.9 if "brake" in t.lower().split() else 0.2 for t in texts])
        return np.column_stack([1 - brake, brake])

    [attribution] = occlusion_attributions(predict_proba, ["squeal from front brake at stop"])
    assert attribution.shape == (6, 2)
    assert attribution[3, 1] == pytest.approx(np.log(0.9 / 0.2))  # deleting "brake" drops class 1
    assert attribution[3, 0] == pytest.approx(np.log(0.1 / 0.8))
    assert np.allclose(np.delete(attribution, 3, axis=0), 0.0)
    assert occluded_variants("a  b c") == ["b c", "a c", "a  b"]


def test_stability_overlap_and_token_normalisation():
    assert top_k_overlap(["a", "b", "c"], ["c", "x", "a"], 3) == pytest.approx(2 / 3)
    assert top_k_overlap([], ["a"], 3) is None
    summary = stability_summary({"x": ["a", "b"], "y": ["c", "d"]}, [{"x": ["a", "b"], "y": ["c", "z"]}], 2, 5)
    assert summary["per_class"] == {"x": 1.0, "y": 0.5} and summary["least_stable_class"] == "y"
    assert normalise("Freio,") == "freio" and normalise("AÇÃO") == "acao" and normalise("<PERSON>.") == "<person>"


@pytest.mark.slow
def test_transformer_option_is_explained_by_occlusion(corpus, tmp_path):
    from test_transformer_models import family_params
    from tiny_bert import build_tiny_bert

    train, test = corpus
    encoder = build_tiny_bert(tmp_path / "bert", train["text"])
    params = family_params("minilm_frozen", encoder, C=1000.0)
    model = build_model(params, seed=0).fit(train["text"].tolist()[:600], train["label"].tolist()[:600])
    predictor = Predictor(model)
    predictions = _predictions(predictor, test.iloc[:120])
    report = explain(predictor, predictions, (train["text"], train["label"], None), CONFIG)
    json.dumps(report, allow_nan=False)
    assert report["method"]["local"].startswith("occlusion") and report["local_residual_max"] is None
    assert "not refitted" in report["method"]["stability"]
    assert any(ranking["positive"] for ranking in report["global"].values())
    for ranking in report["global"].values():
        assert all(t["count"] >= CONFIG.min_token_count for t in ranking["positive"] + ranking["negative"])
    entry = report["local"][0]
    text = test.loc[test["record_id"] == entry["record_id"], "text"].item()
    expected = occlusion_attributions(predictor.predict_proba, [text])[0][
        :, list(model.classes_).index(entry["y_pred"])
    ]
    # int8 dynamic quantisation scales per batch, so batch composition moves scores by < 2e-3 (see
    # test_batching_and_truncation_do_not_change_predictions); per-word differences stay below twice that.
    np.testing.assert_allclose(entry["weights"], expected, atol=4e-3)
