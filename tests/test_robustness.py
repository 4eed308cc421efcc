"""The robustness audit: each rewrite does what it claims, and a model that keys on form, not content, is flagged."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from vigil.compliance.gate import evaluate
from vigil.compliance.policies import load_policies
from vigil.errors import VigilError
from vigil.robustness import RobustnessSettings, build_perturbations, not_run, robustness_audit
from vigil.robustness.keyboard import NEIGHBOURS, keyboard_typo
from vigil.robustness.perturbations import PLACEHOLDER, match_case, term_swapper, truncator

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = yaml.safe_load((REPO_ROOT / "params/audit/default.yaml").read_text())["robustness"]
VOCABULARY = yaml.safe_load((REPO_ROOT / "params/data/synthetic.yaml").read_text())["vocabulary"]
NOTES = [
    "Cliente relatou ruído no motor ao frear; <PERSON> trocou pastilhas dianteiras. CPF <BR_CPF>",
    "customer states brake noise at low speed, replaced front pads, ph <PHONE_NUMBER>",
    "VAZAMENTO DE ÓLEO NO CÁRTER, VERIFICADO E TROCADA A JUNTA",
    "c/s check engine light on, dtc P0300, inspected coil pack; contact <EMAIL_ADDRESS> <PERSON>",
    "suspensão dianteira esquerda com batida em buracos; amortecedor substituído",
]


def _perturbations(**overrides):
    settings = RobustnessSettings.from_params({**DEFAULTS, **overrides}, seed=7, vocabulary=VOCABULARY)
    return {p.name: p for p in build_perturbations(settings)}


def test_every_rewrite_but_the_placeholder_one_leaves_scrub_placeholders_exactly_as_written():
    for name, perturbation in _perturbations(typo_rate=1.0, mix_rate=1.0).items():
        for i, note in enumerate(NOTES):
            rewritten = perturbation.apply(note, 7, i)
            kept = PLACEHOLDER.findall(rewritten)
            if name == "placeholders":
                assert kept == [] and len(re.findall(r"<[A-Z_]+_[0-9a-f]{10}>", rewritten)) == len(
                    PLACEHOLDER.findall(note)
                )
            elif name == "truncation":
                assert note.startswith(rewritten) and kept == PLACEHOLDER.findall(note)[: len(kept)]
            else:
                assert kept == PLACEHOLDER.findall(note), (name, rewritten)


def test_rewrites_are_reproducible_per_note_and_differ_between_notes_and_seeds():
    typos = _perturbations(typo_rate=0.5)["typos"]
    note = NOTES[1]
    assert typos.apply(note, 7, 0) == typos.apply(note, 7, 0)
    assert len({typos.apply(note, seed, 0) for seed in range(20)}) > 5
    assert len({typos.apply(note, 7, index) for index in range(20)}) > 5


def test_keyboard_slips_stay_near_the_word_and_keep_its_first_letter():
    rng = random.Random(0)
    for word in ("replaced", "Vazamento", "SUSPENSÃO", "coil", "pads"):
        for _ in range(200):
            slipped = keyboard_typo(rng, word)
            assert slipped[0] == word[0] and abs(len(slipped) - len(word)) <= 1
            if len(slipped) == len(word) and sorted(slipped) != sorted(word):  # a neighbouring key
                (i,) = [k for k, (a, b) in enumerate(zip(word, slipped, strict=True)) if a != b]
                base = unicodedata.normalize("NFKD", word[i].lower())[0]
                assert slipped[i].lower() in NEIGHBOURS[base] and slipped[i].isupper() == word[i].isupper()
    assert keyboard_typo(rng, "oil") == "oil"
    assert set(NEIGHBOURS["g"]) == set("ftyhbv") and set(NEIGHBOURS["q"]) == set("wa")


def test_casing_and_accents_rewrite_the_whole_note_text():
    p = _perturbations()
    assert (
        p["upper"].apply(NOTES[0], 7, 0)
        == "CLIENTE RELATOU RUÍDO NO MOTOR AO FREAR; <PERSON> TROCOU PASTILHAS DIANTEIRAS. CPF <BR_CPF>"
    )
    assert p["lower"].apply(NOTES[2], 7, 0) == NOTES[2].lower()
    assert (
        p["strip_accents"].apply(NOTES[4], 7, 0)
        == "suspensao dianteira esquerda com batida em buracos; amortecedor substituido"
    )


def test_term_swaps_go_both_ways_keep_the_case_style_and_respect_word_boundaries():
    swap = term_swapper({"customer states": "c/s", "replaced": "rplcd", "front": "frt"}, 1.0)
    rng = random.Random(0)
    assert swap("customer states pads REPLACED, Front axle", rng) == "c/s pads RPLCD, Frt axle"
    assert swap("c/s frt pads rplcd", rng) == "customer states front pads replaced"
    assert swap("frontal replacedx", rng) == "frontal replacedx"
    assert match_case("ABS", "anti-lock") == "ANTI-LOCK" and match_case("Cst", "customer") == "Customer"
    never = term_swapper({"brake": "freio"}, 0.0)
    assert never("brake noise", rng) == "brake noise"


def test_truncation_keeps_a_prefix_of_whole_words_and_at_least_one():
    cut = truncator(0.5)
    rng = random.Random(0)
    assert cut("one two three four five", rng) == "one two three"
    assert cut("single", rng) == "single"
    assert cut("", rng) == ""


def test_unknown_perturbations_and_out_of_range_settings_are_named():
    with pytest.raises(VigilError, match=r"audit.robustness.perturbations: unknown \['emoji'\]"):
        RobustnessSettings.from_params({**DEFAULTS, "perturbations": ["typos", "emoji"]}, seed=0)
    with pytest.raises(VigilError, match="audit.robustness.typo_rate"):
        RobustnessSettings.from_params({**DEFAULTS, "typo_rate": 0}, seed=0)
    with pytest.raises(VigilError, match="data.vocabulary.glossary must map each term"):
        RobustnessSettings.from_params(DEFAULTS, seed=0, vocabulary={"glossary": {"brake": None}})
    with pytest.raises(VigilError, match=r"data.vocabulary: unknown \['synonyms'\]"):
        RobustnessSettings.from_params(DEFAULTS, seed=0, vocabulary={"synonyms": {"a": "b"}})
    with pytest.raises(VigilError, match=r"audit.robustness.glossary: .* move them to the data configuration"):
        RobustnessSettings.from_params({**DEFAULTS, "glossary": {"brake": "freio"}}, seed=0)


def test_a_rewrite_whose_term_table_is_empty_is_not_run_and_the_report_says_so():
    settings = RobustnessSettings.from_params(DEFAULTS, seed=0, vocabulary={"abbreviations": {"engine": "eng"}})
    names = [p.name for p in build_perturbations(settings)]
    assert "abbreviations" in names and "language_mix" not in names
    assert not_run(settings) == {"language_mix": "data.vocabulary.glossary is empty"}
    texts, labels = _notes_with_a_case_signal(60)
    report = robustness_audit(
        lambda batch: ["urgent"] * len(batch), texts, labels, build_perturbations(settings), resamples=100,
        skipped=not_run(settings),
    )  # fmt: skip
    assert report["not_run"] == {"language_mix": "data.vocabulary.glossary is empty"}
    assert "language_mix" not in report["perturbations"]


def _notes_with_a_case_signal(n: int) -> tuple[list[str], list[str]]:
    """Half the urgent notes written in capitals, as stressed writers do; a content word tells the truth."""
    rng = random.Random(3)
    texts, labels = [], []
    for i in range(n):
        urgent = i % 2 == 0
        words = ["brake" if urgent else "wiper", *rng.sample(["noise", "front", "check", "pads", "light", "road"], 3)]
        text = " ".join(rng.sample(words, len(words)))
        texts.append(text.upper() if urgent else text.lower())
        labels.append("urgent" if urgent else "routine")
    return texts, labels


def _robustness_outcomes(predict) -> tuple[dict[str, str], dict]:
    texts, labels = _notes_with_a_case_signal(400)
    settings = RobustnessSettings.from_params({**DEFAULTS, "resamples": 200}, seed=1, vocabulary=VOCABULARY)
    report = robustness_audit(predict, texts, labels, build_perturbations(settings), resamples=200, seed=1)
    policies = load_policies(REPO_ROOT / "policies")
    outcomes = evaluate(policies, {"robustness": report})
    return {o.rule.id: o.status for o in outcomes if o.rule.id.startswith("ROB-")}, report


def test_a_model_that_keys_on_case_is_flagged_and_one_that_reads_the_words_is_not():
    def by_case(texts):
        return ["urgent" if sum(c.isupper() for c in t) > sum(c.islower() for c in t) else "routine" for t in texts]

    def by_words(texts):
        return ["urgent" if re.search(r"\b(brake|freio)\b", t, re.IGNORECASE) else "routine" for t in texts]

    assert by_case(_notes_with_a_case_signal(400)[0]) == _notes_with_a_case_signal(400)[1]  # perfect on clean notes
    flagged, report = _robustness_outcomes(by_case)
    assert report["summary"]["worst_perturbation"] in {"upper", "lower"}
    assert report["perturbations"]["upper"]["metrics"]["accuracy"]["drop_ci_low"] > 0.4
    assert report["perturbations"]["upper"]["metrics"]["accuracy"]["reading"] == "drops"
    assert flagged["ROB-001"] == "fail" and flagged["ROB-002"] == "fail" and flagged["ROB-003"] == "fail"
    robust, report = _robustness_outcomes(by_words)
    assert report["perturbations"]["upper"]["flips"] == 0 and report["perturbations"]["lower"]["flips"] == 0
    assert robust["ROB-001"] == "pass" and robust["ROB-002"] == "pass" and robust["ROB-005"] == "pass", robust
