"""Train the scrubber's name model and measure it on the dev splits (stage ``name_model``).

The training text is the train split of every configured corpus plus
generated service notes (the generator's gold names, and its part names and
codes as the technical text a name detector must leave alone). The dev splits
are only read to measure: per corpus, the share of gold names the model finds
and the share of other words it marks, at a few thresholds, so the thresholds
the scrubber uses (``scrub.name_model``) can be read off a curve measured on
dev data rather than on anything reported as a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.config_section import from_section
from vigil.errors import VigilError
from vigil.privacy.corpora import Sentence, read_corpus
from vigil.privacy.lexicon import preload
from vigil.privacy.name_model import NameModel, name_runs, sentences_as_texts, training_set

CURVE_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)


@dataclass(frozen=True)
class CorpusSettings:
    """Where the corpora are and which files are train and dev (paths relative to ``directory``)."""

    directory: str = "data/pii_corpora"
    train: tuple[str, ...] = ()
    dev: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameModelSettings:
    """``params.name_model``."""

    corpora: CorpusSettings = field(default_factory=CorpusSettings)
    max_sentences: int = 0  # per corpus file; 0 = all of it (the test pipelines use a few hundred)
    technical_notes: int = 3000  # generated service notes added to the training text
    cased_share: float = 0.34  # share of sentences also given as ALL CAPS and as lower case
    regularisation_c: float = 2.0  # inverse L2 strength of the logistic regression
    seed: int = 13

    @classmethod
    def from_params(cls, section: dict[str, Any]) -> NameModelSettings:
        corpora = from_section(CorpusSettings, section.get("corpora") or {}, "name_model.corpora")
        if not corpora.train:
            raise VigilError("params.yaml: name_model.corpora.train lists no corpus file")
        return from_section(cls, section, "name_model", ignore=("corpora",), corpora=corpora)


def load_split(settings: CorpusSettings, names: tuple[str, ...], limit: int = 0) -> dict[str, list[Sentence]]:
    """Each named corpus file, read and optionally cut to its first ``limit`` sentences."""
    out = {}
    for name in names:
        sentences = read_corpus(Path(settings.directory) / name)
        out[name] = sentences[:limit] if limit else sentences
    return out


def technical_texts(n: int, seed: int) -> list[tuple[str, list]]:
    """Generated service notes with their gold spans (names among them): text a name model must read well."""
    if n <= 0:
        return []
    from vigil.data.synthetic import SyntheticConfig, iter_records

    return [
        (record["text"], [(s["start"], s["end"], s["entity_type"]) for s in gold])
        for record, gold in iter_records(SyntheticConfig(n_records=n, seed=seed))
    ]


def dev_curve(model: NameModel, sentences: list[Sentence]) -> dict[str, Any]:
    """Gold names found and other words marked, at each of ``CURVE_THRESHOLDS``."""
    names = sum(1 for s in sentences for span in s.spans() if span[2] == "PERSON")
    points = []
    scored = [(s, model.token_probabilities(s.text)) for s in sentences]
    for threshold in CURVE_THRESHOLDS:
        found = other_words = other_marked = 0
        for sentence, probabilities in scored:
            runs = name_runs(probabilities, threshold)
            gold = [(a, b) for a, b, kind in sentence.spans() if kind == "PERSON"]
            found += sum(1 for a, b in gold if any(x < b and a < y for x, y, _ in runs))
            for start, _end, token, _ in probabilities:
                if any(c.isalpha() for c in token) and not any(a <= start < b for a, b in gold):
                    other_words += 1
                    other_marked += any(x <= start < y for x, y, _ in runs)
        points.append(
            {
                "threshold": threshold,
                "name_recall": round(found / names, 4) if names else None,
                "other_words_marked": round(other_marked / other_words, 5) if other_words else None,
            }
        )
    return {"sentences": len(sentences), "names": names, "curve": points}


def train_name_model(settings: NameModelSettings) -> tuple[NameModel, dict[str, Any]]:
    """The fitted model and its metrics (training sizes, dev curves per corpus); no timing, so a re-run is identical."""
    preload()
    train = load_split(settings.corpora, settings.corpora.train, settings.max_sentences)
    texts = [pair for sentences in train.values() for pair in sentences_as_texts(sentences)]
    texts += technical_texts(settings.technical_notes, settings.seed)
    data = training_set(texts, settings.seed, settings.cased_share)
    card = {
        "trained_on": {name: len(sentences) for name, sentences in train.items()},
        "technical_notes": settings.technical_notes,
        "tokens": len(data.labels),
        "name_tokens": sum(data.labels),
        "regularisation_c": settings.regularisation_c,
        "cased_share": settings.cased_share,
    }
    model = NameModel.fit(data, settings.regularisation_c, card)
    dev = load_split(settings.corpora, settings.corpora.dev, settings.max_sentences)
    metrics = {
        "training_tokens": len(data.labels),
        "dev": {name: dev_curve(model, sentences) for name, sentences in dev.items()},
    }
    return model, metrics
