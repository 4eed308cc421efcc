"""The residual scan shares nothing with the scrubber it checks: no lexicon, cue list, model or threshold.

Two checks, one on the source (the scan's modules import nothing of the scrubber's) and one at
run time (scanning loads neither presidio, nor spaCy, nor the word lists the scrubber's rules and
model read). A scan built on the scrubber's own evidence would be blind where the scrubber is.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PRIVACY = Path(__file__).resolve().parents[1] / "src" / "vigil" / "privacy"
SCAN_MODULES = ("residual.py", "residual_model.py", "residual_estimate.py")
# What the scrubber is made of: its recognizers, lexicon, code and cue words, learned name model, NER engine.
SCRUBBER_MODULES = (
    "vigil.privacy.lexicon",
    "vigil.privacy.codes",
    "vigil.privacy.recognizers",
    "vigil.privacy.name_model",
    "vigil.privacy.name_features",
    "vigil.privacy.name_training",
    "vigil.privacy.nlp_engine",
    "vigil.privacy.engine",
    "vigil.privacy.scrubber",
    "vigil.privacy.refine",
    "vigil.privacy.truecase",
    "vigil.privacy.config",
)
SCRUBBER_LIBRARIES = ("presidio_analyzer", "presidio_anonymizer", "spacy", "wordfreq", "faker", "phonenumbers")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_scan_modules_import_nothing_of_the_scrubber():
    for name in SCAN_MODULES:
        imported = _imports(PRIVACY / name)
        shared = sorted(i for i in imported if i.startswith(SCRUBBER_MODULES) or i.split(".")[0] in SCRUBBER_LIBRARIES)
        assert not shared, f"src/vigil/privacy/{name} imports {shared}"


def test_scanning_loads_none_of_the_scrubbers_evidence(name_models):
    code = (
        "import sys; from vigil.privacy.residual import residual_model_for, scan_text;"
        f"m = residual_model_for({str(name_models.directory / 'residual_model')!r});"
        "scan_text('cliente Joana Prado tel 11 99999-0000, Sr. Okafor', m);"
        f"print(sorted(n for n in sys.modules if n.startswith({SCRUBBER_MODULES + SCRUBBER_LIBRARIES!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out


def test_the_scan_threshold_is_its_own(name_models):
    """The scan takes no scrub setting; its one threshold is its model card's, calibrated by its own stage."""
    import inspect

    from vigil.privacy.residual import residual_model_for, scan_text

    assert list(inspect.signature(scan_text).parameters) == ["text", "model"]
    model = residual_model_for(str(name_models.directory / "residual_model"))
    text = "Customer Aline Martins called back"
    highest = model.max_score(text)
    assert model.suspects(text, highest) and not model.suspects(text, highest + 1e-6)
    assert model.suspects(text) == model.suspects(text, model.card["threshold"])
