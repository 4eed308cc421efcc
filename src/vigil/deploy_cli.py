"""The ``vigil deploy`` commands: GitOps promotion of a released image (docs/deployment.md)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from vigil.errors import VigilError


def _promote(args: argparse.Namespace) -> int:
    """Pin the image digest in an overlay; with --pull-request, commit it on a branch and open the PR."""
    from vigil.deployment.image_pin import ImageReference
    from vigil.deployment.promotion import open_pull_request, pin_overlay
    from vigil.github_api import DEFAULT_API, GitHubApi

    repo = Path(args.repo)
    promotion = pin_overlay(repo, args.overlay, ImageReference.parse(args.image))
    if not promotion.changed:
        print(f"{args.overlay} already runs {promotion.image}: nothing to promote")
        return 0
    print(f"{promotion.path}: {promotion.previous or 'nothing'} -> {promotion.image}")
    if args.pull_request:
        token = os.environ.get("GITHUB_TOKEN")
        repository = args.repository or os.environ.get("GITHUB_REPOSITORY")
        if not token or not repository:
            raise VigilError("--pull-request needs GITHUB_TOKEN and GITHUB_REPOSITORY (or --repository)")
        api = GitHubApi(os.environ.get("GITHUB_API_URL") or DEFAULT_API, token)
        source = args.source_commit or os.environ.get("GITHUB_SHA")
        promotion = open_pull_request(repo, promotion, api, repository, args.base, source)
        print(f"pull request {promotion.pull_request} (branch {promotion.branch})")
    return 0


def add_deploy_commands(commands: Any) -> None:
    """Register ``deploy promote`` on the ``vigil`` parser."""
    deploy = commands.add_parser("deploy", help="GitOps deployment: promote a released image to an overlay")
    deploy_commands = deploy.add_subparsers(dest="deploy_command", required=True)
    promote = deploy_commands.add_parser(
        "promote", help="pin an image digest in deploy/overlays/<overlay> (and open the promotion pull request)"
    )
    promote.add_argument("--overlay", required=True, help="staging or production (a directory of deploy/overlays)")
    promote.add_argument("--image", required=True, help="REGISTRY/REPOSITORY@sha256:<digest> (never a tag)")
    promote.add_argument("--repo", default=".", help="repository root (default: current directory)")
    promote.add_argument(
        "--pull-request", action="store_true", help="commit on promote/<overlay>-<digest>, push, open the PR"
    )
    promote.add_argument("--repository", help="owner/name (default: GITHUB_REPOSITORY)")
    promote.add_argument("--base", default="main", help="the branch the pull request targets (default: main)")
    promote.add_argument("--source-commit", help="the commit the image was built from (default: GITHUB_SHA)")
    promote.set_defaults(handler=_promote)
