"""The transformer families on a tiny random BERT: real torch training, ONNX export, onnxruntime inference."""

import json
import shutil

import numpy as np
import pytest
import yaml

from conftest import REPO_ROOT
from test_model import load_in_fresh_process
from tiny_bert import build_tiny_bert
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.errors import VigilError
from vigil.modeling import Predictor, build_model, load_model, save_model
from vigil.modeling.encoder_source import resolve_encoder
from vigil.modeling.minilm_finetune import balanced_class_weights, length_grouped_batches


@pytest.fixture(scope="module")
def corpus():
    frame, _ = generate(SyntheticConfig(n_records=700, seed=21))
    return frame.iloc[:500], frame.iloc[500:]


@pytest.fixture(scope="module")
def encoder_dir(corpus, tmp_path_factory):
    train, _ = corpus
    return build_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert", train["text"])


def family_params(name: str, encoder, **overrides) -> dict:
    config = yaml.safe_load((REPO_ROOT / "params" / "model" / f"{name}.yaml").read_text())
    config["params"].update({"encoder": str(encoder), "max_length": 64, **overrides})
    return config


def accuracy(model, frame) -> float:
    proba = model.predict_proba(frame["text"].tolist())
    return float((np.array(model.classes_)[proba.argmax(1)] == frame["label"].to_numpy()).mean())


@pytest.mark.parametrize("quantize", ["none", "int8"])
def test_frozen_encoder_round_trips_bit_for_bit_without_torch(corpus, encoder_dir, tmp_path, quantize):
    train, test = corpus
    params = family_params("minilm_frozen", encoder_dir, quantize=quantize, C=1000.0)
    model = build_model(params, seed=0).fit(train["text"], train["label"])
    card = save_model(Predictor(model), tmp_path / "m", model_params=params, data_digests={})
    assert sorted(card["files"]) == ["head.json", "labels.json", "model.onnx", "tokenizer.json"]
    assert card["describe"]["embedding_dim"] == 32 and card["describe"]["quantize"] == quantize
    texts = test["text"].tolist()
    proba, heavy = load_in_fresh_process(tmp_path / "m", texts)
    np.testing.assert_array_equal(proba, model.predict_proba(texts))
    assert heavy == []  # serving needs onnxruntime + tokenizers, not the training stack
    # A random 2-layer encoder carries little signal; 9 classes make chance ~0.11 and a
    # broken tokenizer (all [UNK]) scored 0.06-0.09 here.
    assert accuracy(model, test) > 0.2


def test_int8_graph_is_smaller_and_agrees_with_fp32(corpus, encoder_dir):
    train, test = corpus
    models = {
        q: build_model(family_params("minilm_frozen", encoder_dir, quantize=q), seed=0).fit(
            train["text"], train["label"]
        )
        for q in ("none", "int8")
    }
    assert len(models["int8"].runtime.onnx_bytes) < len(models["none"].runtime.onnx_bytes)
    agree = models["int8"].predict_proba(test["text"]).argmax(1) == models["none"].predict_proba(test["text"]).argmax(1)
    assert agree.mean() > 0.8


@pytest.mark.parametrize(("quantize", "tolerance"), [("none", 1e-5), ("int8", 2e-3)])
def test_batching_and_truncation_do_not_change_predictions(corpus, encoder_dir, quantize, tolerance):
    """fp32 is batch-invariant to float noise; int8 computes activation scales per batch, so a
    text's probabilities move slightly with its batch partners (never enough to flip these labels)."""
    train, test = corpus
    params = family_params("minilm_frozen", encoder_dir, batch_size=7, quantize=quantize)
    model = build_model(params, seed=0).fit(train["text"], train["label"])
    texts = test["text"].head(20).tolist() + ["brakes " * 500]  # far beyond max_length
    batch = model.predict_proba(texts)
    one_by_one = np.vstack([model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(batch, one_by_one, atol=tolerance)
    np.testing.assert_array_equal(batch.argmax(1), one_by_one.argmax(1))


def test_finetune_learns_early_stops_on_validation_f1_and_round_trips(encoder_dir, tmp_path):
    # Three classes with distinct vocabulary: a from-scratch 2-layer model learns them in a few epochs.
    frame, _ = generate(SyntheticConfig(n_records=1500, seed=21))
    frame = frame[frame["label"].isin(["brakes", "electrical", "hvac"])]
    train, val = frame.iloc[:300], frame.iloc[300:]
    params = family_params(
        "minilm_finetune", encoder_dir, epochs=4, patience=1, learning_rate=5e-3, batch_size=16, quantize="none"
    )
    validation = (val["text"].tolist(), val["label"].tolist())
    model = build_model(params, seed=0).fit(train["text"], train["label"], validation=validation)
    summary = model.training_summary
    history = summary["val_f1_macro_by_epoch"]
    assert 1 <= summary["epochs_run"] == len(history) <= 4
    assert history[summary["best_epoch"] - 1] == max(history)
    if len(history) < 4:  # stopped early: the last epoch did not improve on the best
        assert history[-1] <= max(history)
    assert max(history) > history[0] + 0.2 and max(history) > 0.45  # chance macro-F1 is ~0.33
    save_model(Predictor(model), tmp_path / "ft", model_params=params, data_digests={})
    proba, heavy = load_in_fresh_process(tmp_path / "ft", val["text"].tolist())
    np.testing.assert_array_equal(proba, model.predict_proba(val["text"].tolist()))
    assert heavy == []
    again = build_model(params, seed=0).fit(train["text"], train["label"], validation=validation)
    assert again.training_summary["val_f1_macro_by_epoch"] == pytest.approx(history, abs=1e-3)  # seeded


def test_finetune_helpers():
    y = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(balanced_class_weights(y, 2), [4 / 6, 4 / 2])
    lengths = [5, 50, 6, 49, 7, 48, 8, 47]
    batches = length_grouped_batches(lengths, 2, 4, np.random.default_rng(0))
    assert sorted(i for b in batches for i in b) == list(range(8))
    assert all(abs(lengths[b[0]] - lengths[b[-1]]) <= 3 for b in batches)  # similar lengths share a batch


def test_encoder_directory_must_be_complete(encoder_dir, tmp_path):
    broken = tmp_path / "enc"
    shutil.copytree(encoder_dir, broken)
    (broken / "tokenizer.json").unlink()
    with pytest.raises(VigilError, match=r"model.params.encoder .* lacks tokenizer.json"):
        resolve_encoder(str(broken))


def test_tampered_onnx_graph_is_refused(corpus, encoder_dir, tmp_path):
    train, _ = corpus
    params = family_params("minilm_frozen", encoder_dir)
    model = build_model(params, seed=0).fit(train["text"].head(100), train["label"].head(100))
    save_model(Predictor(model), tmp_path / "m", model_params=params, data_digests={})
    head = json.loads((tmp_path / "m" / "head.json").read_text())
    head["bias"][0] += 1.0
    (tmp_path / "m" / "head.json").write_text(json.dumps(head))
    with pytest.raises(VigilError, match="head.json: SHA-256 differs"):
        load_model(tmp_path / "m")
