import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from conftest import REPO_ROOT, tfidf_params
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.errors import VigilError
from vigil.modeling import Predictor, build_model, load_model, model_families, save_model
from vigil.modeling.tfidf_svm import calibration_folds

MODEL_PARAMS = tfidf_params(min_df=1, C=5.0)


def svm_params(**overrides) -> dict:
    config = yaml.safe_load((REPO_ROOT / "params" / "model" / "tfidf_svm.yaml").read_text())
    config["params"].update({"char_ngram_range": [2, 4], "max_features": 20000, "min_df": 1, **overrides})
    return config


@pytest.fixture(scope="module")
def corpus():
    frame, _ = generate(SyntheticConfig(n_records=600, seed=11))
    return frame


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    model = build_model(MODEL_PARAMS, seed=0).fit(corpus["text"], corpus["label"])
    directory = tmp_path_factory.mktemp("m") / "model"
    card = save_model(Predictor(model), directory, model_params=MODEL_PARAMS, data_digests={"train_sha256": "abc"})
    return model, directory, card, corpus["text"].head(20).tolist()


def load_in_fresh_process(directory, texts) -> tuple[np.ndarray, list[str]]:
    """Probabilities from a new interpreter, plus the heavy modules it had to import."""
    code = (
        "import json, sys; from vigil.modeling import load_model; "
        "m = load_model(sys.argv[1]); p = m.predict_proba(json.loads(sys.argv[2])); "
        "heavy = [n for n in ('torch', 'transformers') if n in sys.modules]; "
        "print(json.dumps({'proba': p.tolist(), 'heavy': heavy}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(directory), json.dumps(texts)], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return np.array(result["proba"]), result["heavy"]


def test_model_card_describes_the_model(trained):
    model, directory, card, _ = trained
    on_disk = json.loads((directory / "model.json").read_text())
    assert on_disk == card
    assert card["family"] == "tfidf_logreg" and card["labels"] == model.classes_
    assert card["training_data"] == {"train_sha256": "abc"}
    # Only the family's own stack: the card must not change when torch is (un)installed.
    assert set(card["libraries"]) == {"python", "vigil", "scikit-learn", "scipy", "numpy", "joblib"}
    assert list(card["files"]) == ["pipeline.joblib"] and len(card["files"]["pipeline.joblib"]) == 64
    assert card["describe"]["n_features"] > 100
    assert card["calibration"] == {"method": "none", "temperature": 1.0}
    assert card["decision"] == {"rule": "argmax", "log_offsets": None}


def test_loads_in_a_fresh_process_with_identical_probabilities(trained):
    model, directory, _, texts = trained
    proba, heavy = load_in_fresh_process(directory, texts)
    np.testing.assert_array_equal(proba, model.predict_proba(texts))
    assert heavy == []


def test_predicting_in_chunks_gives_the_probabilities_of_one_pass(trained, corpus, monkeypatch):
    """Bounded memory for a test split of any size must not change a single probability."""
    from vigil.modeling import tfidf

    model, _, _, _ = trained
    texts = corpus["text"].head(50).tolist()
    whole = model.pipeline.named_steps["classifier"].predict_proba(model.features(texts))
    monkeypatch.setattr(tfidf, "PREDICT_CHUNK", 7)  # 50 texts: 7 full chunks and a last one of 1
    sizes: list[int] = []
    transform = model._feature_rows
    monkeypatch.setattr(model, "_feature_rows", lambda batch: sizes.append(len(batch)) or transform(batch))
    np.testing.assert_array_equal(model.predict_proba(texts), whole)
    assert sizes == [7] * 7 + [1]
    monkeypatch.undo()
    one_pass = model.features(texts)
    monkeypatch.setattr(tfidf, "PREDICT_CHUNK", 7)
    blocks: list[int] = []
    rows = model._feature_rows
    monkeypatch.setattr(model, "_feature_rows", lambda batch: blocks.append(len(batch)) or rows(batch))
    stacked = model.features(texts)  # the explanation refits' training matrix, built in chunks
    assert blocks == [7] * 7 + [1]
    for part in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(stacked, part), getattr(one_pass, part))


def test_beyond_the_vocabulary_sample_the_vocabulary_comes_from_the_sample_and_the_fit_from_every_note(
    corpus, monkeypatch
):
    """The bounded-memory fit is exactly: vectorizers fitted on the seeded sample, classifier on all rows."""
    from sklearn.base import clone

    from vigil.modeling import tfidf

    texts, labels = corpus["text"].tolist(), corpus["label"].tolist()
    params = {**MODEL_PARAMS, "params": {**MODEL_PARAMS["params"], "vocabulary_sample": 250}}
    monkeypatch.setattr(tfidf, "PREDICT_CHUNK", 64)  # the training matrix is built from 10 chunks
    model = build_model(params, seed=4).fit(texts, labels)
    sample = tfidf.vocabulary_rows(len(texts), 250, 4)
    assert sample is not None and len(sample) == len(set(sample)) == 250
    assert tfidf.vocabulary_rows(len(texts), len(texts), 4) is None and tfidf.vocabulary_rows(10, None, 4) is None
    reference = build_model(MODEL_PARAMS, seed=4)
    union = reference._features().fit([texts[i] for i in sample])
    for (_, fitted), (_, expected) in zip(model.vectorizers(), union.transformer_list, strict=True):
        assert fitted.vocabulary_ == expected.vocabulary_
        np.testing.assert_array_equal(fitted.idf_, expected.idf_)
    full_vocabulary = build_model(MODEL_PARAMS, seed=4).fit(texts, labels)
    assert sum(len(v.vocabulary_) for _, v in model.vectorizers()) < sum(
        len(v.vocabulary_) for _, v in full_vocabulary.vectorizers()
    )
    order = np.concatenate([sample, np.setdiff1d(np.arange(len(texts)), sample)])  # the sample's rows first
    rows = model.features([texts[i] for i in order])
    np.testing.assert_array_equal(rows[: len(sample)].toarray(), union.transform([texts[i] for i in sample]).toarray())
    classifier = clone(model.pipeline.named_steps["classifier"]).fit(rows, [labels[i] for i in order])
    # Equal up to summation order (the sample's rows keep the index order of the vocabulary fit).
    np.testing.assert_allclose(classifier.coef_, model.pipeline.named_steps["classifier"].coef_, rtol=1e-9, atol=1e-12)
    assert (model.predict_proba(texts).argmax(axis=1) == np.searchsorted(model.classes_, labels)).mean() > 0.9


def test_stacking_feature_blocks_equals_scipy_vstack():
    from scipy import sparse

    from vigil.modeling.tfidf import stack_rows

    rng = np.random.default_rng(0)
    blocks = [sparse.random(n, 40, density=0.2, format="csr", random_state=rng) for n in (5, 0, 17, 1)]
    expected = sparse.vstack(blocks, format="csr")
    stacked = stack_rows(list(blocks))
    assert stacked.shape == expected.shape and (stacked != expected).nnz == 0
    for part in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(stacked, part), getattr(expected, part))


def test_probabilities_are_a_distribution(trained):
    model, _, _, texts = trained
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(model.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_postprocessing_is_saved_and_applied_on_load(corpus, trained, tmp_path):
    model, _, _, texts = trained
    offsets = np.zeros(len(model.classes_))
    offsets[0] = 5.0  # forces the first class wherever it has any probability
    predictor = Predictor(model, temperature=2.5, log_offsets=offsets)
    save_model(predictor, tmp_path / "m", model_params=MODEL_PARAMS, data_digests={})
    loaded = load_model(tmp_path / "m")
    assert loaded.temperature == 2.5 and loaded.card["decision"]["rule"] == "tuned"
    np.testing.assert_array_equal(loaded.predict_proba(texts), predictor.predict_proba(texts))
    assert loaded.predict(texts) == predictor.predict(texts)
    softened = loaded.predict_proba(texts)
    assert softened.max(axis=1).mean() < model.predict_proba(texts).max(axis=1).mean()
    assert loaded.predict(texts).count(model.classes_[0]) > [model.classes_[i] for i in softened.argmax(1)].count(
        model.classes_[0]
    )


def test_tampered_or_missing_files_are_refused_before_loading(trained, tmp_path):
    import shutil

    _, directory, _, _ = trained
    copy = tmp_path / "model"
    shutil.copytree(directory, copy)
    weights = copy / "pipeline.joblib"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(VigilError, match=r"integrity check: .*pipeline.joblib: SHA-256 differs"):
        load_model(copy)
    weights.unlink()
    with pytest.raises(VigilError, match=r"pipeline.joblib: missing"):
        load_model(copy)
    card = json.loads((copy / "model.json").read_text())
    card["files"] = ["pipeline.joblib"]  # an old or hand-edited card without digests
    (copy / "model.json").write_text(json.dumps(card))
    with pytest.raises(VigilError, match="'files' must map each file to its SHA-256"):
        load_model(copy)


def test_unknown_family_and_missing_directory_are_clear(tmp_path):
    assert model_families() == ["minilm_finetune", "minilm_frozen", "tfidf_logreg", "tfidf_svm"]
    with pytest.raises(VigilError, match="unknown model.family 'bert9000'"):
        build_model({"family": "bert9000"}, seed=0)
    with pytest.raises(VigilError, match="model.json: not found"):
        load_model(tmp_path)


def test_calibrated_svm_round_trips_and_is_a_distribution(corpus, tmp_path):
    params = svm_params()
    model = build_model(params, seed=0).fit(corpus["text"], corpus["label"])
    save_model(Predictor(model), tmp_path / "svm", model_params=params, data_digests={})
    texts = corpus["text"].tail(30).tolist()
    proba, _ = load_in_fresh_process(tmp_path / "svm", texts)
    np.testing.assert_array_equal(proba, model.predict_proba(texts))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.max(axis=1) < 1.0).all()  # calibrated scores, not hard SVM votes


def test_svm_calibration_folds_follow_the_rarest_class():
    assert calibration_folds(["a"] * 50 + ["b"] * 3, 5) == 3
    assert calibration_folds(["a"] * 50 + ["b"] * 30, 5) == 5
    assert calibration_folds(["a"] * 50 + ["b"] * 30 + ["c"], 5) == 5  # a single note is dealt to one fold


def test_svm_fits_and_calibrates_with_a_class_of_one_training_note():
    """A label with 3 records leaves 1 training note: the SVM family fits (it was refused), every class scored."""
    from vigil.data.synthetic import SyntheticConfig, generate
    from vigil.folds import RoundRobinFolds

    frame, _ = generate(SyntheticConfig(n_records=300, seed=2))
    texts, labels = frame["text"].tolist() + ["exhaust manifold gasket leak"], frame["label"].tolist() + ["exhaust"]
    folds = list(RoundRobinFolds(3).split(texts, labels))
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(len(texts)))  # a partition
    config = yaml.safe_load((REPO_ROOT / "params" / "model" / "tfidf_svm.yaml").read_text())
    model = build_model(config, seed=0).fit(texts, labels)
    proba = model.predict_proba(texts[:5])
    assert proba.shape == (5, len(set(labels))) and np.allclose(proba.sum(axis=1), 1.0)


def test_same_data_gives_byte_identical_weights_across_processes(tmp_path):
    """Reproducibility that auditors can check by digest: two trainings, two processes, one hash."""
    code = (
        "import json, sys; from vigil.data.synthetic import SyntheticConfig, generate; "
        "from vigil.modeling import Predictor, build_model, save_model; MODEL_PARAMS = json.loads(sys.argv[2]); "
        "f, _ = generate(SyntheticConfig(n_records=300, seed=2)); "
        "m = build_model(MODEL_PARAMS, seed=0).fit(f['text'], f['label']); "
        "save_model(Predictor(m), sys.argv[1], model_params=MODEL_PARAMS, data_digests={})"
    )
    from vigil.hashing import sha256_tree

    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name), json.dumps(MODEL_PARAMS)], check=True)
    assert sha256_tree(tmp_path / "a") == sha256_tree(tmp_path / "b")
