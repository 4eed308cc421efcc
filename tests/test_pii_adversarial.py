"""The scrubber on hand-written adversarial cases (tests/data/pii_adversarial.yaml), EN and PT-BR.

Each case is a failure pattern seen on data the scrubber was not tuned on:
names without cues or in one case, names cut short, partial addresses,
phones next to dates, disguised e-mails, and the opposite failure, everyday
technical text (Title-Case phrases, versions, part numbers, equipment ids)
masked as personal data. A case marked ``known_limit`` is expected to fail;
the test is a strict xfail, so fixing it shows up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vigil.privacy.config import ScrubConfig
from vigil.privacy.scrubber import Scrubber

CASES = yaml.safe_load((Path(__file__).parent / "data" / "pii_adversarial.yaml").read_text(encoding="utf-8"))


def _params(kind: str) -> list:
    out = []
    for case in CASES[kind]:
        marks = [pytest.mark.xfail(reason=case["known_limit"], strict=True)] if "known_limit" in case else []
        out.append(pytest.param(case["text"], case["values"], id=f"{case['lang']}:{case['text'][:40]}", marks=marks))
    return out


@pytest.fixture(scope="module")
def scrubbed(name_models) -> dict[str, str]:
    """Every case scrubbed with the committed configuration and both trained name models."""
    texts = [case["text"] for kind in ("mask", "keep") for case in CASES[kind]]
    result = Scrubber(ScrubConfig.from_params(name_models.scrub_params())).scrub_batch(texts)
    return dict(zip(texts, result.texts, strict=True))


def test_the_set_is_large_and_bilingual():
    cases = CASES["mask"] + CASES["keep"]
    assert len(cases) >= 100
    assert {case["lang"] for case in cases} == {"en", "pt"}
    assert len({case["text"] for case in cases}) == len(cases), "duplicate cases"


@pytest.mark.parametrize(("text", "values"), _params("mask"))
def test_personal_data_is_masked(scrubbed, text, values):
    out = scrubbed[text]
    left = [value for value in values if value in out]
    assert not left, f"left in {out!r}"


@pytest.mark.parametrize(("text", "values"), _params("keep"))
def test_technical_text_is_kept(scrubbed, text, values):
    out = scrubbed[text]
    lost = [value for value in values if value not in out]
    assert not lost, f"masked in {out!r}"
