"""The documentation site builds with no warning, and the README's links land on real files."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO_ROOT, run


def test_mkdocs_site_builds_strictly_with_the_generated_pages(tmp_path: Path):
    site = tmp_path / "site"
    run(["mkdocs", "build", "--strict", "--site-dir", str(site)], REPO_ROOT, env={"NO_MKDOCS_2_WARNING": "1"})
    for page in ("architecture", "reproducibility", "extending", "policies", "benchmarks"):
        assert (site / page / "index.html").is_file(), page
    benchmarks = (site / "benchmarks" / "index.html").read_text(encoding="utf-8")
    for script in sorted((REPO_ROOT / "bench").glob("*.py")):
        if not script.stem.startswith("_") and script.stem not in {"record", "serve_noop"}:
            assert f'id="{script.stem.replace("_", "-")}"' in benchmarks or script.stem in benchmarks, script.stem
    assert "Metric paths" in (site / "policies" / "index.html").read_text(encoding="utf-8")


def test_readme_links_point_at_files_in_the_repository():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)#]+)", readme) if "://" not in t]
    assert targets, "the README links to the documentation"
    missing = [t for t in targets if not (REPO_ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"
