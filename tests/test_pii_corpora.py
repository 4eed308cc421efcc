"""The named-entity corpora the name models learn from: read in one shape, and the copies kept unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.errors import VigilError
from vigil.privacy.corpora import read_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "data" / "pii_corpora"
SHARED = ROOT.parent / "shared" / "data" / "pii_eval"
# This repository's copy -> the team's shared original (../shared/data/README.md names the sources).
COPIES = {
    "wnut17/train.conll": "wnut17/train.conll",
    "wnut17/dev.conll": "wnut17/dev.conll",
    "lener_br/train.conll": "lener_br_dev/train.conll",
    "lener_br/dev.conll": "lener_br_dev/dev.conll",
    "harem/FirstHAREM-selective-train.json": "harem/FirstHAREM-selective-train.json",
    "harem/FirstHAREM-selective-dev.json": "harem/FirstHAREM-selective-dev.json",
}


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent (only the team workspace and CI have it)")
@pytest.mark.parametrize("copy", sorted(COPIES))
def test_the_copies_are_the_public_files_unchanged(copy):
    assert (CORPORA / copy).read_bytes() == (SHARED / COPIES[copy]).read_bytes()


def test_conll_tags_become_person_other_or_o(tmp_path: Path):
    path = tmp_path / "x.conll"
    path.write_text("Maria\tB-person\nSilva\tI-person\nfoi\tO\na\tO\nPetrobras\tB-corporation\n\nok\tO\n")
    first, second = read_corpus(path)
    assert first.text == "Maria Silva foi a Petrobras"
    assert first.spans() == [(0, 11, "PERSON"), (18, 27, "OTHER")]
    assert second.tags == ("O",)


def test_harem_offsets_are_kept_through_sentence_splitting(tmp_path: Path):
    text = "O ministro Fernando Ferreira falou.\nA Universidade de Lisboa respondeu a Ana Luísa."
    doc = {
        "doc_id": "d1",
        "doc_text": text,
        "entities": [
            {"label": "PESSOA", "start_offset": 11, "end_offset": 28},
            {
                "label": "ORGANIZACAO",
                "start_offset": text.index("Universidade"),
                "end_offset": text.index(" respondeu"),
            },
            {"label": "PESSOA", "start_offset": text.index("Ana"), "end_offset": len(text) - 1},
        ],
    }
    path = tmp_path / "h.json"
    path.write_text(json.dumps([doc]))
    sentences = read_corpus(path)
    assert len(sentences) == 2
    names = [s.text[a:b] for s in sentences for a, b, kind in s.spans() if kind == "PERSON"]
    assert names == ["Fernando Ferreira", "Ana Luísa"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Maria B-person extra\n", "x.conll:1: expected 'token tag', found 3 fields"),
        ("Maria PERSON\n", "x.conll:1: tag 'PERSON' is not O, B-<type> or I-<type>"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(tmp_path: Path, content: str, message: str):
    path = tmp_path / "x.conll"
    path.write_text(content)
    with pytest.raises(VigilError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_corpus(path)


def test_a_missing_corpus_is_one_line(tmp_path: Path):
    with pytest.raises(VigilError, match="corpus file not found"):
        read_corpus(tmp_path / "absent.conll")
