"""The residual scan's own name model: character n-grams, trained apart from everything the scrubber uses.

Independent by construction (``tests/test_residual_independence.py`` checks the
imports): no name lexicon, no word-frequency list, no cue words, no spaCy, no
presidio, and none of the scrubber's models or thresholds. It sees a token as
its character n-grams and shape, and its neighbours as theirs: evidence the
scrubber's word-level model (word identity, frequency bands, lexicon membership)
does not use, learnt by another learner (a linear SVM-style loss,
``modified_huber``, by stochastic gradient descent) from the corpora's train
splits with upper- and lower-case copies.

The stage ``residual_model`` trains it and calibrates, on data the scrubber's
thresholds were not chosen on, the one threshold it needs
(:mod:`vigil.privacy.residual_calibration`); its card records that threshold,
the false-alarm rate on technical text and the recall on names the scrubber
left in the dev splits, which turn the scan's flag count into an estimated
residual rate with an interval (:mod:`vigil.privacy.residual_estimate`).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vigil.errors import VigilError
from vigil.privacy.hashed_weights import CARD_FILE, HashedWeights, load_weights

N_FEATURES = 2**19
FORMAT = "vigil-residual-model/1"
OFFSETS = (-2, -1, 0, 1, 2)
EDGE = "\x00"
# What the scrubber writes in place of a value ("<PERSON>", "<PHONE_NUMBER_3f9a1c0b2e>"): one token, never a suspect.
PLACEHOLDER = re.compile(r"<[A-Z_]+(?:_[0-9a-f]{6,})?>")
WORD = re.compile(r"<[A-Z_]+(?:_[0-9a-f]{6,})?>|[^\W\d_]+(?:['’.-][^\W\d_]+)*|\d+|[^\w\s]", re.UNICODE)


def _case(text: str) -> str:
    upper = any(c.isupper() for c in text)
    lower = any(c.islower() for c in text)
    return "mixed" if upper and lower else "upper" if upper else "lower"


def _shape(token: str) -> str:
    """Case pattern with runs collapsed: "Silva" -> "Aa", "SILVA" -> "A", "d'Ávila" -> "a'Aa", "2024" -> "0"."""
    out: list[str] = []
    for char in token[:12]:
        kind = "A" if char.isupper() else "a" if char.islower() else "0" if char.isdigit() else char
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


@functools.lru_cache(maxsize=200_000)
def char_features(token: str, offset: int, case: str) -> tuple[str, ...]:
    """Character evidence about ``token`` at ``offset`` from the token judged, in a note of ``case``."""
    if token == EDGE:
        return (f"{offset}:edge",)
    if PLACEHOLDER.fullmatch(token):
        return (f"{offset}:placeholder",)
    low = f"^{token.lower()}$"
    shape = _shape(token)
    if offset == 0:
        grams = {low[i : i + n] for n in (2, 3, 4) for i in range(len(low) - n + 1)}
        return (
            *(f"0:g{g}" for g in sorted(grams)),
            f"0:shape={shape}|{case}",
            f"0:len={min(len(token), 10)}|{case}",
        )
    if abs(offset) == 1:
        grams = {low[i : i + 3] for i in range(len(low) - 2)}
        return (*(f"{offset}:g{g}" for g in sorted(grams)), f"{offset}:shape={shape}|{case}")
    return (f"{offset}:shape={shape}|{case}",)


def _keys(tokens: Sequence[str], case: str) -> list[tuple[str, int, str]]:
    padded = [EDGE, EDGE, *tokens, EDGE, EDGE]
    return [(padded[i + 2 + o], o, case) for i in range(len(tokens)) for o in OFFSETS]


def _hasher():
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)


def labelled_tokens(text: str, spans: Iterable[tuple[int, int, str]]) -> tuple[list[str], list[int]]:
    inside = bytearray(len(text))
    for start, end, kind in spans:
        if kind == "PERSON":
            inside[start:end] = b"\x01" * (end - start)
    tokens, labels = [], []
    for match in WORD.finditer(text):
        tokens.append(match.group())
        labels.append(inside[match.start()])
    return tokens, labels


def scrubbed_copy(text: str, spans: list[tuple[int, int, str]], rng: random.Random, share: float) -> tuple[str, list]:
    """``text`` with each gold span replaced by its placeholder with probability ``share`` (1: all of them).

    The scan reads scrubbed text: a name's neighbours there are placeholders ("MR. <PERSON> MADE"), and
    the model must learn that the word after a replaced name is not one.
    """
    out, kept, cursor, shift = [], [], 0, 0
    for start, end, kind in sorted(spans):
        if start < cursor:
            continue
        if rng.random() < share:
            placeholder = f"<{kind}>"
            out.append(text[cursor:start] + placeholder)
            shift += len(placeholder) - (end - start)
        else:
            out.append(text[cursor:end])
            kept.append((start + shift, end + shift, kind))
        cursor = end
    out.append(text[cursor:])
    return "".join(out), kept


def fit_matrix(texts_and_spans: Iterable[tuple[str, list]], seed: int, cased_share: float, scrubbed_share: float):
    """Hashed features of every token (each distinct (token, offset, case) hashed once) and their labels.

    Each text is also given, with probability ``scrubbed_share``, with its names replaced by placeholders.
    """
    from scipy import sparse

    rng = random.Random(seed)
    keys: list[tuple[str, int, str]] = []
    labels: list[int] = []
    for original, original_spans in texts_and_spans:
        pairs = [(original, original_spans)]
        if rng.random() < scrubbed_share:
            pairs.append(scrubbed_copy(original, original_spans, rng, 0.7))
        for text, spans in pairs:
            variants = [text] + [
                v
                for v in (text.upper(), text.lower())
                if v != text and len(v) == len(text) and rng.random() < cased_share
            ]
            for variant in variants:
                tokens, marks = labelled_tokens(variant, spans)
                keys.extend(_keys(tokens, _case(variant)))
                labels.extend(marks)
    distinct = list(dict.fromkeys(keys))
    index = {key: i for i, key in enumerate(distinct)}
    rows = _hasher().transform(char_features(*key) for key in distinct)
    columns = np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys))
    pointer = np.arange(0, len(keys) + 1, len(OFFSETS), dtype=np.int64)
    by_key = sparse.csr_matrix((np.ones(len(keys), np.float32), columns, pointer), shape=(len(labels), len(distinct)))
    matrix = (by_key @ rows).tocsr()
    matrix.data = np.minimum(matrix.data, 1.0)
    return matrix, np.asarray(labels)


@dataclass
class ResidualNameModel(HashedWeights):
    """Weights, intercept, the card (threshold and calibration), and a cache of partial scores per token key."""

    FEATURES = N_FEATURES
    FORMAT = FORMAT

    @classmethod
    def fit(cls, matrix, labels: np.ndarray, alpha: float, epochs: int, seed: int) -> ResidualNameModel:
        from sklearn.linear_model import SGDClassifier

        model = SGDClassifier(loss="modified_huber", alpha=alpha, max_iter=epochs, tol=None, random_state=seed)
        model.fit(matrix, labels)
        return cls(model.coef_[0].astype(np.float32), float(model.intercept_[0]))

    @property
    def threshold(self) -> float:
        return float(self.card["threshold"])

    def prime(self, texts: Iterable[str]) -> None:
        """Score every (token, case) of ``texts`` not seen yet in one hashing pass (a batch's worth)."""
        for text in texts:
            self._fill((m.group() for m in WORD.finditer(text)), _case(text))

    def _fill(self, tokens: Iterable[str], case: str) -> None:
        """Cache, for each (token, case) not seen yet, its partial scores at the five offsets."""
        missing = [key for key in {(t, case) for t in tokens} | {(EDGE, case)} if key not in self._cache]
        if not missing:
            return
        matrix = _hasher().transform(char_features(t, o, c) for t, c in missing for o in OFFSETS)
        products = self.weights[matrix.indices] * matrix.data  # no conversion of the whole weight vector
        values = np.add.reduceat(products, matrix.indptr[:-1]).reshape(len(missing), len(OFFSETS))
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache.update(zip(missing, map(tuple, values.tolist()), strict=True))

    def token_scores(self, text: str) -> list[tuple[int, int, float]]:
        """(start, end, score) of every word token; higher means more like part of a person's name."""
        matches = list(WORD.finditer(text))
        if not matches:
            return []
        case = _case(text)
        self._fill((m.group() for m in matches), case)
        cache = self._cache
        edge = cache[(EDGE, case)]
        parts = [edge, edge, *(cache[(m.group(), case)] for m in matches), edge, edge]
        out = []
        for i, match in enumerate(matches):
            if match.group()[0].isalpha():
                total = parts[i][0] + parts[i + 1][1] + parts[i + 2][2] + parts[i + 3][3] + parts[i + 4][4]
                out.append((match.start(), match.end(), self.intercept + total))
        return out

    def max_score(self, text: str) -> float:
        """The highest token score of the text (minus infinity when it has no word)."""
        return max((s for _, _, s in self.token_scores(text)), default=float("-inf"))

    def suspects(self, text: str, threshold: float | None = None) -> list[tuple[int, int]]:
        """Word tokens scoring at or above the threshold (the card's unless given)."""
        limit = self.threshold if threshold is None else threshold
        return [(a, b) for a, b, s in self.token_scores(text) if s >= limit]

    @classmethod
    def load(cls, directory: Path) -> ResidualNameModel:
        weights, intercept, card = load_weights(directory, N_FEATURES, "residual model", "residual_model")
        if card.get("format") != FORMAT or card.get("features") != N_FEATURES or "threshold" not in card:
            raise VigilError(f"{directory / CARD_FILE}: not a calibrated {FORMAT} card")
        return cls(weights, intercept, card)


@functools.lru_cache(maxsize=4)
def load_residual_model(path: str) -> ResidualNameModel:
    """The calibrated model at ``path``, loaded once per process."""
    return ResidualNameModel.load(Path(path))
