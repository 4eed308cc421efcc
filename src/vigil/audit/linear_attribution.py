"""Exact word attributions for the TF-IDF linear families.

A linear family scores class ``k`` as ``w_k . x + b_k`` over word n-gram and
character n-gram TF-IDF features. Each feature's contribution ``w_kj x_j`` is
split over the words that produced it (a word bigram half to each word, a
character n-gram to the word it lies in, repeated occurrences equally), so the
word weights of a text add up to its class score minus the intercept. That sum
is checked: ``residual`` is what could not be assigned to a word (zero unless
the text normalisation changed word boundaries) and is reported, not hidden.
For the SVM family the score is the SVM decision value before Platt
calibration (a monotone map per class); for logistic regression it is the
logit before temperature scaling.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vigil.audit.tokens import words
from vigil.modeling.capabilities import LinearTextModel

# Feature column -> a word's share of that column's occurrences.
Shares = defaultdict[int, float]


def is_linear(model: object) -> bool:
    """Whether ``model`` offers exact word attributions (the :class:`LinearTextModel` capability)."""
    return isinstance(model, LinearTextModel)


@dataclass(frozen=True)
class WordAttribution:
    words: list[str]
    weights: dict[int, np.ndarray]  # class index -> weight per word
    residual: dict[int, float]  # class index -> score not assigned to any word
    char_share: float  # share of |contribution| from character n-grams


def _accumulate(target: Shares, source: Shares) -> None:
    for column, share in source.items():
        target[column] += share


def _word_block_occurrences(text_words: list[str], vectorizer: Any, offset: int) -> list[Shares]:
    """Per word: how much of each word n-gram feature it produced (a bigram gives 1/2 to each word)."""
    preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
    sequence = [(token, i) for i, word in enumerate(text_words) for token in tokenize(preprocess(word))]
    low, high = vectorizer.ngram_range
    vocabulary = vectorizer.vocabulary_
    occurrences: list[Shares] = [Shares(float) for _ in text_words]
    for n in range(low, high + 1):
        for start in range(len(sequence) - n + 1):
            gram = sequence[start : start + n]
            column = vocabulary.get(" ".join(token for token, _ in gram))
            if column is None:
                continue
            for _, word_index in gram:
                occurrences[word_index][offset + column] += 1.0 / n
    return occurrences


def _char_block_occurrences(text_words: list[str], vectorizer: Any, offset: int) -> list[Shares]:
    """Per word: the character n-gram features it produced (char_wb n-grams never cross words)."""
    analyze, vocabulary = vectorizer.build_analyzer(), vectorizer.vocabulary_
    occurrences: list[Shares] = []
    for word in text_words:
        counter: Shares = Shares(float)
        for gram in analyze(word):
            column = vocabulary.get(gram)
            if column is not None:
                counter[offset + column] += 1.0
        occurrences.append(counter)
    return occurrences


class LinearExplainer:
    """Exact attributions, coefficient rankings and refits for a :class:`LinearTextModel`."""

    def __init__(self, model: LinearTextModel) -> None:
        self.model = model
        self.coef, self.intercept = model.class_weights()
        self.blocks: list[tuple[str, Any, int]] = []
        offset = 0
        for name, vectorizer in model.vectorizers():
            self.blocks.append((name, vectorizer, offset))
            offset += len(vectorizer.vocabulary_)
        self.char_columns = np.zeros(offset, dtype=bool)
        for _, vectorizer, start in self.blocks:
            if vectorizer.analyzer != "word":
                self.char_columns[start : start + len(vectorizer.vocabulary_)] = True

    def attribute(self, text: str, class_indices: Sequence[int]) -> WordAttribution:
        text_words = words(text)
        row = self.model.features([text])
        columns, values = row.indices, row.data
        occurrences: list[Shares] = [Shares(float) for _ in text_words]
        for _, vectorizer, offset in self.blocks:
            block = (
                _word_block_occurrences(text_words, vectorizer, offset)
                if vectorizer.analyzer == "word"
                else _char_block_occurrences(text_words, vectorizer, offset)
            )
            for target, source in zip(occurrences, block, strict=True):
                _accumulate(target, source)
        totals: Shares = Shares(float)
        for counter in occurrences:
            _accumulate(totals, counter)
        weights: dict[int, np.ndarray] = {}
        residual: dict[int, float] = {}
        for k in class_indices:
            contribution = dict(zip(columns.tolist(), (values * self.coef[k, columns]).tolist(), strict=True))
            per_word = np.array(
                [
                    sum(contribution.get(c, 0.0) * share / totals[c] for c, share in counter.items())
                    for counter in occurrences
                ]
            )
            weights[k] = per_word
            residual[k] = float(sum(contribution.values()) - per_word.sum())
        magnitude = np.abs(values * self.coef[class_indices[0], columns]) if len(columns) else np.array([0.0])
        char = magnitude[self.char_columns[columns]].sum() if len(columns) else 0.0
        return WordAttribution(
            words=text_words,
            weights=weights,
            residual=residual,
            char_share=float(char / magnitude.sum()) if magnitude.sum() > 0 else 0.0,
        )

    def word_feature_names(self) -> tuple[np.ndarray, list[str]]:
        """Columns and names of the word n-gram features (the readable ones)."""
        for _, vectorizer, offset in self.blocks:
            if vectorizer.analyzer == "word":
                names = vectorizer.get_feature_names_out()
                return offset + np.arange(len(names)), [str(n) for n in names]
        return np.array([], dtype=int), []

    def top_tokens(self, coef: np.ndarray, top: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Per class, the word n-grams with the largest and smallest coefficients."""
        columns, names = self.word_feature_names()
        ranking: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for k, label in enumerate(self.model.classes_):
            scores = coef[k, columns]
            order = np.lexsort((np.array(names), -scores))
            positive = [i for i in order[:top] if scores[i] > 0]
            negative = [i for i in order[::-1][:top] if scores[i] < 0]
            ranking[label] = {
                "positive": [{"token": names[i], "weight": round(float(scores[i]), 6)} for i in positive],
                "negative": [{"token": names[i], "weight": round(float(scores[i]), 6)} for i in negative],
            }
        return ranking
