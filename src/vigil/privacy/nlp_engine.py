"""A spaCy NLP engine for presidio that only pays for what the scrubber uses.

presidio's default engine runs the whole spaCy pipeline (tagger, parser,
lemmatizer, NER) on every text, one text at a time. The scrubber needs tokens
(context words) and named entities, nothing else. So this engine tokenizes in
batches and runs only the NER component, in batches, on windows around
capitalised words that are not vocabulary (see :func:`ner_windows`), in the
notes that ``ner_scope`` selects (see :func:`needs_ner`). English NER finds
almost no names in ALL-CAPS or lower-case text, so notes are truecased first
(:func:`vigil.privacy.truecase.truecase`, offsets preserved): ALL-CAPS runs
inside edited text ("Relator: ARNOLDO CAMANHO"), whole single-case notes.
Lemmas are replaced by lower-case token text, which is what context-word
matching needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.attrs import IDX, LOWER
from spacy.tokens import Doc
from spacy.util import filter_spans

from vigil.errors import VigilError
from vigil.privacy.lexicon import fold, is_everyday_word
from vigil.privacy.name_model import NameModel
from vigil.privacy.recognizers.learned_person import NAME_PROBABILITIES
from vigil.privacy.truecase import is_single_case, truecase

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
_ANY_CAPITALISED_WORD = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+")


def needs_ner(text: str, scope: str) -> bool:
    """Whether spaCy NER runs on this note under ``scope`` (``all``, ``mixed_case`` or ``none``).

    ``mixed_case`` (the default) skips single-case notes: there the capitals carry
    no information, so :mod:`vigil.privacy.recognizers.ner_person` keeps an NER
    name only with lexicon evidence, which the lexicon recognizer already acts on
    by itself. Measured (bench/pii_quality.py, bench/scrub.py --ner-scope all): NER on
    single-case notes too (``all``) adds 0.006 PERSON recall on synth_dataset_v2 and
    halves throughput (docs/privacy.md).
    """
    if scope == "none":
        return False
    return scope == "all" or not is_single_case(text)


_ALNUM = re.compile(r"[^\W_]")
_WINDOW_CHARS = 40  # context on each side of a candidate word: a few words, what NER needs to tell a name


def ner_windows(text: str, also: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Character ranges of ``text`` worth showing NER: around capitalised words that are not vocabulary.

    NER cost grows with the tokens it reads; a name is recognised from a few words
    around it. Windows of ``_WINDOW_CHARS`` on each side of every candidate, cut at
    whitespace and merged when they touch, cover every span NER could return that
    :mod:`vigil.privacy.recognizers.ner_person` would keep, at a fraction of the text.
    ``also`` adds candidates found otherwise (capitalised tokens the learned name model
    finds likely, which may be everyday words: "Price", "Hunter").
    """
    candidates = [
        (m.start(), m.end()) for m in _ANY_CAPITALISED_WORD.finditer(text) if not is_everyday_word(fold(m.group()))
    ]
    windows: list[tuple[int, int]] = []
    for first, last in sorted({*candidates, *also}):
        start = text.rfind(" ", 0, max(0, first - _WINDOW_CHARS)) + 1
        end = text.find(" ", min(len(text), last + _WINDOW_CHARS))
        end = len(text) if end == -1 else end
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


class ScopedSpacyNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine with tokens for all texts and NER only within ``ner_scope``."""

    def __init__(
        self,
        package: str,
        language: str = "en",
        ner_scope: str = "mixed_case",
        batch_size: int = 256,
        name_model: NameModel | None = None,
        window_threshold: float = 1.0,
    ):
        """``name_model``, when given, scores every note's tokens; NER also reads around capitalised tokens
        it scores at or above ``window_threshold`` (names that are also words: "Price", "Hunter")."""
        super().__init__(
            models=[{"lang_code": language, "model_name": package}], ner_model_configuration=NER_CONFIGURATION
        )
        self.package, self.language, self.ner_scope, self.batch_size = package, language, ner_scope, batch_size
        self.name_model, self.window_threshold = name_model, window_threshold

    def load(self) -> None:
        nlp = spacy.load(model_path(self.package), exclude=_UNUSED_COMPONENTS)
        self.nlp = {self.language: nlp}  # type: ignore[assignment]  # presidio declares it None until loaded
        self._stop_words = frozenset(nlp.Defaults.stop_words)

    def is_stopword(self, word: str, language: str) -> bool:
        """Set lookup instead of presidio's per-token vocabulary query (called for every token)."""
        return word.lower() in self._stop_words

    def is_punct(self, word: str, language: str) -> bool:
        """No letter or digit (called for every token by presidio's NlpArtifacts)."""
        return _ALNUM.search(word) is None

    def _artifacts(self, doc: Doc) -> NlpArtifacts:
        entities, scores = self._get_updated_entities(list(doc.ents), self._get_scores_for_entities(doc))
        strings = doc.vocab.strings
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=doc.to_array(IDX).tolist(),  # arrays, not one Token object per token
            lemmas=[strings[key] for key in doc.to_array(LOWER).tolist()],
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
        cased = [truecase(text) for text in texts] if self.ner_scope != "none" else texts
        size = batch_size or self.batch_size
        docs = list(nlp.tokenizer.pipe(cased, batch_size=size))
        scored = self.name_model.batch_probabilities(texts) if self.name_model else [[]] * len(texts)
        selected = [i for i, text in enumerate(texts) if needs_ner(text, self.ner_scope)]
        if selected and "ner" in nlp.pipe_names:
            likely = [self._likely_names(probabilities) for probabilities in scored]
            self._windowed_ner(nlp, selected, cased, docs, size, likely)
        for text, doc, probabilities in zip(texts, docs, scored, strict=True):
            artifacts = self._artifacts(doc)
            setattr(artifacts, NAME_PROBABILITIES, probabilities)
            yield text, artifacts

    def _likely_names(self, probabilities: list[tuple[int, int, str, float]]) -> list[tuple[int, int]]:
        """Capitalised tokens the name model scores at or above ``window_threshold``: NER reads around them too."""
        return [(a, b) for a, b, token, p in probabilities if p >= self.window_threshold and token[:1].isupper()]

    @staticmethod
    def _windowed_ner(
        nlp, selected: list[int], cased: list[str], docs: list[Doc], size: int, likely: list[list[tuple[int, int]]]
    ) -> None:
        """NER over :func:`ner_windows` of every note; entities set on the notes' own docs (offsets mapped back)."""
        pieces = [(i, a, cased[i][a:b]) for i in selected for a, b in ner_windows(cased[i], likely[i])]
        if not pieces:
            return
        ner = nlp.get_pipe("ner")
        found: dict[int, list] = {}
        for (index, offset, _), piece in zip(
            pieces,
            ner.pipe(nlp.tokenizer.pipe((p for _, _, p in pieces), batch_size=size), batch_size=size),
            strict=True,
        ):
            for ent in piece.ents:
                span = docs[index].char_span(
                    ent.start_char + offset, ent.end_char + offset, label=ent.label_, alignment_mode="expand"
                )
                if span is not None:
                    found.setdefault(index, []).append(span)
        for index, spans in found.items():
            docs[index].ents = filter_spans(spans)
