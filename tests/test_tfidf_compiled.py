"""The compiled serving path of the TF-IDF families gives the fitted pipeline's probabilities."""

import numpy as np
import pytest
import yaml

from conftest import REPO_ROOT, tfidf_params
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.modeling import build_model
from vigil.modeling.tfidf_compiled import CompiledTfidf, NotCompilable, max_difference

EDGE_TEXTS = [
    "",
    "   ",
    "zzqx wvvk",  # nothing in the vocabulary
    "Freio dianteiro: pastilha gasta, ruído metálico — troca em 12/03, OS#4471, v4.2.17",
    "ÉLECTRIQUE ÇA NE MARCHE PAS; façade fissurée",
    "brake " * 400,
    "P/N 55-1234 w/o gasket, RO# 991; 🚗 leaking ⚠️",
]


def svm_params() -> dict:
    config = yaml.safe_load((REPO_ROOT / "params" / "model" / "tfidf_svm.yaml").read_text())
    config["params"].update({"char_ngram_range": [2, 4], "max_features": 20000, "min_df": 1})
    return config


@pytest.fixture(scope="module")
def corpus():
    frame, _ = generate(SyntheticConfig(n_records=600, seed=5))
    return frame


@pytest.mark.parametrize("params", [tfidf_params(min_df=1), svm_params()], ids=["logreg", "svm"])
def test_compiled_probabilities_and_features_match_the_pipeline(corpus, params):
    model = build_model(params, seed=0).fit(corpus["text"], corpus["label"])
    compiled = CompiledTfidf(model)
    texts = corpus["text"].tolist() + EDGE_TEXTS
    assert max_difference(compiled, model, texts) < 1e-12
    np.testing.assert_array_equal(
        compiled.predict_proba(texts).argmax(axis=1), model.predict_proba(texts).argmax(axis=1)
    )
    expected, actual = model.features(texts), compiled.features(texts)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual.indptr, expected.indptr)
    np.testing.assert_array_equal(actual.indices, expected.indices)
    np.testing.assert_allclose(actual.data, expected.data, rtol=0, atol=1e-15)
    assert compiled.path == ("linear-softmax" if params["family"] == "tfidf_logreg" else "features+classifier")
    # one text at a time (how serving calls it) equals the batch
    np.testing.assert_allclose(
        np.vstack([compiled.predict_proba([t]) for t in texts[:40]]), compiled.predict_proba(texts[:40]), atol=1e-15
    )


def test_two_classes_match_the_pipeline(corpus):
    two = corpus[corpus["label"].isin(corpus["label"].value_counts().index[:2])]
    model = build_model(tfidf_params(min_df=1), seed=0).fit(two["text"], two["label"])
    assert len(model.classes_) == 2
    assert max_difference(CompiledTfidf(model), model, two["text"].tolist() + EDGE_TEXTS) < 1e-12


def test_options_outside_the_compiled_path_are_refused(corpus):
    model = build_model(tfidf_params(min_df=1), seed=0).fit(corpus["text"], corpus["label"])
    model.vectorizers()[1][1].set_params(binary=True)
    with pytest.raises(NotCompilable, match="'char'"):
        CompiledTfidf(model)
