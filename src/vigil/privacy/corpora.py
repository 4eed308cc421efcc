"""Named-entity corpora written by people, read into one shape: sentences of (token, tag).

The name models (:mod:`vigil.privacy.name_model` for the scrubber,
:mod:`vigil.privacy.residual_model` for the independent residual scan) learn
from, and are measured on, three public corpora of real text (see
``data/pii_corpora/README.md``): WNUT-17 (English social media, tab-separated
CoNLL), LeNER-Br (Brazilian legal text, space-separated CoNLL) and First HAREM
(Portuguese news and web, JSON documents with character offsets). Each has its
own tag names; here every tag becomes ``PERSON``, ``OTHER`` (a named entity
that is not a person: an organisation, place, law, product) or ``O``, with a
``B-``/``I-`` prefix kept so spans can be rebuilt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vigil.errors import VigilError

PERSON_TAGS = frozenset({"person", "pessoa", "per"})
_TOKEN = re.compile(r"\w+(?:['’.-]\w+)*|[^\w\s]", re.UNICODE)
# HAREM documents are long; a sentence ends at a full stop, "!" or "?" followed by a capital, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý\"«(])|\n+")

Span = tuple[int, int, str]  # start, end (characters), PERSON | OTHER


@dataclass(frozen=True)
class Sentence:
    """Tokens and their tags (``B-PERSON``, ``I-OTHER``, ``O``, ...)."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        """The tokens joined by single spaces (how the CoNLL corpora are scored as running text)."""
        return " ".join(self.tokens)

    def spans(self) -> list[Span]:
        """Character spans of the entities in :attr:`text`."""
        out: list[list] = []
        position = 0
        current: list | None = None
        for token, tag in zip(self.tokens, self.tags, strict=True):
            start, end = position, position + len(token)
            position = end + 1
            if tag == "O":
                current = None
                continue
            prefix, kind = tag[:1], tag[2:]
            if prefix == "I" and current is not None and current[2] == kind:
                current[1] = end
            else:
                current = [start, end, kind]
                out.append(current)
        return [(a, b, k) for a, b, k in out]


def _kind(raw_tag: str) -> str:
    """``PERSON`` for a person tag of any corpus, ``OTHER`` for any other entity."""
    return "PERSON" if raw_tag.lower() in PERSON_TAGS else "OTHER"


def _normalised(tag: str) -> str:
    if tag in ("O", ""):
        return "O"
    prefix, _, raw = tag.partition("-")
    if prefix not in ("B", "I") or not raw:
        raise ValueError(tag)
    return f"{prefix}-{_kind(raw)}"


def read_conll(path: Path) -> list[Sentence]:
    """A CoNLL file (``token<whitespace>tag`` per line, a blank line between sentences)."""
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise VigilError(f"{path}: cannot read the corpus ({exc})") from None
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            if tokens:
                sentences.append(Sentence(tuple(tokens), tuple(tags)))
            tokens, tags = [], []
            continue
        if len(parts) != 2:
            raise VigilError(f"{path}:{number}: expected 'token tag', found {len(parts)} fields")
        try:
            tags.append(_normalised(parts[1]))
        except ValueError:
            raise VigilError(f"{path}:{number}: tag {parts[1]!r} is not O, B-<type> or I-<type>") from None
        tokens.append(parts[0])
    if tokens:
        sentences.append(Sentence(tuple(tokens), tuple(tags)))
    return sentences


def _document_sentences(text: str, entities: list[tuple[int, int, str]]) -> Iterator[Sentence]:
    """A document's sentences, tokenised, each token tagged by the entity whose characters it starts in."""
    owner = [""] * len(text)
    first = [False] * len(text)
    for start, end, kind in entities:
        for i in range(start, min(end, len(text))):
            owner[i] = kind
        if start < len(text):
            first[start] = True
    cursor = 0
    for boundary in [*(m.start() for m in _SENTENCE_END.finditer(text)), len(text)]:
        tokens, tags = [], []
        previous = ""
        for match in _TOKEN.finditer(text, cursor, boundary):
            kind = owner[match.start()]
            if not kind:
                tags.append("O")
            else:
                begins = first[match.start()] or previous != kind
                tags.append(("B-" if begins else "I-") + kind)
            tokens.append(match.group())
            previous = kind
        if tokens:
            yield Sentence(tuple(tokens), tuple(tags))
        cursor = boundary


def read_harem(path: Path) -> list[Sentence]:
    """First HAREM as JSON documents with character offsets (neuralmind-ai/portuguese-bert's format)."""
    try:
        documents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VigilError(f"{path}: cannot read the corpus ({exc})") from None
    sentences: list[Sentence] = []
    for index, document in enumerate(documents):
        try:
            text = document["doc_text"]
            entities = [(e["start_offset"], e["end_offset"], _kind(e["label"])) for e in document["entities"]]
        except (KeyError, TypeError):
            raise VigilError(f"{path}: document {index} lacks doc_text or entities with offsets and label") from None
        sentences.extend(_document_sentences(text, entities))
    return sentences


def read_corpus(path: Path) -> list[Sentence]:
    """Any of the three formats, by file name: ``.json`` is HAREM, anything else CoNLL."""
    if not path.exists():
        raise VigilError(f"{path}: corpus file not found")
    return read_harem(path) if path.suffix == ".json" else read_conll(path)
