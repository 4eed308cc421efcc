"""A promotion as a pull request: a branch with one commit that pins the new digest, opened through the API.

Merging to main builds and pushes the serving image; the release job hands its
digest to ``vigil deploy promote --pull-request``, which edits the overlay,
commits on ``promote/<overlay>-<digest>``, pushes, and opens (or finds) the pull
request. Review and merge is the deployment; the GitOps controller applies it;
reverting the commit is the rollback.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from vigil.deployment.image_pin import ImageReference, pin_image, pinned_image
from vigil.errors import VigilError
from vigil.github_api import GitHubApi

OVERLAYS_DIR = Path("deploy/overlays")


@dataclass(frozen=True)
class Promotion:
    """What a promotion changed: the overlay file, the image before and after, and the branch if any."""

    overlay: str
    path: Path
    previous: ImageReference | None
    image: ImageReference
    branch: str | None = None
    pull_request: str | None = None

    @property
    def changed(self) -> bool:
        return self.previous != self.image


def overlay_file(repo: Path, overlay: str) -> Path:
    path = repo / OVERLAYS_DIR / overlay / "kustomization.yaml"
    if not path.is_file():
        known = (
            sorted(p.name for p in (repo / OVERLAYS_DIR).iterdir() if p.is_dir())
            if (repo / OVERLAYS_DIR).is_dir()
            else []
        )
        raise VigilError(f"{path}: no such overlay (overlays: {', '.join(known) or 'none'})")
    return path


def pin_overlay(repo: Path, overlay: str, image: ImageReference) -> Promotion:
    """Edit the overlay in the working tree (nothing else); a no-op when it already runs ``image``."""
    path = overlay_file(repo, overlay)
    text = path.read_text("utf-8")
    previous = pinned_image(text, str(path))
    if previous != image:
        partial = path.with_suffix(".yaml.tmp")
        partial.write_text(pin_image(text, image, str(path)), "utf-8")
        partial.replace(path)
    return Promotion(overlay, path, previous, image)


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise VigilError(f"git {' '.join(args)}: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")
    return result.stdout.strip()


def pull_request_body(promotion: Promotion, source_commit: str | None) -> str:
    before = f"`{promotion.previous}`" if promotion.previous else "nothing pinned"
    lines = [
        f"Promotes `{promotion.image}` to **{promotion.overlay}** (`{promotion.path.as_posix()}`).",
        "",
        f"- before: {before}",
        f"- after: `{promotion.image}`",
    ]
    if source_commit:
        lines.append(f"- built from commit {source_commit}")
    lines += [
        "",
        "Merging deploys it: the GitOps controller (deploy/argocd/) applies the overlay. To roll back, revert "
        "this pull request's commit; the controller applies the previous digest.",
    ]
    return "\n".join(lines) + "\n"


def open_pull_request(
    repo: Path,
    promotion: Promotion,
    api: GitHubApi,
    repository: str,
    base: str = "main",
    source_commit: str | None = None,
) -> Promotion:
    """Commit the edit on its own branch, push it to ``origin`` and open the pull request (or find it open)."""
    branch = f"promote/{promotion.overlay}-{promotion.image.digest.removeprefix('sha256:')[:12]}"
    relative = promotion.path.relative_to(repo).as_posix()
    _git(repo, "switch", "-C", branch)
    _git(repo, "add", "--", relative)
    title = f"Promote {promotion.image.name.rsplit('/', 1)[-1]}@{promotion.image.digest[:19]} to {promotion.overlay}"
    _git(repo, "commit", "-m", title, "-m", pull_request_body(promotion, source_commit), "--", relative)
    _git(repo, "push", "--force-with-lease", "origin", f"HEAD:refs/heads/{branch}")
    owner = repository.split("/", 1)[0]
    existing, _ = api.request("GET", f"/repos/{repository}/pulls?state=open&head={owner}:{branch}&base={base}")
    if existing:
        url = str(existing[0].get("html_url", ""))
    else:
        body = {"title": title, "head": branch, "base": base, "body": pull_request_body(promotion, source_commit)}
        created, _ = api.request("POST", f"/repos/{repository}/pulls", body)
        url = str(created.get("html_url", ""))
    return Promotion(promotion.overlay, promotion.path, promotion.previous, promotion.image, branch, url)
