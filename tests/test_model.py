import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import tfidf_params
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.errors import VigilError
from vigil.modeling import build_model, load_model, save_model

MODEL_PARAMS = tfidf_params(min_df=1, C=5.0)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    frame, _ = generate(SyntheticConfig(n_records=600, seed=11))
    model = build_model(MODEL_PARAMS, seed=0).fit(frame["text"], frame["label"])
    directory = tmp_path_factory.mktemp("m") / "model"
    card = save_model(model, directory, model_params=MODEL_PARAMS, data_digests={"train_sha256": "abc"})
    return model, directory, card, frame["text"].head(20).tolist()


def test_model_card_describes_the_model(trained):
    model, directory, card, _ = trained
    on_disk = json.loads((directory / "model.json").read_text())
    assert on_disk == card
    assert card["family"] == "tfidf_logreg" and card["labels"] == model.classes_
    assert card["training_data"] == {"train_sha256": "abc"} and "scikit-learn" in card["libraries"]
    assert card["files"] == ["pipeline.joblib"] and card["describe"]["n_features"] > 100


def test_loads_in_a_fresh_process_with_identical_probabilities(trained):
    model, directory, _, texts = trained
    code = (
        "import json,sys; from vigil.modeling import load_model; "
        "m = load_model(sys.argv[1]); print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(directory), json.dumps(texts)], capture_output=True, text=True, check=True
    ).stdout
    np.testing.assert_allclose(np.array(json.loads(out)), model.predict_proba(texts), rtol=0, atol=1e-12)


def test_probabilities_are_a_distribution(trained):
    model, _, _, texts = trained
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(model.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_unknown_family_and_missing_directory_are_clear(tmp_path):
    with pytest.raises(VigilError, match="unknown model.family 'bert9000'"):
        build_model({"family": "bert9000"}, seed=0)
    with pytest.raises(VigilError, match="model.json: not found"):
        load_model(tmp_path)


def test_same_data_gives_byte_identical_weights_across_processes(tmp_path):
    """Reproducibility that auditors can check by digest: two trainings, two processes, one hash."""
    code = (
        "import json, sys; from vigil.data.synthetic import SyntheticConfig, generate; "
        "from vigil.modeling import build_model, save_model; MODEL_PARAMS = json.loads(sys.argv[2]); "
        "f, _ = generate(SyntheticConfig(n_records=300, seed=2)); "
        "m = build_model(MODEL_PARAMS, seed=0).fit(f['text'], f['label']); "
        "save_model(m, sys.argv[1], model_params=MODEL_PARAMS, data_digests={})"
    )
    from vigil.hashing import sha256_tree

    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / name), json.dumps(MODEL_PARAMS)], check=True)
    assert sha256_tree(tmp_path / "a") == sha256_tree(tmp_path / "b")
