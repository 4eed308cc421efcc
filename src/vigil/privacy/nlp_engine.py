"""A spaCy NLP engine for presidio that only pays for what the scrubber uses.

presidio's default engine runs the whole spaCy pipeline (tagger, parser,
lemmatizer, NER) on every text, one text at a time. The scrubber needs tokens
for every note (context words) but named entities only where the model is
useful: spaCy's small English NER finds names in mixed-case text and almost
none in ALL-CAPS or lower-case notes, which the lexicon recognizer covers. So
this engine tokenizes everything in batches and runs the NER component, in
batches, only on the notes in ``ner_scope`` (by default: notes with a
capitalised word after the first, which is how a name shows in mixed case). Lemmas are replaced by lower-case
token text, which is what context-word matching needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.tokens import Doc

from vigil.errors import VigilError

_UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
# presidio's default.yaml NER settings: without the ignore list ORGANIZATION floods the output.
NER_CONFIGURATION = NerModelConfiguration(
    model_to_presidio_entity_mapping={
        "PER": "PERSON",
        "PERSON": "PERSON",
        "NORP": "NRP",
        "FAC": "LOCATION",
        "LOC": "LOCATION",
        "GPE": "LOCATION",
        "LOCATION": "LOCATION",
        "ORG": "ORGANIZATION",
        "ORGANIZATION": "ORGANIZATION",
        "DATE": "DATE_TIME",
        "TIME": "DATE_TIME",
    },
    low_confidence_score_multiplier=0.4,
    low_score_entity_names=[],
    labels_to_ignore=[
        "ORGANIZATION",
        "CARDINAL",
        "EVENT",
        "LANGUAGE",
        "LAW",
        "MONEY",
        "ORDINAL",
        "PERCENT",
        "PRODUCT",
        "QUANTITY",
        "WORK_OF_ART",
    ],
)


def model_path(package: str) -> Path:
    """Directory of an installed spaCy model package (loaded from disk, never downloaded)."""
    import importlib

    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError:
        raise VigilError(f"spaCy model package {package!r} is not installed (see pyproject.toml)") from None
    if module.__file__ is None:
        raise VigilError(f"spaCy model package {package!r} has no files (a namespace package?)")
    root = Path(module.__file__).parent
    candidates = [p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").exists()]
    return candidates[0] if candidates else root


# A capitalised word (capital + lower-case letters) after the first character: what a
# name looks like in mixed-case text. ALL-CAPS codes ("PN", "VIN", "P0301") do not count.
_CAPITALISED_WORD = re.compile(r"(?<=[\s,;:(\-])[A-ZÀ-Ý][a-zà-ÿ]+")


def needs_ner(text: str, scope: str) -> bool:
    """Whether spaCy NER is worth running on this note under ``scope``."""
    if scope == "all":
        return True
    if scope == "none":
        return False
    return _CAPITALISED_WORD.search(text) is not None


class ScopedSpacyNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine with tokens for all texts and NER only within ``ner_scope``."""

    def __init__(self, package: str, language: str = "en", ner_scope: str = "mixed_case", batch_size: int = 256):
        super().__init__(
            models=[{"lang_code": language, "model_name": package}], ner_model_configuration=NER_CONFIGURATION
        )
        self.package, self.language, self.ner_scope, self.batch_size = package, language, ner_scope, batch_size

    def load(self) -> None:
        nlp = spacy.load(model_path(self.package), exclude=_UNUSED_COMPONENTS)
        self.nlp = {self.language: nlp}  # type: ignore[assignment]  # presidio declares it None until loaded
        self._stop_words = frozenset(nlp.Defaults.stop_words)

    def is_stopword(self, word: str, language: str) -> bool:
        """Set lookup instead of presidio's per-token vocabulary query (called for every token)."""
        return word.lower() in self._stop_words

    def is_punct(self, word: str, language: str) -> bool:
        return not any(c.isalnum() for c in word)

    def _artifacts(self, doc: Doc) -> NlpArtifacts:
        entities, scores = self._get_updated_entities(list(doc.ents), self._get_scores_for_entities(doc))
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[t.idx for t in doc],
            lemmas=[t.lower_ for t in doc],
            nlp_engine=self,
            language=self.language,
            scores=scores,
        )

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return next(iter(self.process_batch([text], language)))[1]

    def process_batch(  # type: ignore[override]  # same call shape; narrower types than presidio's union
        self, texts: Iterable[str], language: str, batch_size: int = 0, n_process: int = 1, **kwargs
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        nlp = self.nlp[language]  # type: ignore[index]
        texts = list(texts)
        docs = list(nlp.tokenizer.pipe(texts, batch_size=batch_size or self.batch_size))
        selected = [i for i, text in enumerate(texts) if needs_ner(text, self.ner_scope)]
        if selected and "ner" in nlp.pipe_names:
            ner = nlp.get_pipe("ner")
            for index, doc in zip(
                selected, ner.pipe((docs[i] for i in selected), batch_size=batch_size or self.batch_size), strict=True
            ):
                docs[index] = doc
        for text, doc in zip(texts, docs, strict=True):
            yield text, self._artifacts(doc)
