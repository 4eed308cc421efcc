"""PII detection quality per entity type, Vigil's scrubber vs presidio's defaults.

    python bench/pii_quality.py [--n 3000] [--naive-n 1000]

Data sets: (a) the generator's gold spans (seed 101, not the pipeline's seed),
(b) presidio-research's synth_dataset_v2 from ../shared (skipped when absent).
Scores: recall/precision per type (overlap with a span of the same type), PII
characters left unmasked and non-PII characters masked (any type).
"""

from __future__ import annotations

import argparse
import sys
import time

from _common import SHARED_PII_EVAL, naive_analyzer, presidio_research_gold, synthetic_gold

from vigil.privacy.config import ScrubConfig
from vigil.privacy.evaluation import DetectionScore
from vigil.privacy.scrubber import Scrubber


def _vigil_spans(scrubber: Scrubber, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    return [[(r.start, r.end, r.entity_type) for r in found] for found in scrubber.analyze_batch(texts)]


def _naive_spans(analyzer, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    out = []
    for text in texts:
        out.append([(r.start, r.end, r.entity_type) for r in analyzer.analyze(text, language="en")])
    return out


def _score(texts, gold, predicted, keep=None) -> DetectionScore:
    score = DetectionScore()
    for text, g, p in zip(texts, gold, predicted, strict=True):
        if keep is None or keep(text):
            score.add(len(text), g, p)
    return score


def _fmt(value) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _print_table(title: str, scores: dict[str, DetectionScore]) -> None:
    print(f"\n## {title}")
    names = list(scores)
    print("| entity type | gold | " + " | ".join(f"{n} recall | {n} precision" for n in names) + " |")
    print("|---|---:|" + "---:|---:|" * len(names))
    types = sorted({t for s in scores.values() for t in s.by_type if s.by_type[t].gold})
    for kind in types:
        cells = []
        for name in names:
            s = scores[name].by_type.get(kind)
            cells += [_fmt(s.recall if s else None), _fmt(s.precision if s else None)]
        print(f"| {kind} | {scores[names[0]].by_type[kind].gold} | " + " | ".join(cells) + " |")
    for name, s in scores.items():
        leaked, masked = 100 * s.leaked_share, 100 * s.overmasked_share
        print(f"{name}: PII characters left unmasked {leaked:.2f}%, non-PII characters masked {masked:.2f}%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="synthetic records scored for Vigil")
    parser.add_argument("--naive-n", type=int, default=1000, help="records scored for the (slow) presidio defaults")
    args = parser.parse_args()
    scrubber = Scrubber(ScrubConfig.from_params({}))
    naive = naive_analyzer()

    texts, gold = synthetic_gold(args.n, seed=101)
    started = time.perf_counter()
    vigil = _vigil_spans(scrubber, texts)
    print(f"scored {len(texts)} synthetic notes in {time.perf_counter() - started:.1f}s (Vigil, 1 process)")
    k = min(args.naive_n, len(texts))
    baseline = _naive_spans(naive, texts[:k])
    _print_table(
        f"(a) synthetic notes, Vigil on {len(texts)}, presidio defaults on the first {k}",
        {"vigil": _score(texts, gold, vigil), "presidio": _score(texts[:k], gold[:k], baseline)},
    )
    upper = _score(texts, gold, vigil, keep=str.isupper)
    upper_naive = _score(texts[:k], gold[:k], baseline, keep=str.isupper)
    person = upper.by_type["PERSON"]
    print(
        f"ALL-CAPS notes: PERSON recall vigil {_fmt(person.recall)} (n={person.gold}), "
        f"presidio {_fmt(upper_naive.by_type['PERSON'].recall)}"
    )

    if not SHARED_PII_EVAL.exists():
        print(f"\n(b) skipped: {SHARED_PII_EVAL} not found", file=sys.stderr)
        return 0
    texts, targeted, other = presidio_research_gold()
    vigil = _vigil_spans(scrubber, texts)
    baseline = _naive_spans(naive, texts)
    _print_table(
        f"(b) presidio-research synth_dataset_v2 ({len(texts)} sentences, targeted types)",
        {"vigil": _score(texts, targeted, vigil), "presidio": _score(texts, targeted, baseline)},
    )
    untargeted = sum(len(o) for o in other)
    print(f"not targeted by Vigil's policy and excluded above: {untargeted} spans (ORGANIZATION, GPE, DATE_TIME, ...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
