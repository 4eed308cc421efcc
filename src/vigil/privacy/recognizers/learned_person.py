"""PERSON spans from the learned name model (:mod:`vigil.privacy.name_model`), one note at a time.

The NLP engine scores every token of a note once and hands the probabilities
over in the note's artifacts; this recognizer turns runs at or above
``scrub.name_model.threshold`` into PERSON results. In an ALL-CAPS note a
capital is no evidence, and the corpora hold little technical text in capitals
(the model scores "TAKEOFF", "FILLER", "JET" 0.2-0.7 in ALL-CAPS maintenance
remarks, and the names there 0.8-1.0), so there a run must reach the higher
``weak_case_threshold`` and hold a word that is a name and not also vocabulary,
or a word no dictionary knows; a name that is also a word needs a cue there,
which the other name rules read. Lower-case notes (chat, social media) keep
the ordinary threshold: their names are what the WNUT-17 corpus is made of.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from vigil.privacy.lexicon import CUE_WORDS, HONORIFICS, fold, is_distinctive_name, is_everyday_word, is_rare_word
from vigil.privacy.name_model import name_runs
from vigil.privacy.truecase import is_single_case

NAME_PROBABILITIES = "name_probabilities"  # the attribute of presidio's NlpArtifacts the engine fills


def token_probabilities(nlp_artifacts) -> list[tuple[int, int, str, float]]:
    """The learned model's (start, end, token, probability) for the note, or none when no model is loaded."""
    return getattr(nlp_artifacts, NAME_PROBABILITIES, None) or []


def _all_caps_evidence(run: str) -> bool:
    """A word of the run is a distinctive name or unknown to the dictionaries (what case cannot tell)."""
    keys = [fold(w) for w in run.replace(".", " ").split() if len(w) > 1]
    return any(is_distinctive_name(k) or is_rare_word(k) for k in keys)


_PREVIOUS_WORD = re.compile(r"([^\W\d_]+)\s+$")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;]\s*)$")


def in_title_case_phrase(text: str, start: int) -> bool:
    """The run continues a Title-Case phrase: the word before it is capitalised vocabulary inside a sentence.

    "Power Steering Pump Whine", "towed to Baton Rouge": capitals there mark a phrase, not a name. A cue word
    ("Customer Aline") or a sentence's first word ("Called Maribel") is no such phrase.
    """
    before = _PREVIOUS_WORD.search(text[max(0, start - 30) : start])
    if before is None or not before.group(1)[0].isupper() or before.group(1).isupper():
        return False
    key = fold(before.group(1))
    if key in CUE_WORDS or key in HONORIFICS or not is_everyday_word(key):
        return False
    head = text[max(0, start - 30) : start][: before.start(1)]
    return _SENTENCE_END.search(head) is None


class LearnedNameRecognizer(EntityRecognizer):
    """Runs of tokens the learned model scores at or above ``threshold``."""

    def __init__(self, threshold: float, weak_case_threshold: float, supported_language: str = "en") -> None:
        self.threshold, self.weak_case_threshold = threshold, weak_case_threshold
        super().__init__(
            supported_entities=["PERSON"], supported_language=supported_language, name="LearnedNameRecognizer"
        )

    def load(self) -> None:  # noqa: D102 - the model is loaded by the NLP engine
        pass

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: D102 - presidio's contract
        probabilities = token_probabilities(nlp_artifacts)
        if not probabilities:
            return []
        all_caps = is_single_case(text) and not any(c.islower() for c in text)
        out = []
        for start, end, p in name_runs(probabilities, self.threshold):
            if all_caps and (p < self.weak_case_threshold or not _all_caps_evidence(text[start:end])):
                continue
            if not all_caps and in_title_case_phrase(text, start):
                continue
            explanation = AnalysisExplanation(
                recognizer=self.name, original_score=p, textual_explanation=f"learned name model p={p:.2f}"
            )
            out.append(RecognizerResult("PERSON", start, end, round(0.5 + p / 2, 4), explanation))
        return out
