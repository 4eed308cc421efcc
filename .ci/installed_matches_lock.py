"""Every distribution installed in this environment is the version requirements.lock pins.

`make venv` runs this after installing: an install that resolved anything the lock
does not pin (PyPI's CUDA build of torch pulling nvidia-* and triton wheels, a
package added to pyproject.toml without `make lock`) fails here, before tests or
pip-audit (which reads only the lock) could vouch for an environment they never saw.
Local version labels are ignored (torch 2.13.0+cpu is the pinned torch==2.13.0).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

IGNORED = {"pip", "setuptools", "wheel"}  # the installer itself; the lock excludes them


def normalise(name: str) -> str:
    """PEP 503 name normalisation (Foo_Bar.baz -> foo-bar-baz)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock_text: str) -> dict[str, str]:
    """``name==version`` lines of the lock, by normalised name."""
    pins = {}
    for line in lock_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[normalise(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pins


def problems(installed: Iterable[tuple[str, str, bool]], pins: dict[str, str]) -> list[str]:
    """(name, version, editable) of each installed distribution -> what the lock does not account for."""
    installed = list(installed)
    # An editable project is seen twice (its dist-info and the egg-info in its source tree): skip both.
    editable = {normalise(name) for name, _, is_editable in installed if is_editable}
    found = []
    for name, version, _ in installed:
        key = normalise(name)
        if key in IGNORED or key in editable:
            continue
        public = version.split("+", 1)[0]
        if key not in pins:
            found.append(f"{name}=={version} is installed but not pinned in requirements.lock")
        elif pins[key] != public:
            found.append(f"{name}=={version} is installed but requirements.lock pins {pins[key]}")
    return sorted(found)


def _installed() -> Iterable[tuple[str, str, bool]]:
    for dist in metadata.distributions():
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
        yield dist.metadata["Name"], dist.version, bool((direct.get("dir_info") or {}).get("editable"))


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements.lock")
    found = problems(_installed(), pinned(lock.read_text(encoding="utf-8")))
    for problem in found:
        print(f"installed_matches_lock: {problem}", file=sys.stderr)
    if found:
        print(f"installed_matches_lock: {len(found)} distribution(s) not as {lock} pins", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
