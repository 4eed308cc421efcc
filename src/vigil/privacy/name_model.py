"""The scrubber's learned name detector: a logistic model over word windows, trained on real text.

Rules and a lexicon find the names they were written for; people write names
the rules never saw: lone surnames of public figures, names that are also
words ("Price", "Hunter"), lower-case names in social media, Portuguese names
in news. This model learns from three public corpora of such text
(:mod:`vigil.privacy.corpora`; WNUT-17, LeNER-Br, First HAREM train splits)
plus generated service notes (technical text, where part names and codes are
not names), with upper- and lower-case copies of a third of the sentences so
that it learns to do without capitals. The ``name_model`` stage trains it
(``stages/name_model.py``) and measures it on the dev splits; the scrubber's
two thresholds on its probabilities (``scrub.name_model``) were chosen on
those dev splits with ``bench/pii_quality.py``, never on a test split:

* ``threshold``: a run of tokens at or above it is a name by itself
  (:mod:`vigil.privacy.recognizers.learned_person`);
* ``vouch_threshold``: an NER span the lexicon cannot vouch for is kept when
  one of its tokens reaches it (:mod:`vigil.privacy.recognizers.ner_person`).

Scoring is cheap because the model is linear in per-(offset, word, case)
features (:mod:`vigil.privacy.name_features`): the logit of a token is a sum
of cached numbers, one per neighbour.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vigil.errors import VigilError
from vigil.privacy.corpora import Sentence
from vigil.privacy.hashed_weights import CARD_FILE, HashedWeights, load_weights
from vigil.privacy.lexicon import PARTICLES, fold
from vigil.privacy.name_features import BOUNDARY, OFFSETS, note_case, tokens, word_features

N_FEATURES = 2**20
SOLVER = "lbfgs"
MAX_ITER = 300
FORMAT = "vigil-name-model/1"


def _hasher():
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)


def cased_copies(text: str, rng: random.Random, share: float) -> list[tuple[str, str]]:
    """``text`` as written, plus (each with probability ``share``) its ALL-CAPS and lower-case copies.

    Upper- and lower-casing keep every character offset in the scripts of these
    corpora, so the gold spans stay valid (checked: a copy whose length changes is dropped).
    """
    out = [(text, note_case(text))]
    for variant in (text.upper(), text.lower()):
        if variant != text and len(variant) == len(text) and rng.random() < share:
            out.append((variant, note_case(variant)))
    return out


def token_labels(text: str, spans: Iterable[tuple[int, int, str]]) -> tuple[list[str], list[int]]:
    """The model's tokens of ``text`` and 1 for each that starts inside a gold PERSON span."""
    inside = bytearray(len(text))
    for start, end, kind in spans:
        if kind == "PERSON":
            inside[start:end] = b"\x01" * (end - start)
    words, labels = [], []
    for match in tokens(text):
        words.append(match.group())
        labels.append(inside[match.start()])
    return words, labels


def window_keys(words: Sequence[str], case: str) -> list[tuple[int, str, str]]:
    """(offset, word, case) for every token and offset, token after token: what a token's features are made of."""
    padded = [BOUNDARY, BOUNDARY, *words, BOUNDARY, BOUNDARY]
    return [(offset, padded[i + 2 + offset], case) for i in range(len(words)) for offset in OFFSETS]


@dataclass(frozen=True)
class TrainingSet:
    """Token rows as (offset, word, case) keys, ``len(OFFSETS)`` per token, and a 0/1 label per token."""

    keys: list[tuple[int, str, str]]
    labels: list[int]

    def matrix(self):
        """The hashed feature matrix: each distinct key hashed once, tokens summing their keys' rows."""
        from scipy import sparse

        distinct = list(dict.fromkeys(self.keys))
        index = {key: i for i, key in enumerate(distinct)}
        key_rows = _hasher().transform(word_features(w, o, c) for o, w, c in distinct)
        width = len(OFFSETS)
        columns = np.fromiter((index[k] for k in self.keys), dtype=np.int64, count=len(self.keys))
        pointer = np.arange(0, len(self.keys) + 1, width, dtype=np.int64)
        tokens_by_key = sparse.csr_matrix(
            (np.ones(len(self.keys), dtype=np.float32), columns, pointer), shape=(len(self.labels), len(distinct))
        )
        matrix = (tokens_by_key @ key_rows).tocsr()
        matrix.data = np.minimum(matrix.data, 1.0)  # a feature present at two offsets is still one feature
        return matrix


def training_set(texts_and_spans: Iterable[tuple[str, list]], seed: int, cased_share: float) -> TrainingSet:
    rng = random.Random(seed)
    keys: list[tuple[int, str, str]] = []
    labels: list[int] = []
    for text, spans in texts_and_spans:
        for variant, case in cased_copies(text, rng, cased_share):
            words, marks = token_labels(variant, spans)
            keys.extend(window_keys(words, case))
            labels.extend(marks)
    return TrainingSet(keys, labels)


def sentences_as_texts(sentences: Iterable[Sentence]) -> Iterator[tuple[str, list]]:
    return ((s.text, s.spans()) for s in sentences)


@dataclass
class NameModel(HashedWeights):
    """A trained model: hashed feature weights, intercept, its card, and a per-word cache of partial logits."""

    FEATURES = N_FEATURES
    FORMAT = FORMAT

    @classmethod
    def fit(cls, data: TrainingSet, c: float, card: dict | None = None) -> NameModel:
        from sklearn.linear_model import LogisticRegression

        matrix = data.matrix()
        model = LogisticRegression(C=c, solver=SOLVER, max_iter=MAX_ITER)
        model.fit(matrix, np.asarray(data.labels))
        return cls(model.coef_[0].astype(np.float32), float(model.intercept_[0]), card or {})

    def _partials(self, words: Iterable[str], case: str) -> None:
        """Cache, for each (word, case) not seen yet, its partial logits at the five offsets: one hashing pass."""
        missing = [key for key in {(w, case) for w in words} | {(BOUNDARY, case)} if key not in self._cache]
        if not missing:
            return
        matrix = _hasher().transform(word_features(w, o, c) for w, c in missing for o in OFFSETS)
        # Sum each row's weights by index: a sparse product would convert the 2**20 weights every call.
        products = self.weights[matrix.indices] * matrix.data
        values = np.add.reduceat(products, matrix.indptr[:-1]).reshape(len(missing), len(OFFSETS))
        if len(self._cache) > 200_000:  # bounded memory over millions of notes
            self._cache.clear()
        self._cache.update(zip(missing, map(tuple, values.tolist()), strict=True))

    def batch_probabilities(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        """:meth:`token_probabilities` of every text, with the cache filled for the whole batch at once."""
        tokenised = [(tokens(text), note_case(text)) for text in texts]
        for case in {case for _, case in tokenised}:
            self._partials((m.group() for matches, c in tokenised if c == case for m in matches), case)
        return [self._scored(matches, case) for matches, case in tokenised]

    def token_probabilities(self, text: str) -> list[tuple[int, int, str, float]]:
        """(start, end, token, probability of being part of a person's name) for every token."""
        matches = tokens(text)
        case = note_case(text)
        self._partials((m.group() for m in matches), case)
        return self._scored(matches, case)

    def _scored(self, matches: list, case: str) -> list[tuple[int, int, str, float]]:
        """A token's logit is the sum of its neighbours' partials, each at its offset (-2..+2)."""
        cache = self._cache
        edge = cache[(BOUNDARY, case)]
        parts = [edge, edge, *(cache[(m.group(), case)] for m in matches), edge, edge]
        out = []
        for i, match in enumerate(matches):
            total = parts[i][0] + parts[i + 1][1] + parts[i + 2][2] + parts[i + 3][3] + parts[i + 4][4]
            logit = self.intercept + total
            out.append((match.start(), match.end(), match.group(), 1.0 / (1.0 + math.exp(-logit))))
        return out

    def spans(self, text: str, threshold: float) -> list[tuple[int, int, float]]:
        """Runs of name tokens at or above ``threshold``, joined over particles ("Maria das Graças")."""
        return name_runs(self.token_probabilities(text), threshold)

    @classmethod
    def load(cls, directory: Path) -> NameModel:
        weights, intercept, card = load_weights(directory, N_FEATURES, "name model", "name_model")
        if card.get("format") != FORMAT or card.get("features") != N_FEATURES:
            raise VigilError(f"{directory / CARD_FILE}: format {card.get('format')!r}, expected {FORMAT!r}")
        return cls(weights, intercept, card)


@functools.lru_cache(maxsize=4)
def load_name_model(path: str) -> NameModel:
    """The model at ``path`` (relative to the working directory), loaded once per process."""
    return NameModel.load(Path(path))


def _is_word(token: str) -> bool:
    return any(c.isalpha() for c in token)


def name_runs(scored: list[tuple[int, int, str, float]], threshold: float) -> list[tuple[int, int, float]]:
    """Adjacent word tokens at or above ``threshold`` as one span (start, end, highest probability).

    A particle between two name tokens joins them; a period right after a
    one-letter name token (an initial) belongs to it.
    """
    runs: list[list] = []
    last_index = -10
    for index, (start, end, token, p) in enumerate(scored):
        if p < threshold or not _is_word(token):
            if (
                token == "."
                and runs
                and last_index == index - 1
                and len(scored[index - 1][2]) == 1
                and start == runs[-1][1]
            ):
                runs[-1][1] = end
                last_index = index
            continue
        bridge = runs and last_index == index - 2 and fold(scored[index - 1][2]) in PARTICLES
        if runs and (last_index == index - 1 or bridge):
            runs[-1][1], runs[-1][2] = end, max(runs[-1][2], p)
        else:
            runs.append([start, end, p])
        last_index = index
    return [(a, b, p) for a, b, p in runs]
