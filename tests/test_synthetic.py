import json
import re

import numpy as np
import pytest

from conftest import tfidf_params
from vigil.check_digits import is_valid_cnpj, is_valid_cpf, is_valid_luhn, is_valid_vin_check_digit
from vigil.data.profile import profile_dataset
from vigil.data.record_stats import summarise_frame
from vigil.data.split import stratified_split
from vigil.data.synthetic import SyntheticConfig, generate
from vigil.data.synthetic_vocabulary import FAILURE_MODE_WEIGHTS
from vigil.modeling.tfidf_logreg import TfidfLogReg


@pytest.fixture(scope="module")
def dataset():
    return generate(SyntheticConfig(n_records=3000, seed=7))


def _values(frame, gold, entity):
    texts = frame.set_index("record_id")["text"]
    return [
        texts[g["record_id"]][s["start"] : s["end"]] for g in gold for s in g["spans"] if s["entity_type"] == entity
    ]


def test_same_seed_same_data_other_seed_other_data(dataset):
    frame, gold = dataset
    again, gold_again = generate(SyntheticConfig(n_records=3000, seed=7))
    assert frame.equals(again) and gold == gold_again
    other, _ = generate(SyntheticConfig(n_records=3000, seed=8))
    assert not frame["text"].equals(other["text"])


def test_shape_classes_languages_groups(dataset):
    frame, _ = dataset
    assert list(frame.columns) == ["record_id", "text", "label", "created_at", "region", "language", "dealer_type"]
    assert frame["record_id"].is_unique
    counts = frame["label"].value_counts()
    assert set(counts.index) == set(FAILURE_MODE_WEIGHTS)
    assert counts.max() / counts.min() > 2.5, "classes should be imbalanced"
    assert set(frame["language"]) == {"en", "pt_br"}
    assert frame["language"].value_counts(normalize=True).min() > 0.3
    assert set(frame["dealer_type"]) == {"franchise", "independent", "fleet"}
    assert frame["region"].nunique() == 4


def test_writing_styles_are_mixed(dataset):
    frame, _ = dataset
    upper = frame["text"].map(str.isupper).mean()
    lower = frame["text"].map(str.islower).mean()
    assert 0.2 < upper < 0.6 and lower > 0.15
    text = " ".join(frame["text"]).lower()
    for abbreviation in ("cust ", "inop", "cli ", "veic"):
        assert abbreviation in text
    assert re.search(r"\b[pcbu]\d{4}\b", text), "DTC codes look-alikes expected"
    assert re.search(r"\bpn \d{5}-", text) and re.search(r"\bsw v\d", text)


def test_gold_spans_are_exact_and_cover_every_entity_type(dataset):
    frame, gold = dataset
    texts = frame.set_index("record_id")["text"]
    types = set()
    for entry in gold:
        text = texts[entry["record_id"]]
        previous_end = 0
        for span in sorted(entry["spans"], key=lambda s: s["start"]):
            value = text[span["start"] : span["end"]]
            assert value and value == value.strip(), (entry["record_id"], span)
            assert span["start"] >= previous_end, "spans must not overlap"
            previous_end = span["end"]
            types.add(span["entity_type"])
    assert types == {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "VIN",
        "LICENSE_PLATE",
        "BR_CPF",
        "BR_CNPJ",
        "STREET_ADDRESS",
        "CREDIT_CARD",
        "IP_ADDRESS",
        "REFERENCE_NUMBER",
    }
    assert 0.35 < len(gold) / len(frame) < 0.55


def test_identifiers_carry_valid_check_digits(dataset):
    frame, gold = dataset
    assert all(is_valid_cpf(v) for v in _values(frame, gold, "BR_CPF"))
    assert all(is_valid_cnpj(v) for v in _values(frame, gold, "BR_CNPJ"))
    assert all(is_valid_luhn(v) for v in _values(frame, gold, "CREDIT_CARD"))
    vins = _values(frame, gold, "VIN")
    us_vins = [v for v in vins if not v.upper().startswith("9")]
    assert us_vins and all(is_valid_vin_check_digit(v) for v in us_vins)
    assert all(len(v) == 17 and not set(v.upper()) & set("IOQ") for v in vins)


def test_profile_contains_no_personal_value(dataset):
    frame, gold = dataset
    groups = ["region", "language", "dealer_type"]
    report = json.dumps(
        profile_dataset(
            summarise_frame(frame, groups), groups, source={}, dropped_rare_labels={}, missing_group_values={}
        )
    )
    texts = frame.set_index("record_id")["text"]
    values = {texts[g["record_id"]][s["start"] : s["end"]] for g in gold for s in g["spans"]}
    assert not [v for v in values if v in report]


def test_independent_workshops_get_measurably_worse_predictions():
    """The built-in group quality gap is real: a model trained on the data is worse for independents."""
    frame, _ = generate(SyntheticConfig(n_records=4000, seed=3))
    parts = stratified_split(frame, {"train": 0.6, "val": 0.1, "test": 0.3}, seed=3)
    model = TfidfLogReg(tfidf_params(min_df=2, max_features=50000)["params"], seed=3)
    model.fit(parts["train"]["text"], parts["train"]["label"])
    test = parts["test"]
    predicted = np.array(model.classes_)[model.predict_proba(test["text"]).argmax(axis=1)]
    correct = predicted == test["label"].to_numpy()
    by_group = {g: correct[(test["dealer_type"] == g).to_numpy()].mean() for g in ("franchise", "independent")}
    assert by_group["franchise"] - by_group["independent"] > 0.03, by_group
