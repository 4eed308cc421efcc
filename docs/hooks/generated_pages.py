"""MkDocs hook: pages generated from files that live elsewhere in the repository, never pasted.

- ``policies.md`` is ``policies/README.md``, the reviewed policy documentation, so there is one copy;
- ``benchmarks.md`` lists every bench script with its docstring and its last recorded output
  (``bench/results/<name>.md``, written by ``python bench/record.py <name>``).
"""

from __future__ import annotations

import ast
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


def _policies_page() -> str:
    text = (ROOT / "policies" / "README.md").read_text(encoding="utf-8")
    # Links written for GitHub (relative to policies/) point at docs/ pages; on the site they are siblings.
    return text.replace("(docs/architecture.md,", "([architecture](architecture.md),").replace("](../docs/", "](")


def _bench_summary(script: Path) -> str:
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def _benchmarks_page() -> str:
    parts = [
        "# Benchmarks\n",
        "Every number here was printed by a script in `bench/`, which measures a baseline and Vigil's",
        "code in the same run on the same machine and ends with the ratio. `python bench/record.py NAME`",
        "runs one and stores its output in `bench/results/NAME.md`; this page is generated from those",
        "files when the site is built, so it shows what was measured, where and when, not numbers",
        "copied into prose. Benches are not part of the test suite.\n",
    ]
    for script in sorted((ROOT / "bench").glob("*.py")):
        if script.stem.startswith("_") or script.stem in {"record", "serve_noop"}:
            continue
        parts.append(f"## {script.stem}\n\n{_bench_summary(script)}\n")
        result = ROOT / "bench" / "results" / f"{script.stem}.md"
        if result.is_file():
            parts.append(result.read_text(encoding="utf-8"))
        else:
            parts.append(f"Not recorded yet: `python bench/record.py {script.stem}`.\n")
    return "\n".join(parts)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, content in (("policies.md", _policies_page()), ("benchmarks.md", _benchmarks_page())):
        files.append(File.generated(config, name, content=content))
    return files
