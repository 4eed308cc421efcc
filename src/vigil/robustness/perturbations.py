"""Realistic rewrites of a service note: what the model meets in production but not in the test split.

Each perturbation is a pure function of the text and a seeded generator, so the
audit is reproducible note by note. Scrub placeholders (``<PERSON>``) are left
alone by every rewrite except the one about placeholders: they are written by
the scrubber after a person typed the note, so no person mistypes or abbreviates
them. A perturbation either keeps the note's meaning (a robust model should
not change its answer) or removes information (truncation: a drop is expected,
its size is what is measured); the policy treats the two kinds differently.

Why not nlpaug: its 1.1.11 keyboard augmenter re-tokenises the whole text
("RO#" becomes "RO #"), mistypes scrub placeholders ("<PERSOH>") and draws from
the global random state, so results change with import order.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vigil.privacy.entities import pseudonym_placeholder
from vigil.robustness.keyboard import keyboard_typo
from vigil.robustness.settings import TABLE_OF, RobustnessSettings

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
WORD = re.compile(r"[^\W\d_]+")

Rewrite = Callable[[str, random.Random], str]


@dataclass(frozen=True)
class Perturbation:
    name: str
    description: str
    preserves_meaning: bool
    rewrite: Rewrite

    def apply(self, text: str, seed: int, index: int) -> str:
        """The rewrite of note ``index``; the same (seed, perturbation, note) always gives the same text."""
        return self.rewrite(text, random.Random(f"{seed}/{self.name}/{index}"))


def outside_placeholders(text: str, rewrite: Callable[[str], str]) -> str:
    """Apply ``rewrite`` to the text between scrub placeholders, keeping the placeholders as they are."""
    pieces, cursor = [], 0
    for match in PLACEHOLDER.finditer(text):
        pieces += [rewrite(text[cursor : match.start()]), match.group()]
        cursor = match.end()
    pieces.append(rewrite(text[cursor:]))
    return "".join(pieces)


def strip_accents(text: str) -> str:
    """'revisão' -> 'revisao', as ASCII-only dealer systems and keyboards without dead keys write it."""
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    )


def match_case(source: str, replacement: str) -> str:
    """Write ``replacement`` in the case style of ``source`` (UPPER, Capitalised or as given)."""
    letters = [c for c in source if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if letters and source[0].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def term_swapper(table: Mapping[str, str], probability: float) -> Rewrite:
    """Replace each occurrence of a term by its counterpart (both directions) with ``probability``.

    One table serves abbreviations ("customer" <-> "cust") and the bilingual
    glossary ("brake" <-> "freio"); terms may span words ("customer states").
    """
    both: dict[str, str] = {}
    for left, right in table.items():
        both.setdefault(str(left).lower(), str(right))
        both.setdefault(str(right).lower(), str(left))
    if not both:
        return lambda text, rng: text
    alternatives = "|".join(re.escape(term) for term in sorted(both, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def rewrite(text: str, rng: random.Random) -> str:
        def swap(match: re.Match[str]) -> str:
            if rng.random() >= probability:
                return match.group()
            return match_case(match.group(), both[match.group().lower()])

        return outside_placeholders(text, lambda piece: pattern.sub(swap, piece))

    return rewrite


def typo_rewriter(rate: float) -> Rewrite:
    """A keyboard slip in each word of four letters or more with probability ``rate``."""

    def rewrite(text: str, rng: random.Random) -> str:
        def slip(match: re.Match[str]) -> str:
            word = match.group()
            return keyboard_typo(rng, word) if len(word) >= 4 and rng.random() < rate else word

        return outside_placeholders(text, lambda piece: WORD.sub(slip, piece))

    return rewrite


def pseudonymised_placeholders(text: str, rng: random.Random) -> str:
    """``<PERSON>`` -> ``<PERSON_3f9a1c0b2e>``: the text as ``scrub: pseudonymize`` would have written it."""
    return PLACEHOLDER.sub(lambda m: pseudonym_placeholder(m.group()[1:-1], f"{rng.getrandbits(40):010x}"), text)


def truncator(fraction: float) -> Rewrite:
    """Keep the first ``fraction`` of the words (at least one), as a form field with a length limit does."""

    def rewrite(text: str, rng: random.Random) -> str:
        words = list(re.finditer(r"\S+", text))
        if not words:
            return text
        keep = max(1, math.ceil(len(words) * fraction))
        return text[: words[keep - 1].end()]

    return rewrite


def build_perturbations(settings: RobustnessSettings) -> list[Perturbation]:
    """The configured perturbations, in the order of ``audit.robustness.perturbations``."""
    available = {
        "typos": Perturbation(
            "typos",
            f"a keyboard slip (neighbouring key, dropped, doubled or swapped letter) in {settings.typo_rate:.0%} "
            "of the words of four letters or more",
            True,
            typo_rewriter(settings.typo_rate),
        ),
        "upper": Perturbation(
            "upper", "the whole note in capitals", True, lambda t, r: outside_placeholders(t, str.upper)
        ),
        "lower": Perturbation(
            "lower", "the whole note in lower case", True, lambda t, r: outside_placeholders(t, str.lower)
        ),
        "strip_accents": Perturbation(
            "strip_accents",
            "accents removed (revisão -> revisao)",
            True,
            lambda t, r: outside_placeholders(t, strip_accents),
        ),
        "abbreviations": Perturbation(
            "abbreviations",
            f"each of the {len(settings.abbreviations)} terms of data.vocabulary.abbreviations written the other "
            "way (full <-> abbreviated)",
            True,
            term_swapper(settings.abbreviations, 1.0),
        ),
        "language_mix": Perturbation(
            "language_mix",
            f"{settings.mix_rate:.0%} of the {len(settings.glossary)} terms of data.vocabulary.glossary written in "
            "the other language",
            True,
            term_swapper(settings.glossary, settings.mix_rate),
        ),
        "placeholders": Perturbation(
            "placeholders",
            "scrub placeholders in the pseudonymised form (<PERSON> -> <PERSON_3f9a1c0b2e>)",
            True,
            pseudonymised_placeholders,
        ),
        "truncation": Perturbation(
            "truncation",
            f"only the first {settings.truncate_fraction:.0%} of the words kept",
            False,
            truncator(settings.truncate_fraction),
        ),
    }
    skipped = not_run(settings)
    return [available[name] for name in settings.perturbations if name not in skipped]


def not_run(settings: RobustnessSettings) -> dict[str, str]:
    """Configured rewrites that have nothing to swap, with the reason the report prints.

    A rewrite with an empty table would change no note and read as "no change": a
    robustness claim nobody measured.
    """
    return {
        name: f"data.vocabulary.{TABLE_OF[name]} is empty"
        for name in settings.perturbations
        if name in TABLE_OF and not getattr(settings, TABLE_OF[name])
    }
